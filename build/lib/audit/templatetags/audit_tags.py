import re

from django import template

register = template.Library()

_REFERENCE = re.compile(r"^[CPR]-[0-9A-Z]{8}$")


@register.filter
def is_reference(value) -> bool:
    """True for case, person and referral references, which have a record page."""
    return bool(_REFERENCE.match(str(value or "")))
