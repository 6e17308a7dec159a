from django import template

from casework import rendering

register = template.Library()

@register.simple_tag
def form_field(field, quiet=False):
    """A whole form field: label, hint, errors and widget (casework.rendering.form_field)."""
    return rendering.form_field(field, quiet=bool(quiet))


@register.filter
def staff_name(user) -> str:
    """A member of staff by their full name (their user name when none is recorded)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
