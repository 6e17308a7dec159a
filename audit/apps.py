from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        # The change log is for auditors, through the workspace; not editable in the admin.
        from auditlog.models import LogEntry
        from django.contrib import admin
        from django.contrib.auth import get_user_model
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_save, pre_delete

        from audit import anchors, chain, sequencer, signals  # noqa: F401  (signals: sign-ins)

        if admin.site.is_registered(LogEntry):
            admin.site.unregister(LogEntry)

        # Every new entry is queued for the sequencer in the transaction that writes it.
        post_save.connect(
            sequencer.queue_entry, sender=LogEntry, dispatch_uid="audit.chain.append"
        )
        # Inside a request, the after-commit seal waits until the response has been sent.
        request_started.connect(sequencer.request_started, dispatch_uid="audit.seal.hold")
        request_finished.connect(sequencer.after_response, dispatch_uid="audit.seal.release")
        # Deleting a user would rewrite their entries' actor (SET_NULL): refused.
        pre_delete.connect(
            chain.refuse_deleting_actors,
            sender=get_user_model(),
            dispatch_uid="audit.chain.refuse_deleting_actors",
        )
        # Fail at start-up, not at the first hourly anchor, if the signing key is malformed.
        anchors.signing_key()
