from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        # The change log is for auditors, through the workspace; not editable in the admin.
        from auditlog.models import LogEntry
        from django.contrib import admin

        if admin.site.is_registered(LogEntry):
            admin.site.unregister(LogEntry)
