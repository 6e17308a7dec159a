"""The sequencer: seals committed audit entries into the hash chain, in the order it finds them.

A request never waits on the chain. Writing an entry (queue_entry, on LogEntry's post_save) costs
two statements and takes no lock that another request needs: read the row back as stored, and
insert an UnsealedEntry holding the entry's write-time MAC (audit.chain.entry_mac), in the
writer's own transaction. Once that transaction has committed, seal() links waiting entries onto
the chain: one sealer at a time (a PostgreSQL advisory lock; SQLite has one writer anyway), a
batch per short transaction that writes their ChainLinks, deletes their UnsealedEntry rows and
moves the head together. A sealer killed mid-batch therefore seals nothing of that batch, the
next one seals all of it, and nothing is sealed twice (ChainLink.entry is unique).

Who seals: a committing writer nudges a seal that gives way at once if another is running
(AUDIT_SEAL_ON_COMMIT), and a beat job sweeps every AUDIT_SEAL_INTERVAL_SECONDS for what a nudge
left, alerting when an entry has waited more than AUDIT_SEAL_ALERT_SECONDS. Inside a web request
the nudge waits until the response has gone (request_finished), so no page waits on a seal, and
a process seals at most once every AUDIT_SEAL_NUDGE_GAP_SECONDS: under load one seal takes the
batch that many requests wrote, instead of every request sealing its own entry. The write-time MAC
keeps insertion evident: an entry put in the table by someone without the key has no MAC that
matches, so the sealer refuses it (and alerts) and the verifier reports it.

A seal also signs a new anchor when the last one is older than AUDIT_ANCHOR_INTERVAL_SECONDS, so
the unanchored stretch of the chain stays minutes long wherever entries are being written,
including the embedded default.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from audit import anchors, chain
from audit.models import ChainHead, UnsealedEntry

alerts = logging.getLogger("audit.alerts")

SEAL_BATCH = 2000
# pg_advisory_xact_lock key for "the sealer" (any constant unique to this purpose).
SEALER_LOCK = 0x5EA1_0A0D17


@dataclass(frozen=True)
class SealResult:
    sealed: int = 0
    head_seq: int | None = None
    refused: tuple[int, ...] = ()  # entries whose write-time MAC does not match
    busy: bool = False  # another sealer held the lock, so this one gave way
    max_delay: float = 0.0  # seconds the longest-waiting sealed entry had waited
    anchored: bool = False


# Writing -------------------------------------------------------------------------------------


def queue_entry(sender, instance, created, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_save receiver for LogEntry (connected in AuditConfig.ready): queue it for sealing,
    with the MAC of what the database stored, in the writer's transaction."""
    if not created or raw:  # raw: loaded from a fixture, links come with it
        return
    with connections[using].cursor() as cursor:
        row = chain.read_entry(cursor, instance.pk, using)
        mac = chain.entry_mac(chain.chain_key(), row)
    UnsealedEntry.objects.using(using).bulk_create(
        [UnsealedEntry(entry_id=instance.pk, mac=mac, written_at=timezone.now())]
    )
    if settings.AUDIT_SEAL_ON_COMMIT:
        _nudge_on_commit(using)


def _nudge_on_commit(using: str) -> None:
    """Seal once the writer has committed, once per transaction however many entries it
    wrote. Outside a transaction on_commit runs at once."""
    connection = connections[using]
    pending = getattr(connection, "run_on_commit", None) or []
    if any(getattr(callback, "_audit_seal", False) for _, callback, *_ in pending):
        return

    def nudge():
        if getattr(_request, "active", False):
            _request.pending.add(using)  # sealed after the response (after_response)
        else:
            _nudge(using)

    nudge._audit_seal = True
    transaction.on_commit(nudge, using=using)


# Per thread: whether a web request is being served, and the databases it left entries in.
_request = threading.local()
# Per process: when a nudge last sealed (time.monotonic()).
_last_nudge = {"at": float("-inf")}


def request_started(**kwargs) -> None:
    """request_started receiver: hold this thread's nudges until the response has gone."""
    _request.active = True
    _request.pending = set()


def after_response(**kwargs) -> None:
    """request_finished receiver (the response has been sent): run the nudges it held."""
    pending = getattr(_request, "pending", set())
    _request.active, _request.pending = False, set()
    for using in sorted(pending):
        _nudge(using)


def _nudge(using: str) -> None:
    now = time.monotonic()
    if now - _last_nudge["at"] < settings.AUDIT_SEAL_NUDGE_GAP_SECONDS:
        return  # this process sealed moments ago: the next nudge or the sweep takes these
    _last_nudge["at"] = now
    try:
        seal(using=using, wait=False)
    except Exception:  # the sweep will seal it; the writer's change is already committed
        alerts.exception("audit seal after commit failed; the sweep will retry")


