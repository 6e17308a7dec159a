"""Break-glass records: emergency access to one case, for a limited time, always reviewed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited
from casework.crypto import EncryptedTextField


class EmergencyAccessQuerySet(models.QuerySet):
    def active(self, at=None):
        """In force now, or at the instant `at`."""
        return self.filter(expires_at__gt=at or timezone.now())

    def awaiting_review(self):
        return self.filter(reviewed_at__isnull=True)


@audited
class EmergencyAccess(models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = EncryptedTextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    justified = models.BooleanField(null=True)
    review_note = EncryptedTextField(_("review note"), blank=True, default="")

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        app_label = "audit"
        ordering = ["-granted_at", "-pk"]
        indexes = [
            # Serves access.visible_cases: user_id = ? AND expires_at > now.
            models.Index(fields=["user", "expires_at"], name="emergency_user_expiry"),
            models.Index(fields=["reviewed_at", "granted_at"], name="emergency_review_queue"),
        ]

    def __str__(self):
        return f"emergency access {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
