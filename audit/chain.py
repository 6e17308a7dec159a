"""The hash chain over the audit log: canonical form, sealing and verify.

Each LogEntry gets a ChainLink at the next position (seq) with
    hash = HMAC-SHA256(AUDIT_CHAIN_KEY, canonical(seq, prev_hash, entry))
where prev_hash is the hash of the link before it (64 zeros for seq 1). Links are written by the
sequencer (audit.sequencer) after the entry's transaction commits; until then the entry waits
with a MAC of its own (entry_mac), which is what keeps an insertion evident. The key lives
outside the database, so someone who can only write to the database cannot recompute the
hashes after an edit; signed anchors of the head kept outside the database (audit.anchors)
catch what a chain alone cannot: removal of the newest entries, and a rewrite by someone
holding the key.

Problems are reported by position and entry id only, never by content: an alert must not carry
personal data.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii

from auditlog.models import LogEntry
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import ProtectedError, TextField
from django.db.models.functions import Cast
from django.db.models.sql.constants import MULTI
from django.utils import timezone

from audit import anchors
from audit.models import (
    GENESIS_HASH,
    ChainHead,
    ChainLink,
    RetentionPurge,
    UnsealedEntry,
    Verification,
)

FORMAT_VERSION = 1

# (key in the canonical form, LogEntry field): every column of django-auditlog 3.4.1's LogEntry,
# so an edit to any of them breaks the chain. tests/audit/test_chain.py fails if an upgrade adds
# a column: decide then whether it joins the canonical form (a new FORMAT_VERSION).
ENTRY_FIELDS = (
    ("id", "id"),
    ("content_type", "content_type_id"),
    ("object_pk", "object_pk"),
    ("object_id", "object_id"),
    ("object_repr", "object_repr"),
    ("serialized_data", "serialized_data"),
    ("action", "action"),
    ("changes_text", "changes_text"),
    ("changes", "changes"),
    ("actor", "actor_id"),
    ("actor_email", "actor_email"),
    ("remote_addr", "remote_addr"),
    ("remote_port", "remote_port"),
    ("cid", "cid"),
    ("timestamp", "timestamp"),
    ("additional_data", "additional_data"),
)
_KEYS = tuple(key for key, _ in ENTRY_FIELDS)
_COLUMNS = tuple(field for _, field in ENTRY_FIELDS)
_TIMESTAMP = _KEYS.index("timestamp")
_ENTRY_ID = _KEYS.index("id")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)
# The canonical document's keys in sorted order, each value filled in by canonical().
_TEMPLATE = "{" + ",".join(
    f'"{key}":%s' for key in sorted((*_KEYS, "seq", "prev_hash", "v"))
) + "}"
# The append-only tables: triggers (migration 0002) and the app role's grants (grant_app_role).
PROTECTED_TABLES = ("auditlog_logentry", "audit_chainlink")
CHUNK = 2000
WALK_BATCH = 10_000
ORPHAN_GRACE_SECONDS = 1.0


def chain_key() -> bytes:
    key = settings.AUDIT_CHAIN_KEY
    if not key:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("AUDIT_CHAIN_KEY is not set.")
    return key.encode()


def _value(value) -> str:
    """A column value as JSON (what json.dumps gives for None, str and int)."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring_ascii(value)
    if type(value) is int:
        return str(value)
    return _ENCODER.encode(value)


@functools.lru_cache(maxsize=1024)
def _json_text(text: str) -> str:
    return _ENCODER.encode(json.loads(text))


def _json(text) -> str:
    """A JSON column, fetched as text (both backends), parsed and re-encoded with sorted keys:
    the same value gives the same bytes whatever spacing or key order the database keeps.
    Cached: most entries are reads, whose additional_data repeats ({"part": "case page"})."""
    return "null" if text is None else _json_text(text)


