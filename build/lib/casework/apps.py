from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from casework import signals  # noqa: F401
        from casework.accounts import signals as account_signals  # noqa: F401
