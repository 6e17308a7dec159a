"""Credentials for systems and scripts, and webhook subscriptions.

Keys are stored hashed (djangorestframework-api-key: SHA-512 of a 32-character random secret,
looked up by its 8-character prefix); the key itself is shown once, when it is made.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from audit.registry import audited
from casework.crypto import EncryptedCharField


class Credential(AbstractAPIKey):
    """Common to both kinds of key: scopes, and who revoked it when."""

    scopes = models.JSONField(default=list)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    class Meta(AbstractAPIKey.Meta):
        abstract = True

    def __str__(self):
        return f"{self._meta.model_name} {self.prefix}"

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired


@audited
class ApiClientRequest(models.Model):
    """An admin asks for an organisation's API client; a second admin approves it
    (casework.accounts.powers.check_second_admin) before any key exists."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second admin")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    organization = models.ForeignKey("providers.Organization", on_delete=models.PROTECT,
                                     related_name="api_client_requests")
    name = models.CharField(_("name"), max_length=50)
    scopes = models.JSONField(default=list)
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"api client request {self.pk}"

    # The two-person rule reads `user_id`: the person a power is for. A client is nobody's.
    user_id = None


# The key's hash stays out of the change log (the primary key still carries it: one-way).
@audited(exclude=("hashed_key", "id"))
class ApiClient(Credential):
    """An organisation's system. It acts as its own account (provider staff of the
    organisation, no password), so the access policy applies to it unchanged."""

    organization = models.ForeignKey("providers.Organization", on_delete=models.PROTECT,
                                     related_name="api_clients")
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="api_client")
    request = models.OneToOneField(ApiClientRequest, on_delete=models.PROTECT,
                                   related_name="client")

    class Meta(Credential.Meta):
        verbose_name = _("API client")


@audited(exclude=("hashed_key", "id"))
class PersonalToken(Credential):
    """A person's key for their own scripts: it acts as them and never outlives them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")

    class Meta(Credential.Meta):
        verbose_name = _("personal API token")


@audited
class WebhookSubscriber(models.Model):
    """A partner's endpoint for events about its organisation, managed by the system admin."""

    class Event(models.TextChoices):
        PROVIDER_REFERRAL_CREATED = "provider_referral.created", _("Provider referral created")
        PROVIDER_REFERRAL_UPDATED = "provider_referral.updated", _("Provider referral updated")
        REFERRAL_STATUS_CHANGED = "referral.status_changed", _("Referral screened")

    organization = models.ForeignKey("providers.Organization", on_delete=models.CASCADE,
                                     related_name="webhook_subscribers")
    url = models.URLField(_("URL"), max_length=500)
    # Encrypted at rest; the audit log masks it (audit.registry masks encrypted fields).
    secret = EncryptedCharField(_("signing secret"), max_length=200)
    events = models.JSONField(default=list, blank=True,
                              help_text=_("Event names; empty means every event."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"webhook subscriber {self.pk}"

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    """One event for one subscriber: its payload (references and status only) and its fate.

    Delivered by the outbox (api.tasks.deliver_webhook): retries with backoff, a dead letter
    after OUTBOX_MAX_ATTEMPTS, visible in the admin site.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (retrying)")

    subscriber = models.ForeignKey(WebhookSubscriber, on_delete=models.CASCADE,
                                   related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        # The subscriber's log, newest first; ordering checks read it oldest first.
        indexes = [models.Index(fields=["subscriber", "created_at"], name="webhook_delivery_log")]

    def __str__(self):
        return f"webhook delivery {self.pk}"