def _utc(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite, and USE_TZ=False, store naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _timestamp(value) -> str:
    """ISO 8601 in UTC, from the timestamp as text (both backends; see _columns) or, for
    callers holding one, a datetime. SQLite stores naive UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]';
    PostgreSQL, whose connections Django sets to UTC, prints 'YYYY-MM-DD HH:MM:SS[.f]+00'
    with trailing zeros of the fraction dropped. The common cases skip parsing."""
    if type(value) is str and value[10:11] == " ":
        if value.endswith("+00"):  # PostgreSQL, tested first: '….123+00' is 26 long too
            clock = value[11:-3]
            if len(clock) > 8:  # a fraction: six digits, as isoformat() writes them
                clock = clock.ljust(15, "0")
            return f'"{value[:10]}T{clock}+00:00"'
        if len(value) in (19, 26):
            return f'"{value[:10]}T{value[11:]}+00:00"'
    if type(value) is _EarlierReading:
        return f'"{value[:10]}T{value[11:]}+00:00"'
    if type(value) is str:
        value = datetime.fromisoformat(value)
    return f'"{_utc(value)}"'


class _EarlierReading(str):
    """A PostgreSQL timestamp whose fraction prints as three digits ('….123+00') is 26
    characters long, like SQLite's form, and before FORMAT_VERSION 1's reading was corrected
    it was hashed as if it were one ('"…T12:00:00.123+00+00:00"'). Entries sealed then keep
    that form; the verifier accepts it for exactly that shape of timestamp, nothing else."""


def _as_sealed_earlier(row):
    """The row with its timestamp read the earlier way, or None when the reading never
    differed (every timestamp but PostgreSQL's three-digit fractions)."""
    stamp = row[_TIMESTAMP]
    if type(stamp) is str and len(stamp) == 26 and stamp.endswith("+00"):
        return (*row[:_TIMESTAMP], _EarlierReading(stamp), *row[_TIMESTAMP + 1:])
    return None


def matches_earlier_reading(key: bytes, seq: int, prev_hash: str, row, stored: str) -> bool:
    """Whether `stored` is the MAC of the row under the earlier timestamp reading."""
    earlier = _as_sealed_earlier(row)
    return earlier is not None and hmac.compare_digest(
        hmac.digest(key, canonical(seq, prev_hash, earlier), hashlib.sha256).hex(), stored
    )


def canonical(seq: int, prev_hash: str, row) -> bytes:
    """The bytes that are MACed, for one entry's columns as fetched (ENTRY_FIELDS order): the
    JSON document {every ENTRY_FIELDS key, "seq", "prev_hash", "v": FORMAT_VERSION} with
    sorted keys and "," / ":" separators, JSON columns parsed, the timestamp in UTC ISO 8601.
    Written out by hand because the verifier runs it once per entry; a test checks it equals
    json.dumps(document, sort_keys=True, separators=(",", ":"))."""
    (
        entry_id, content_type, object_pk, object_id, object_repr, serialized_data, action,
        changes_text, changes, actor, actor_email, remote_addr, remote_port, cid, timestamp,
        additional_data,
    ) = row
    # Sorted key order. `x if type(...) is ... else _value(v)` is _value(v) with the column's
    # usual type inlined: the verifier's hot path.
    string, ints = encode_basestring_ascii, str
    text = _TEMPLATE % (
        ints(action) if type(action) is int else _value(action),
        ints(actor) if type(actor) is int else _value(actor),
        string(actor_email) if type(actor_email) is str else _value(actor_email),
        _json(additional_data),
        _json(changes),
        string(changes_text) if type(changes_text) is str else _value(changes_text),
        string(cid) if type(cid) is str else _value(cid),
        ints(content_type) if type(content_type) is int else _value(content_type),
        ints(entry_id) if type(entry_id) is int else _value(entry_id),
        ints(object_id) if type(object_id) is int else _value(object_id),
        string(object_pk) if type(object_pk) is str else _value(object_pk),
        string(object_repr) if type(object_repr) is str else _value(object_repr),
        string(prev_hash) if type(prev_hash) is str else _value(prev_hash),
        string(remote_addr) if type(remote_addr) is str else _value(remote_addr),
        ints(remote_port) if type(remote_port) is int else _value(remote_port),
        ints(seq) if type(seq) is int else _value(seq),
        _json(serialized_data),
        _timestamp(timestamp),
        FORMAT_VERSION,
    )
    return text.encode()


class Mac:
    """HMAC-SHA256(AUDIT_CHAIN_KEY, canonical(...)) as 64 hex digits."""

    def __init__(self, key: bytes):
        self._key = key

    def __call__(self, seq: int, prev_hash: str, row) -> str:
        return hmac.digest(self._key, canonical(seq, prev_hash, row), hashlib.sha256).hex()


def link_hash(key: bytes, seq: int, prev_hash: str, row) -> str:
    return Mac(key)(seq, prev_hash, row)


def _columns(queryset, prefix: str = ""):
    """values_list of the entry's columns in ENTRY_FIELDS order (after any leading fields the
    caller passes). The timestamp is read as text: parsing it into a datetime and printing
    it again would cost more than everything else the verifier does per entry."""
    names = [prefix + column for column in _COLUMNS]
    queryset = queryset.annotate(_stamp=Cast(prefix + "timestamp", TextField()))
    names[_TIMESTAMP] = "_stamp"
    return queryset, names


def _raw_rows(queryset, server_side: bool = True):
    """Rows exactly as the database driver returns them, fetched in chunks (a server-side
    cursor on PostgreSQL unless told otherwise), without Django's per-value converters."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    for chunk in compiler.execute_sql(MULTI, chunked_fetch=server_side, chunk_size=CHUNK):
        yield from chunk


def _link_rows(start: int, end: int | None, using: str):
    """(seq, prev_hash, hash, *entry columns) from `start` in seq order, a batch at a time by
    keyset (seq > the last one seen): each batch is one short index range scan, and no
    server-side cursor has to hold, or materialise, the whole chain."""
    links = ChainLink.objects.using(using).order_by("seq")
    if end is not None:
        links = links.filter(seq__lte=end)
    after = start - 1
    while True:
        batch, names = _columns(links.filter(seq__gt=after), prefix="entry__")
        rows = list(
            _raw_rows(batch.values_list("seq", "prev_hash", "hash", *names)[:WALK_BATCH],
                      server_side=False)
        )
        yield from rows
        if len(rows) < WALK_BATCH:
            return
        after = rows[-1][0]


def _entry_rows(ids, using: str):
    queryset, names = _columns(LogEntry.objects.using(using).filter(pk__in=ids).order_by())
    return _raw_rows(queryset.values_list(*names))


# Sealing --------------------------------------------------------------------------------------
# Entries reach the chain through the sequencer (audit.sequencer), which calls seal_rows under
# its lock; append_many is the same path for bulk loads that write entries without a queue row.


def entry_mac(key: bytes, row) -> str:
    """The write-time MAC of one entry (its columns as fetched, ENTRY_FIELDS order): the link
    form with seq 0, which no link has, so the one can never pass for the other."""
    return hmac.digest(key, canonical(0, "", row), hashlib.sha256).hex()


def entry_mac_matches(key: bytes, row, mac: str) -> bool:
    return entry_mac(key, row) == mac or matches_earlier_reading(key, 0, "", row, mac)


class _Statements:
    """Statements compiled once per database: they run on every audited write, and Django's
    per-query overhead would cost several times the SQL itself."""

    def __init__(self, using: str):
        connection = connections[using]
        quote = connection.ops.quote_name
        head = quote(ChainHead._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Table names from the models, quoted; every value goes in as a parameter.
        self.lock_head = f"SELECT seq, hash FROM {head} WHERE id = %s{lock}"  # noqa: S608
        self.move_head = f"UPDATE {head} SET seq = %s, hash = %s WHERE id = %s"  # noqa: S608
        entries, names = _columns(LogEntry.objects.using(using).filter(pk=0).order_by())
        self.read_entry, params = entries.values_list(*names).query.sql_with_params()
        assert list(params) == [0], params  # the entry id is the only parameter

    @classmethod
    def get(cls, using: str) -> _Statements:
        if using not in _STATEMENTS:
            _STATEMENTS[using] = cls(using)
        return _STATEMENTS[using]


_STATEMENTS: dict[str, _Statements] = {}


def read_entry(cursor, entry_id: int, using: str = DEFAULT_DB_ALIAS):
    """One entry's columns exactly as stored, read the way the verifier reads them."""
    cursor.execute(_Statements.get(using).read_entry, [entry_id])
    return cursor.fetchone()


def _locked_head(cursor, statements: _Statements, using: str) -> tuple[int, str]:
    """Lock the head row for the rest of the transaction (PostgreSQL row lock; on SQLite the
    transaction already holds the database write lock). Recreate it if it is missing, e.g. after
    a test flush: from the newest link, so a lost head row cannot restart the chain."""
    cursor.execute(statements.lock_head, [ChainHead.HEAD_PK])
    row = cursor.fetchone()
    if row is None:
        newest = (
            ChainLink.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        )
        seq, digest = newest or (0, GENESIS_HASH)
        # ON CONFLICT DO NOTHING: a concurrent creator waits for the other's commit, then locks.
        ChainHead.objects.using(using).bulk_create(
            [ChainHead(pk=ChainHead.HEAD_PK, seq=seq, hash=digest)], ignore_conflicts=True
        )
        cursor.execute(statements.lock_head, [ChainHead.HEAD_PK])
        row = cursor.fetchone()
    return row[0], row[1]


def seal_rows(rows, using: str = DEFAULT_DB_ALIAS) -> int:
    """Link entries (their columns as fetched, in the order given) onto the head, in the
    caller's transaction if there is one. Returns the new head seq."""
    mac = Mac(chain_key())
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        seq, prev = _locked_head(cursor, _Statements.get(using), using)
        links = []
        for row in rows:
            seq += 1
            digest = mac(seq, prev, row)
            links.append(ChainLink(entry_id=row[_ENTRY_ID], seq=seq, prev_hash=prev, hash=digest))
            prev = digest
        if links:
            ChainLink.objects.using(using).bulk_create(links, batch_size=900)
            cursor.execute(_Statements.get(using).move_head, [seq, prev, ChainHead.HEAD_PK])
    return seq


def entry_rows(ids, using: str = DEFAULT_DB_ALIAS) -> dict:
    """{entry id: columns as fetched} for the given ids, a chunk at a time."""
    ids = list(ids)
    rows = {}
    for start in range(0, len(ids), 900):  # stays under SQLite's bound-parameter limit
        rows.update((row[_ENTRY_ID], row) for row in _entry_rows(ids[start : start + 900], using))
    return rows


def append_many(entry_ids, using: str = DEFAULT_DB_ALIAS) -> int:
    """Seal existing entries in the given order, in one transaction (bulk loads that write
    entries without queueing them, and adoption of entries written before the chain existed).
    Returns how many were chained."""
    ids = list(entry_ids)
    if not ids:
        return 0
    with transaction.atomic(using=using):
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = entry_rows(chunk, using)
            seal_rows([rows[entry_id] for entry_id in chunk], using)
    return len(ids)


def adopt_unchained(using: str = DEFAULT_DB_ALIAS) -> int:
    """Chain every entry that has no link yet, oldest id first. Run once by migration 0003 for
    entries written before the chain existed; never needed afterwards (the verifier reports
    any unchained entry as an insertion)."""
    ids = (
        LogEntry.objects.using(using)
        .filter(chain_link__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return append_many(ids.iterator(chunk_size=CHUNK), using=using)


def refuse_deleting_actors(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    """pre_delete receiver for the user model. LogEntry.actor is on_delete=SET_NULL: deleting a
    user who acted would UPDATE their audit entries, which PostgreSQL's triggers refuse and
    which breaks the chain on SQLite. Refuse it plainly instead; deactivate the account."""
    if LogEntry.objects.using(using).filter(actor_id=instance.pk).exists():
        raise ProtectedError(
            "This user is the actor of audit log entries, which cannot change: deactivate the "
            "account instead of deleting it.",
            {instance},
        )


# Verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    last_seq: int = 0
    anchor_seq: int | None = None
    unsealed: int = 0  # entries committed and waiting for the sequencer, within its bound


def _walk(
    key: bytes, start: int, prev: str, anchored: dict[int, tuple], using: str,
    end: int | None = None,
):
    """Check links from `start` (to `end`, inclusive, if given) in seq order. Returns
    (checked, last_seq, bad_seq, problem).

    The hot loop of the verifier, kept lean. Plain comparisons, not compare_digest: nobody can
    time this offline check, and a tampered non-ASCII value must be reported, not raise."""
    rows = _link_rows(start, end, using)
    digest, sha256, encode = hmac.digest, hashlib.sha256, canonical
    expected = start
    matched_anchor = start - 1
    for row in rows:
        seq = row[0]
        if seq != expected:
            return (
                expected - start,
                expected - 1,
                expected,
                f"seq {expected} is missing (entry removed, or links renumbered): "
                f"the next link is seq {seq}",
            )
        if row[1] != prev:
            return (
                expected - start,
                expected - 1,
                seq,
                f"seq {seq} (log entry {row[3 + _ENTRY_ID]}) does not follow seq {seq - 1}: "
                "previous hash differs (link inserted, removed or reordered)",
            )
        stored = row[2]
        if digest(key, encode(seq, prev, row[3:]), sha256).hex() != stored and not (
            matches_earlier_reading(key, seq, prev, row[3:], stored)
        ):
            problem = (
                f"seq {seq} (log entry {row[3 + _ENTRY_ID]}): hash does not match the entry "
                "(entry edited, replaced or moved)"
            )
            following = next(rows, None)
            if (
                following is not None
                and following[0] == seq + 1
                and digest(key, encode(*following[:2], following[3:]), sha256).hex()
                != following[2]
            ):
                # One edit breaks one hash; a wrong key breaks them all.
                problem += (
                    f"; seq {seq + 1} fails too: if every entry fails, AUDIT_CHAIN_KEY is not "
                    "the key this chain was written with"
                )
            return expected - start, expected - 1, seq, problem
        if seq in anchored:
            anchor_hash, anchor_at = anchored[seq]
            if anchor_hash != stored:
                return (
                    expected - start,
                    expected - 1,
                    seq,
                    f"seq {seq} no longer matches the signed anchor of {anchor_at}: the chain "
                    f"was rewritten after seq {matched_anchor} (hashes recomputed)",
                )
            matched_anchor = seq
        prev = stored
        expected += 1
    return expected - start, expected - 1, None, ""


# Walking in parallel -------------------------------------------------------------------------

# Below this many links one process is quicker than starting several.
PARALLEL_MIN_LINKS = 50_000


def _ranges(start: int, head_seq: int, parts: int) -> list[tuple[int, int | None]]:
    """Split start..head into `parts` contiguous ranges; the last one is open-ended, so links
    appended while the walk runs are checked as a single walk would check them."""
    size = -(-(head_seq - start + 1) // parts)
    bounds = [(first, first + size - 1) for first in range(start, head_seq + 1, size)]
    bounds[-1] = (bounds[-1][0], None)
    return bounds


def _walk_range(job) -> tuple:
    """One range. In a worker process it runs on a connection of its own, closed afterwards."""
    import multiprocessing

    key, first, prev, anchored, using, end = job
    try:
        return _walk(key, first, prev, anchored, using, end)
    finally:
        if multiprocessing.parent_process() is not None:
            connections[using].close()


def _walk_parallel(key, start, prev, anchored, using, head_seq, workers, run=None):
    """Walk contiguous ranges at once and report as one walk would: the first problem in seq
    order. Range k starts from the stored hash of the link before it, which range k-1 checks
    as its own last link, so the ranges join into one chain. `run` maps _walk_range over the
    jobs (a process pool by default; tests pass plain `map`)."""
    bounds = _ranges(start, head_seq, workers)
    firsts = [first for first, _ in bounds[1:]]
    before = dict(
        ChainLink.objects.using(using)
        .filter(seq__in=[first - 1 for first in firsts])
        .values_list("seq", "hash")
    )
    jobs = []
    for first, end in bounds:
        # A missing boundary link is a gap the range before it reports; "" cannot match.
        range_prev = prev if first == start else before.get(first - 1, "")
        portion = {seq: a for seq, a in anchored.items()
                   if seq >= first and (end is None or seq <= end)}
        jobs.append((key, first, range_prev, portion, using, end))
    if run is None:
        run = _process_map(workers)
    checked = 0
    for (_first, end), outcome in zip(bounds, run(_walk_range, jobs), strict=True):
        count, last_seq, bad_seq, problem = outcome
        checked += count
        if problem:
            return checked, last_seq, bad_seq, problem
        if end is not None and last_seq != end:
            return (
                checked,
                last_seq,
                last_seq + 1,
                f"seq {last_seq + 1} is missing (entry removed, or links renumbered)",
            )
    return checked, last_seq, None, ""


def _process_map(workers: int):
    """A map over forked processes. Connections are closed first: a child must open its own,
    never share the parent's socket."""
    import multiprocessing

    def run(function, jobs):
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(function, jobs, chunksize=1)

    return run


def can_walk_in_parallel(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Worker processes need a database they can open themselves (not SQLite in memory), and a
    process allowed to have children (not a daemonic Celery pool worker)."""
    import multiprocessing

    connection = connections[using]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    if connection.in_atomic_block:  # uncommitted links would be invisible to the workers
        return False
    return not multiprocessing.current_process().daemon


def _orphans(using: str, limit: int = 100) -> list[int]:
    """Entries neither in the chain nor waiting to be sealed: put there, not written."""
    return list(
        LogEntry.objects.using(using)
        .filter(chain_link__isnull=True, unsealed__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _check_unsealed(key: bytes, using: str) -> tuple[int, str]:
    """(how many entries wait for the sequencer, a problem or ""). A waiting entry must carry
    the MAC its writer computed, and none may wait longer than AUDIT_SEAL_ALERT_SECONDS."""
    waiting = UnsealedEntry.objects.using(using).order_by("entry_id")
    count, bad, after = 0, [], 0
    while batch := list(waiting.filter(entry_id__gt=after).values_list("entry_id", "mac")[:CHUNK]):
        rows = entry_rows([entry_id for entry_id, _ in batch], using)
        bad += [
            entry_id for entry_id, mac in batch if not entry_mac_matches(key, rows[entry_id], mac)
        ]
        count += len(batch)
        after = batch[-1][0]
    if bad:
        shown = ", ".join(str(pk) for pk in bad[:10])
        return count, (
            f"log entries waiting to be sealed fail their write-time MAC (inserted or edited "
            f"before sealing): id {shown}" + (" and more" if len(bad) > 10 else "")
        )
    waited, bound = oldest_wait(using), settings.AUDIT_SEAL_ALERT_SECONDS
    if waited is not None and waited > bound:
        return count, (
            f"{count} log entries have waited more than {bound} s to be sealed (the oldest "
            f"for {waited:.0f} s): the sequencer is not running or is failing"
        )
    return count, ""


def oldest_wait(using: str = DEFAULT_DB_ALIAS) -> float | None:
    """Seconds the longest-waiting unsealed entry has waited, or None when none waits."""
    oldest = (
        UnsealedEntry.objects.using(using)
        .order_by("written_at")
        .values_list("written_at", flat=True)
        .first()
    )
    return None if oldest is None else (timezone.now() - oldest).total_seconds()


def latest_purge(using: str = DEFAULT_DB_ALIAS) -> RetentionPurge | None:
    return (
        RetentionPurge.objects.using(using)
        .filter(status=RetentionPurge.Status.DONE)
        .order_by("-up_to_seq")
        .first()
    )


def verify(
    start: int = 1,
    *,
    using: str = DEFAULT_DB_ALIAS,
    anchor_log=None,
    orphan_grace: float | None = None,
    workers: int = 1,
    run=None,
) -> VerifyResult:
    """Walk the chain from `start` and compare it with every signed anchor.

    Detects an edited entry or link (hash), a removed one (gap in seq), an inserted one (an
    entry without a link, or a link whose hashes do not fit), reordering (previous hash), and,
    through the anchors, removal of the newest entries or a rewrite with recomputed hashes.
    With `workers` > 1 and a long chain, ranges of it are walked in as many processes.
    """
    key = chain_key()
    if anchor_log is None:
        anchor_log = anchors.read_anchors()
    # Read the head before the walk: every link up to it is committed, so the walk must reach it.
    head_seq = (
        ChainHead.objects.using(using)
        .filter(pk=ChainHead.HEAD_PK)
        .values_list("seq", flat=True)
        .first()
    )
    latest = anchor_log.latest
    anchor_seq = latest.seq if latest else None

    def result(checked, last_seq, bad_seq=None, problem="", unsealed=0):
        return VerifyResult(
            ok=not problem,
            checked=checked,
            first_bad_seq=bad_seq,
            problem=problem,
            last_seq=last_seq,
            anchor_seq=anchor_seq,
            unsealed=unsealed,
        )

    prev = GENESIS_HASH
    purge = latest_purge(using)
    if purge is not None and start <= purge.up_to_seq:
        # A retention purge removed the links up to up_to_seq: start after it, from the hash
        # its own signed anchor vouches for (a purge record alone could be forged).
        start, prev = purge.up_to_seq + 1, purge.boundary_hash
        vouched = any(
            a.kind == "purge" and a.seq == purge.up_to_seq and a.hash == purge.boundary_hash
            for a in anchor_log.anchors
        )
        if not vouched:
            return result(
                0, purge.up_to_seq, purge.up_to_seq,
                f"retention purge {purge.pk} says seq 1 to {purge.up_to_seq} were removed, but "
                "no signed purge anchor vouches for it: entries may have been removed",
            )
    elif start > 1:
        before = (
            ChainLink.objects.using(using)
            .filter(seq=start - 1)
            .values_list("hash", flat=True)
            .first()
        )
        if before is None:
            return result(0, start - 1, start - 1, f"seq {start - 1} is missing")
        prev = before
    anchored = {a.seq: (a.hash, a.at) for a in anchor_log.anchors if a.seq >= start}

    parallel = (
        workers > 1
        and head_seq is not None
        and head_seq - start + 1 >= (PARALLEL_MIN_LINKS if run is None else workers)
        and (run is not None or can_walk_in_parallel(using))
    )
    if parallel:
        checked, last_seq, bad_seq, problem = _walk_parallel(
            key, start, prev, anchored, using, head_seq, workers, run
        )
    else:
        checked, last_seq, bad_seq, problem = _walk(key, start, prev, anchored, using)
    if problem:
        return result(checked, last_seq, bad_seq, problem)

    beyond = [a for a in anchor_log.anchors if a.seq > last_seq]
    if beyond:
        furthest = max(beyond, key=lambda a: a.seq)
        return result(
            checked,
            last_seq,
            last_seq + 1,
            f"the chain ends at seq {last_seq} but the anchor of {furthest.at} signed seq "
            f"{furthest.seq}: the newest entries were removed",
        )
    if head_seq is not None and head_seq > last_seq:
        return result(
            checked,
            last_seq,
            last_seq + 1,
            f"the chain ends at seq {last_seq} but its head records seq {head_seq}: "
            "the newest entries were removed",
        )

    orphans = _orphans(using)
    if orphan_grace is None:
        orphan_grace = ORPHAN_GRACE_SECONDS
    if orphans and orphan_grace:
        # An entry written outside a transaction commits a moment before its link: look again.
        time.sleep(orphan_grace)
        still = set(_orphans(using))
        orphans = [pk for pk in orphans if pk in still]
    if orphans:
        position = (
            ChainLink.objects.using(using)
            .filter(entry_id__gt=orphans[0])
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        ) or last_seq + 1
        shown = ", ".join(str(pk) for pk in orphans[:10])
        return result(
            checked,
            last_seq,
            position,
            f"log entries outside the chain (inserted, not appended), near seq {position}: "
            f"id {shown}" + (" and more" if len(orphans) > 10 else ""),
        )

    unsealed, problem = _check_unsealed(key, using)
    if problem:
        return result(checked, last_seq, last_seq + 1, problem, unsealed)
    if anchor_log.problems:
        problem = "anchor file: " + "; ".join(anchor_log.problems)
        return result(checked, last_seq, None, problem, unsealed)
    return result(checked, last_seq, unsealed=unsealed)


def run_verification(start: int = 1, **kwargs) -> tuple[VerifyResult, Verification]:
    """Verify and keep the outcome, so the workspace can show the last verification."""
    outcome = verify(start, **kwargs)
    record = Verification.objects.using(kwargs.get("using", DEFAULT_DB_ALIAS)).create(
        ok=outcome.ok,
        checked=outcome.checked,
        last_seq=outcome.last_seq,
        anchor_seq=outcome.anchor_seq,
        first_bad_seq=outcome.first_bad_seq,
        problem=outcome.problem,
        unsealed=outcome.unsealed,
    )
    return outcome, record
