"""The form renderer: Django's commonest widget templates drawn in Python, its Jinja2 widget
templates for the other built-in widgets, Django templates for the rest.

Drawing a <select> through templates costs a template render per <option>, which made forms
the largest part of the case page. The inputs, text areas, selects and options are drawn here
from the same context Django's widgets build, into the same HTML their Jinja2 templates write
(tests/test_rendering.py compares the two for every form); the other widgets use Django's
Jinja2 templates, and widgets that only have Django templates (the admin site's) are drawn as
before.
"""

from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from markupsafe import escape


class WidgetRenderer(BaseRenderer):
    @cached_property
    def _jinja2(self):
        return Jinja2()

    @cached_property
    def _django(self):
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)

    def render(self, template_name, context, request=None):
        draw = _DRAWN_HERE.get(template_name)
        if draw is None:
            return super().render(template_name, context, request=request)
        return draw(context["widget"], self)


# The widgets' HTML exactly as Django's Jinja2 templates write it (markupsafe's escaping, which
# is what they use).


def _attrs(attrs) -> str:
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _input(widget, renderer) -> str:
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return (f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}'
            f'{_attrs(widget["attrs"])}>')


def _textarea(widget, renderer) -> str:
    value = escape(widget["value"]) if widget["value"] else ""
    attrs = _attrs(widget["attrs"])
    return f'<textarea name="{escape(widget["name"])}"{attrs}>\n{value}</textarea>'


def _option(widget, renderer) -> str:
    return (f'<option value="{escape(widget["value"])}"{_attrs(widget["attrs"])}>'
            f'{escape(widget["label"])}</option>')


def _select(widget, renderer) -> str:
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in options:
            parts.append("\n  " + renderer.render(option["template_name"], {"widget": option}))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_DRAWN_HERE = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/select_option.html": _option,
}


# The design system's class for each kind of widget (the rest are text inputs).
_WIDGET_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.CheckboxSelectMultiple: "",
}


def widget_html(field) -> SafeString:
    """A bound field's widget with the design system's class, and the attributes that tie it to
    its hint and its errors."""
    widget = field.field.widget
    css = next((c for kind, c in _WIDGET_CLASSES.items() if isinstance(widget, kind)), "usa-input")
    attrs = {"class": css} if css else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-hint"
    return field.as_widget(attrs=attrs)


def _errors(field) -> SafeString:
    return format_html_join(
        "", '<span class="usa-error-message" role="alert">{}</span>', ((e,) for e in field.errors)
    )


def _checkbox(name, value, element_id, label, checked) -> SafeString:
    return format_html(
        '<div class="usa-checkbox"><input class="usa-checkbox__input" type="checkbox" name="{}"'
        '{} id="{}"{}><label class="usa-checkbox__label" for="{}">{}</label></div>',
        name, format_html(' value="{}"', value) if value is not None else "", element_id,
        " checked" if checked else "", element_id, label,
    )


def form_field(field, *, quiet: bool = False) -> SafeString:
    """One form field as the design system lays it out: label, hint, errors, widget. Written in
    Python because a page draws dozens of them and the template version cost about a
    millisecond each. `quiet`: no "(optional)" for a field with a sensible default."""
    widget = field.field.widget
    kind = getattr(widget, "input_type", None)
    group = "usa-form-group usa-form-group--error" if field.errors else "usa-form-group"
    if kind == "checkbox" and getattr(widget, "allow_multiple_selected", False):
        choices = SafeString("".join(  # each a SafeString made by format_html
            _checkbox(field.html_name, choice.data["value"], choice.id_for_label,
                      choice.choice_label, choice.data["selected"])
            for choice in field
        ))
        body = format_html(
            '<fieldset class="usa-fieldset"><legend class="usa-legend">{}</legend>{}{}</fieldset>',
            field.label, _errors(field), choices,
        )
    elif kind == "checkbox":
        body = format_html("{}{}", _errors(field), _checkbox(
            field.html_name, None, field.auto_id, field.label, field.value()))
    else:
        optional = "" if field.field.required or quiet else format_html(
            ' <span class="usa-hint">({})</span>', gettext("optional"))
        hint = format_html('<div class="usa-hint" id="{}-hint">{}</div>', field.auto_id,
                           field.help_text) if field.help_text else ""
        body = format_html(
            '<label class="{}" for="{}">{}{}</label>{}{}{}',
            "usa-label usa-label--error" if field.errors else "usa-label", field.auto_id,
            field.label, optional, hint, _errors(field), widget_html(field),
        )
    return format_html('<div class="{}">{}</div>', group, body)
