"""Tamper evidence for django-auditlog's LogEntry (which stays the audit record itself).

A new LogEntry waits in UnsealedEntry, with a MAC over its own content written in the writer's
transaction, until the sequencer (audit.sequencer) seals it: one ChainLink holding its position
(`seq`), the previous link's hash and an HMAC over the entry's canonical form (audit.chain).
ChainHead is one row holding the newest seq and hash; only the sequencer moves it, so requests
never queue on it. Signed anchors of the head live outside the database (audit.anchors).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Break-glass records live in their own module; imported here so Django finds the model.
from audit.emergency import EmergencyAccess  # noqa: F401
from audit.registry import audited

GENESIS_HASH = "0" * 64


class ChainLink(models.Model):
    entry = models.OneToOneField(
        "auditlog.LogEntry",
        on_delete=models.PROTECT,
        related_name="chain_link",
        verbose_name=_("log entry"),
    )
    seq = models.PositiveBigIntegerField(_("position"), unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    # When the sequencer sealed it: sealed_at minus the entry's timestamp is its seal delay.
    # Not part of the hash (the triggers keep it, like every other column, from changing).
    sealed_at = models.DateTimeField(_("sealed at"), null=True, default=timezone.now)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain links")

    def __str__(self):
        return f"#{self.seq}"


class ChainHead(models.Model):
    """The single row (pk=1) that the sequencer locks; seq 0 and the genesis hash before any
    entry. `anchored_at` is when the head was last signed, so a seal knows when one is due."""

    HEAD_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_PK)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    anchored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"head #{self.seq}"


class UnsealedEntry(models.Model):
    """An entry written and committed but not yet in the chain; the sequencer seals it and
    deletes this row in one transaction. `mac` is HMAC(AUDIT_CHAIN_KEY) over the entry alone,
    computed by its writer: an entry someone put in the table without the key has none that
    matches, and is refused rather than sealed. The foreign key keeps a waiting entry from
    being deleted before it is sealed."""

    entry = models.OneToOneField(
        "auditlog.LogEntry",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="unsealed",
        verbose_name=_("log entry"),
    )
    mac = models.CharField(_("write-time MAC"), max_length=64)
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["entry"]
        verbose_name = _("unsealed audit entry")
        verbose_name_plural = _("unsealed audit entries")

    def __str__(self):
        return f"entry {self.entry_id} (unsealed)"


class Verification(models.Model):
    """The outcome of one run of the verifier, for the workspace to show the latest."""

    checked_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("chain intact"))
    checked = models.PositiveBigIntegerField(_("entries checked"), default=0)
    last_seq = models.PositiveBigIntegerField(_("last position"), null=True, blank=True)
    anchor_seq = models.PositiveBigIntegerField(_("anchored position"), null=True, blank=True)
    first_bad_seq = models.PositiveBigIntegerField(_("first bad position"), null=True, blank=True)
    problem = models.TextField(_("problem"), blank=True)
    unsealed = models.PositiveBigIntegerField(_("entries awaiting their seal"), default=0)

    class Meta:
        get_latest_by = "checked_at"
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("audit log verification")

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'FAILED'}"


@audited
class RetentionPurge(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting a second auditor")
        DONE = "done", _("Purged")

    before = models.DateField(_("remove entries older than"))
    reason = models.TextField(_("reason"), max_length=500)
    status = models.CharField(max_length=10, choices=Status, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    up_to_seq = models.PositiveBigIntegerField(null=True, blank=True)
    boundary_hash = models.CharField(max_length=64, blank=True)
    removed = models.PositiveBigIntegerField(default=0)

    class Meta:
        app_label = "audit"
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"retention purge {self.pk}"

