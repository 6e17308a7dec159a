"""Describe a Django form as a DRF serializer, so the API validates with the page's own form
(its messages, its rules) and the OpenAPI schema still lists every field."""

from django import forms
from rest_framework import serializers


def _field(field: forms.Field) -> serializers.Field:
    common = {"required": field.required, "help_text": str(field.label or "")}
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=field.choices, **common)
    if isinstance(field, forms.ChoiceField):
        choices = [value for value, _label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False)
    return serializers.CharField(allow_blank=not field.required,
                                 max_length=getattr(field, "max_length", None), **common)


def serializer_for(form_class, name: str) -> type[serializers.Serializer]:
    # The class's fields, not an instance's: nothing is read from the database at import.
    fields = {field_name: _field(field) for field_name, field in form_class.base_fields.items()}
    return type(name, (serializers.Serializer,), fields)
