"""Accounts' own tables: pending grants of powerful roles, second-factor secrets at rest."""

from binascii import unhexlify

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.registry import audited
from casework.crypto import EncryptedCharField, blind_index


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
    panel = models.ForeignKey("mdt.Panel", on_delete=models.CASCADE, null=True, blank=True)
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


# --- TOTP secrets at rest ---------------------------------------------------------------------
#
# django-otp keeps an authenticator's secret in clear hex (otp_totp_totpdevice.key). We keep it
# under the field encryption instead (MultiFernet, rotated by rotate_encryption_keys with every
# other encrypted field): signals.seal_totp_key moves it here when a device is saved, and leaves
# SEALED, a fixed non-secret value, in django-otp's column. SealedTOTPDevice reads it back, so
# django-otp's own code (the time steps, drift, replay refusal, throttling) runs unchanged.

SEALED = "0" * 40


class SealedTOTPKey(models.Model):
    device = models.OneToOneField("otp_totp.TOTPDevice", on_delete=models.CASCADE,
                                  primary_key=True, related_name="sealed")
    key = EncryptedCharField(max_length=80)  # hex, as django-otp had it

    class Meta:
        app_label = "casework"

    def __str__(self):
        return f"sealed key {self.pk}"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())


class SealedTOTPDevice(TOTPDevice):
    """A TOTP authenticator whose secret comes from SealedTOTPKey."""

    class Meta:
        proxy = True
        app_label = "casework"

    @property
    def bin_key(self) -> bytes:
        return SealedTOTPKey.objects.get(device_id=self.pk).bin_key


# Recovery codes are never needed back, only checked: django-otp's token column keeps a keyed
# digest of each (the blind-index HMAC), never the code.


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: 16 hex characters of its keyed HMAC (64 bits)."""
    return blind_index("recovery code", code.strip().lower())[:16]


class HashedStaticDevice(StaticDevice):
    """The recovery codes of one account, checked against their stored digests."""

    class Meta:
        proxy = True
        app_label = "casework"

    def verify_token(self, token):
        return super().verify_token(recovery_code_digest(token))


class Preference(models.Model):
    """What a user chose for their own pages: the language (empty: the browser's).

    Read once at sign-in into the session (accounts.languages), so no request pays a query.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="preference",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                blank=True)

    class Meta:
        app_label = "casework"

    def __str__(self):
        return f"preferences of user {self.user_id}"
