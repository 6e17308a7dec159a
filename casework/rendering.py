"""The form renderer: Django's Jinja2 widget templates, Django templates for the rest.

Drawing a <select> through Django templates costs a template render per <option>, which made
forms the largest part of the case page. Django ships every built-in widget's template for
Jinja2 too, and renders the same HTML with them; widgets that only have Django templates (the
admin site's) are drawn as before.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


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
