from django import forms, template

register = template.Library()

_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.CheckboxSelectMultiple: "",
}


@register.filter
def uswds(field):
    """Render a bound field with the design system's class for its widget."""
    widget = field.field.widget
    css = next((c for kind, c in _CLASSES.items() if isinstance(widget, kind)), "usa-input")
    attrs = {"class": css} if css else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-hint"
    return field.as_widget(attrs=attrs)


@register.filter
def staff_name(user) -> str:
    """A member of staff by their full name (their user name when none is recorded)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
