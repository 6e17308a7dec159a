"""Tamper evidence for django-auditlog's LogEntry (which stays the audit record itself).

Every LogEntry gets one ChainLink, written in the same transaction: its position (`seq`), the
previous link's hash and an HMAC over the entry's canonical form (audit.chain). ChainHead is one
row holding the newest seq and hash; appends lock it, so concurrent writers queue instead of
forking the chain. Signed anchors of the head live outside the database (audit.anchors).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain links")

    def __str__(self):
        return f"#{self.seq}"


class ChainHead(models.Model):
    """The single row (pk=1) that appends lock; seq 0 and the genesis hash before any entry."""

    HEAD_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_PK)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"head #{self.seq}"


class Verification(models.Model):
    """The outcome of one run of the verifier, for the workspace to show the latest."""

    checked_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("chain intact"))
    checked = models.PositiveBigIntegerField(_("entries checked"), default=0)
    last_seq = models.PositiveBigIntegerField(_("last position"), null=True, blank=True)
    anchor_seq = models.PositiveBigIntegerField(_("anchored position"), null=True, blank=True)
    first_bad_seq = models.PositiveBigIntegerField(_("first bad position"), null=True, blank=True)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        get_latest_by = "checked_at"
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("audit log verification")

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'FAILED'}"

from audit.emergency import EmergencyAccess  # noqa: E402,F401  (break-glass records)
from audit.retention import RetentionPurge  # noqa: E402,F401  (retention purges)
