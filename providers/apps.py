from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Providers")

    def ready(self):
        # Registers the import task, which providers.hsds.jobs names rather than imports.
        from providers import tasks  # noqa: F401
