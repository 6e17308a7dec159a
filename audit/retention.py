"""Retention: the one way audit entries ever leave the log.

A purge removes the oldest stretch of the chain, entries older than AUDIT_RETENTION_DAYS, and
needs two auditors: one asks (a cut-off date and a reason), another approves with their
password. Approval first verifies the whole chain (a purge must never destroy the evidence of
tampering), then signs an anchor of the last link it removes, then removes links and entries
up to it. The verifier starts after the newest purge, from that signed hash: a purge record
without its anchor, forged to hide the removal of early entries, is reported.

On PostgreSQL the removal runs through `audit_purge(up_to, cutoff)` (migration 0006), a
function owned by the tables' owner that the append-only triggers let through, and which
refuses to remove anything younger than 365 days whatever the application asks.
"""

from __future__ import annotations

import datetime

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import anchors, chain, sequencer
from audit.breakglass import StepUpFailed  # the same refusal as for emergency access
from audit.chain import latest_purge
from audit.models import ChainLink, RetentionPurge
from casework import access

FLOOR_DAYS = 365  # the database function's own floor (checklist 32: at least a year)
CHUNK = 900


def retention_days() -> int:
    return max(settings.AUDIT_RETENTION_DAYS, FLOOR_DAYS)


def latest_allowed_cutoff(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) - datetime.timedelta(days=retention_days())


def may_purge(user) -> bool:
    return access.can_read_audit_log(user)


def request_purge(*, actor, before: datetime.date, reason: str) -> RetentionPurge:
    if not may_purge(actor):
        raise PermissionDenied
    if before > latest_allowed_cutoff():
        raise ValidationError(
            _("Entries are kept for %(days)s days: the cut-off can be %(date)s at the latest.")
            % {"days": retention_days(), "date": latest_allowed_cutoff().isoformat()}
        )
    return RetentionPurge.objects.create(before=before, reason=reason, requested_by=actor)


def approve_purge(purge: RetentionPurge, *, actor, password: str) -> RetentionPurge:
    """The second auditor's approval, which carries the purge out."""
    if not may_purge(actor) or actor.pk == purge.requested_by_id:
        raise PermissionDenied(_("A purge needs a second auditor, not the one who asked."))
    if not actor.check_password(password):
        raise StepUpFailed
    if purge.status != RetentionPurge.Status.REQUESTED:
        raise ValidationError(_("This purge has already been carried out."))
    if purge.before > latest_allowed_cutoff():
        raise ValidationError(_("The cut-off is now inside the retention period."))
    sequencer.seal()  # the whole committed log, not only what is sealed so far
    result = chain.verify()
    if not result.ok:
        raise ValidationError(
            _("The audit log does not verify (at position %(seq)s); nothing was removed.")
            % {"seq": result.first_bad_seq}
        )
    cutoff = datetime.datetime.combine(purge.before, datetime.time.min, tzinfo=datetime.UTC)
    with transaction.atomic():
        up_to, boundary = _boundary(cutoff)
        if up_to == 0:
            raise ValidationError(_("No entries are older than the cut-off."))
        # Signed before anything is removed: the verifier will start from this hash.
        anchors.record_anchor(purge=(up_to, boundary))
        removed = _remove(up_to, cutoff)
        purge.status = RetentionPurge.Status.DONE
        purge.approved_by, purge.approved_at = actor, timezone.now()
        purge.up_to_seq, purge.boundary_hash, purge.removed = up_to, boundary, removed
        purge.save()
    return purge


def _boundary(cutoff: datetime.datetime) -> tuple[int, str]:
    """The last link of the oldest unbroken stretch of entries older than `cutoff`."""
    links = ChainLink.objects.order_by("seq")
    start = last_purged_seq()
    first_young = (
        links.filter(seq__gt=start, entry__timestamp__gte=cutoff).values_list("seq", flat=True)
        .first()
    )
    if first_young is None or first_young - 1 <= start:
        return 0, ""
    up_to = first_young - 1
    return up_to, links.get(seq=up_to).hash


def _remove(up_to: int, cutoff: datetime.datetime) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge(%s, %s)", [up_to, cutoff])
            return cursor.fetchone()[0]
    # SQLite has no triggers to pass: the same deletes, in the same transaction, in chunks
    # (links first: each protects its entry).
    removed = 0
    while chunk := list(
        ChainLink.objects.filter(seq__lte=up_to).order_by("seq").values_list("pk", "entry_id")[
            :CHUNK
        ]
    ):
        ChainLink.objects.filter(pk__in=[pk for pk, _ in chunk]).delete()
        _, counts = LogEntry.objects.filter(pk__in=[entry for _, entry in chunk]).delete()
        removed += counts.get(LogEntry._meta.label, 0)
    return removed


def last_purged_seq() -> int:
    newest = latest_purge()
    return newest.up_to_seq if newest else 0
