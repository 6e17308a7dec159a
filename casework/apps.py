from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        # Models must be loaded first. The tasks register here because workflow names them
        # (through the outbox) rather than importing the layer above it.
        from casework import signals, tasks  # noqa: F401
        from casework.accounts import signals as account_signals  # noqa: F401
