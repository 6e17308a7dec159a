"""{% submission_token %}: the one-time token every create form carries (casework.submissions)."""

from django import template
from django.utils.html import format_html

from casework import submissions

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', submissions.FIELD,
                       submissions.new_token())
