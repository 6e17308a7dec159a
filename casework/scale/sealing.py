"""The generator's audit entries sealed into the chain in bulk, on the chain's own terms.

chain.seal_rows reads every entry back and writes its link through the ORM: right for the
sequencer's batches, slow for a million entries. Here the canonical form of each entry is made by
chain.canonical itself from the values the generator writes (in the workers that build the
rows), with stand-ins for the two values only the head knows, its position and the previous
hash; under the head's lock the batch's transaction fills those in, MACs each entry and writes
the links by COPY. The stored entries are what was MACed: verify_audit_log derives every hash
again from the rows as stored, so any difference would fail verification.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import operator

from django.utils import timezone

from audit import chain
from audit.models import ChainHead

# Values no real position or hash takes, so each occurs exactly once in the canonical text.
_SEQ_STANDIN = 9_007_199_254_740_993
_PREV_STANDIN = "prev-hash-stand-in"
_ENTRY_COLUMNS = operator.itemgetter(*(column for _, column in chain.ENTRY_FIELDS))
_TIMESTAMP = [column for _, column in chain.ENTRY_FIELDS].index("timestamp")
_CHANGES = [column for _, column in chain.ENTRY_FIELDS].index("changes")
LINK_COLUMNS = ["id", "entry_id", "seq", "prev_hash", "hash", "sealed_at"]


def stored_timestamp(value: datetime.datetime, *, postgres: bool) -> str:
    """A timestamp as the database gives it back as text, which is what the chain hashes
    (audit.chain reads it cast to text): PostgreSQL prints UTC with the fraction's trailing
    zeros dropped and "+00"; SQLite keeps Django's naive UTC text."""
    text = value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    if not postgres:
        return text
    return (text.rstrip("0") if "." in text else text) + "+00"


def canonical_parts(
    entry: dict, *, postgres: bool, changes=None
) -> tuple[int, bytes, bytes, bytes]:
    """(entry id, text before the previous hash, text between it and the position, the rest)
    of the entry's canonical form; `entry` holds its columns as written (LogEntry attnames).

    `changes`, when given, is the entry's changes document as ChangesTemplate.fill_marked
    gives it: the constant document with a marker in place of each per-row value, and each
    marker with that value's JSON. chain.canonical then re-encodes the same constant text for
    every entry (which it caches) instead of parsing each entry's own, and the values go in
    after: the same bytes, since a JSON string's text does not depend on where it stands."""
    row = list(_ENTRY_COLUMNS(entry))
    row[_TIMESTAMP] = stored_timestamp(row[_TIMESTAMP], postgres=postgres)
    if changes is not None:
        row[_CHANGES] = changes[0]
    text = chain.canonical(_SEQ_STANDIN, _PREV_STANDIN, row)
    if changes is not None:
        for marker, filled in changes[1]:
            text = text.replace(marker, filled, 1)
    head, rest = text.split(_PREV_STANDIN.encode())
    middle, tail = rest.split(str(_SEQ_STANDIN).encode())
    return entry["id"], head, middle, tail


def seal(entries, links, *, using: str) -> int:
    """Link `entries` (canonical_parts of each, in order) onto the head, writing their links
    through `links` (the ChainLink table), in the caller's transaction. Returns how many.

    The head row stays locked until that transaction ends, as seal_rows holds it: no other
    sealer can link anything in between."""
    if not entries:
        return 0
    key = chain.chain_key()
    seq = chain.seal_rows([], using)  # locks the head (recreating it if missing), links nothing
    heads = ChainHead.objects.using(using).filter(pk=ChainHead.HEAD_PK)
    prev = heads.values_list("hash", flat=True).get()
    sealed_at = timezone.now()
    rows = []
    for link_id, (entry_id, head, middle, tail) in zip(
        links.reserve_ids(len(entries)), entries, strict=True
    ):
        seq += 1
        digest = hmac.digest(
            key, head + prev.encode() + middle + str(seq).encode() + tail, hashlib.sha256
        ).hex()
        rows.append((link_id, entry_id, seq, prev, digest))
        prev = digest
    if links.connection.vendor == "postgresql" and links.names == LINK_COLUMNS:
        # This loop runs in the one process that holds the head, once per entry: formatting
        # the lines directly (every value is an int or hex, nothing to escape) keeps it short.
        stamp = sealed_at.isoformat()
        links.write_text("".join(
            f"{link_id}\t{entry_id}\t{seq}\t{prev_hash}\t{digest}\t{stamp}\n"
            for link_id, entry_id, seq, prev_hash, digest in rows
        ))
    else:
        links.write([dict(zip(LINK_COLUMNS, row, strict=False), sealed_at=sealed_at)
                     for row in rows])
    heads.update(seq=seq, hash=prev)
    return len(rows)


class EntryForm:
    """The canonical form of one kind of entry the generator writes, made once by
    chain.canonical (through canonical_parts) with a stand-in for each value that varies from
    entry to entry, and filled in for each entry by one format per part.

    `sample` is an entry's columns (LogEntry attnames) holding the values every entry of the
    kind shares; `varying` names the columns that differ, whose JSON goes where their
    stand-ins stood (`_value` and the timestamp's text are what chain.canonical prints for
    them). `changes`, for a create, is the marked document of its ChangesTemplate: its
    markers become placeholders too, filled with the values' JSON (the `changes` argument of
    `fill`). A test compares the parts with canonical_parts for each kind."""

    _STAMP = datetime.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)

    def __init__(self, sample: dict, varying: tuple[str, ...], *, postgres: bool,
                 changes: tuple[str, dict] | None = None):
        self.varying = tuple(name for name in varying if name != "timestamp")
        self.postgres = postgres
        stand_ins = {name: f"\x01{name}\x01" for name in self.varying}
        entry = {**sample, **stand_ins, "timestamp": self._STAMP}
        marked = None
        if changes is not None:
            marked = (changes[0], [])  # the markers stay in the text, to be replaced below
        _, head, middle, tail = canonical_parts(entry, postgres=postgres, changes=marked)
        places = {chain._value(stand_in): f"%({name})s" for name, stand_in in stand_ins.items()}
        places[chain._timestamp(stored_timestamp(self._STAMP, postgres=postgres))] = (
            "%(timestamp)s"
        )
        for name, marker in (changes[1] if changes is not None else {}).items():
            places[marker] = f"%(changes.{name})s"
        texts = [part.decode().replace("%", "%%") for part in (head, middle, tail)]
        for stand_in, place in places.items():
            # Exactly once, or a constant value holds a stand-in's text: refuse the kind.
            if sum(text.count(stand_in) for text in texts) != 1:
                raise ValueError(f"{place} does not occur once in the entry's canonical form")
            texts = [text.replace(stand_in, place) for text in texts]
        self.parts = texts

    def fill(self, entry: dict, changes: dict | None = None) -> tuple[int, bytes, bytes, bytes]:
        """canonical_parts(entry) for an entry of this kind; `changes` maps each marker's
        name to its value's JSON text (ChangesTemplate.fill_json)."""
        values = {name: chain._value(entry[name]) for name in self.varying}
        values["timestamp"] = chain._timestamp(
            stored_timestamp(entry["timestamp"], postgres=self.postgres)
        )
        if changes:
            for name, text in changes.items():
                values[f"changes.{name}"] = text
        head, middle, tail = self.parts
        return (entry["id"], (head % values).encode(), (middle % values).encode(),
                (tail % values).encode())
