"""A pending grant of a powerful role: nothing changes until a second admin approves it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import audited


@audited
class PowerRequest(models.Model):
    """One admin asks to give `user` a group (a role or compartment), a team's supervision, or a
    seat on an MDT panel (which opens the agenda cases' summaries to its members)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second admin")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="power_requests"
    )
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, null=True, blank=True)
    team = models.ForeignKey("casework.Team", on_delete=models.CASCADE, null=True, blank=True)
    panel = models.ForeignKey("casework.Panel", on_delete=models.CASCADE, null=True, blank=True)
    panel_role = models.CharField(max_length=20, blank=True)  # PanelMember.Role, with `panel`
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "casework"
        constraints = [
            # Exactly one power per request.
            models.CheckConstraint(
                condition=(
                    models.Q(group__isnull=False, team__isnull=True, panel__isnull=True)
                    | models.Q(group__isnull=True, team__isnull=False, panel__isnull=True)
                    | models.Q(group__isnull=True, team__isnull=True, panel__isnull=False)
                ),
                name="power_request_one_power",
            ),
        ]

    def __str__(self):
        return f"power request {self.pk}"

    @property
    def power(self) -> str:
        if self.group_id:
            return self.group.name
        if self.panel_id:
            return f"{self.panel_role} on panel {self.panel}"
        return f"supervisor of {self.team}"