# Sealing -------------------------------------------------------------------------------------


def _take_sealer_lock(using: str, wait: bool) -> bool:
    """Become the one sealer for the rest of this transaction, or (wait=False) give way."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True  # SQLite: the transaction's write lock serialises sealers
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
        return bool(cursor.fetchone()[0])


def _seal_batch(key: bytes, using: str, after: int, limit: int):
    """Seal up to `limit` waiting entries with ids above `after`, in the caller's transaction.
    Returns (batch size, sealed ids, refused ids, oldest written_at, last id seen, the head's
    seq after it or None when nothing was sealed)."""
    batch = list(
        UnsealedEntry.objects.using(using)
        .filter(entry_id__gt=after)
        .order_by("entry_id")
        .values_list("entry_id", "mac", "written_at")[:limit]
    )
    if not batch:
        return 0, [], [], None, after, None
    rows = chain.entry_rows([entry_id for entry_id, _, _ in batch], using)
    good, refused = [], []
    for entry_id, mac, _ in batch:
        row = rows.get(entry_id)
        intact = row is not None and chain.entry_mac_matches(key, row, mac)
        (good if intact else refused).append(entry_id)
    head_seq = None
    if good:  # nothing to link: leave the head unlocked
        head_seq = chain.seal_rows([rows[entry_id] for entry_id in good], using)
        for start in range(0, len(good), 900):  # SQLite's bound-parameter limit
            UnsealedEntry.objects.using(using).filter(
                entry_id__in=good[start : start + 900]
            ).delete()
    oldest = min(written for _, _, written in batch)
    return len(batch), good, refused, oldest, batch[-1][0], head_seq


def seal(*, using: str = DEFAULT_DB_ALIAS, wait: bool = True, limit: int | None = None
         ) -> SealResult:
    """Seal every committed entry waiting for the chain (at most `limit`), a batch per
    transaction, oldest id first within what this sealer sees. With wait=False, give way at
    once to a sealer already running: it, or the next sweep, seals what this one leaves."""
    key = chain.chain_key()
    sealed, refused, max_delay, head_seq, after = 0, [], 0.0, None, 0
    while limit is None or sealed < limit:
        size = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed)
        with transaction.atomic(using=using):
            if not _take_sealer_lock(using, wait):
                return SealResult(sealed=sealed, refused=tuple(refused), busy=True,
                                  max_delay=max_delay)
            count, good, bad, oldest, after, batch_head = _seal_batch(key, using, after, size)
        head_seq = batch_head or head_seq
        if not count:
            break
        sealed += len(good)
        refused += bad
        if oldest is not None and good:
            max_delay = max(max_delay, (timezone.now() - oldest).total_seconds())
        if count < size:
            break
    if refused:
        alerts.error(
            "Audit sequencer REFUSED %s entries whose write-time MAC does not match (inserted "
            "or edited before sealing): ids %s",
            len(refused),
            ", ".join(str(pk) for pk in refused[:20]),
        )
    anchored = bool(sealed) and _anchor_if_due(using)
    return SealResult(sealed=sealed, head_seq=head_seq, refused=tuple(refused),
                      max_delay=max_delay, anchored=anchored)


# Anchoring and the sweep ---------------------------------------------------------------------


def _anchor_if_due(using: str) -> bool:
    """Sign the head when the last anchor is older than AUDIT_ANCHOR_INTERVAL_SECONDS."""
    interval = settings.AUDIT_ANCHOR_INTERVAL_SECONDS
    if not interval:
        return False
    last = (
        ChainHead.objects.using(using)
        .filter(pk=ChainHead.HEAD_PK)
        .values_list("anchored_at", flat=True)
        .first()
    )
    if last is not None and (timezone.now() - last).total_seconds() < interval:
        return False
    anchors.record_anchor(using)
    return True


def sweep(using: str = DEFAULT_DB_ALIAS) -> SealResult:
    """The scheduled seal: seal what waits, then alert if an entry still waits past the
    bound (positions and counts only, never content)."""
    result = seal(using=using, wait=True)
    waited = chain.oldest_wait(using)
    if waited is not None and waited > settings.AUDIT_SEAL_ALERT_SECONDS:
        alerts.error(
            "Audit entries have waited %.0f s to be sealed (bound %s s): the sequencer is "
            "failing",
            waited,
            settings.AUDIT_SEAL_ALERT_SECONDS,
        )
    return result


def run_forever(*, interval: float, using: str = DEFAULT_DB_ALIAS, stop=None) -> None:
    """A sealer loop for a process of its own (manage.py seal_audit_log --loop)."""
    while stop is None or not stop():
        sweep(using)
        time.sleep(interval)
