"""Signed anchors of the chain head, kept outside the database.

Each anchor is one JSON line appended to AUDIT_ANCHOR_FILE:
    {"at": ..., "hash": ..., "kid": ..., "seq": ..., "sig": ...}
where sig is the Ed25519 signature (AUDIT_ANCHOR_SIGNING_KEY) of f"{seq}:{hash}:{at}". The
verifier checks the chain against every valid anchor: the chain must still reach each anchored
seq with the anchored hash. That catches removal of the newest entries and a full rewrite with
recomputed HMACs, which the chain alone cannot. Ship the file off the host (append-only or WORM
storage): an anchor is only as safe as the place it is kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

from audit.models import GENESIS_HASH, ChainHead, ChainLink


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    line: int
    kind: str = "head"  # or "purge": the last link a retention purge removed (audit.retention)


@dataclass
class AnchorLog:
    anchors: list[Anchor] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Anchor | None:
        return self.anchors[-1] if self.anchors else None


def signing_key() -> Ed25519PrivateKey:
    """The private key from AUDIT_ANCHOR_SIGNING_KEY (base64 of the raw 32 bytes)."""
    try:
        raw = base64.b64decode(settings.AUDIT_ANCHOR_SIGNING_KEY, validate=True)
        if len(raw) != 32:
            raise ValueError
    except (ValueError, binascii.Error, TypeError):
        raise ImproperlyConfigured(
            "AUDIT_ANCHOR_SIGNING_KEY must be the base64 of a raw 32-byte Ed25519 private key."
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def generate_signing_key() -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(raw).decode()


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def message(seq: int, digest: str, at: str, kind: str = "head") -> bytes:
    # A purge anchor signs its kind too, so an hourly head anchor cannot pass for one.
    prefix = "" if kind == "head" else f"{kind}:"
    return f"{prefix}{seq}:{digest}:{at}".encode()


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def current_head(using: str = DEFAULT_DB_ALIAS) -> tuple[int, str]:
    head = ChainHead.objects.using(using).filter(pk=ChainHead.HEAD_PK).first()
    if head is not None:
        return head.seq, head.hash
    newest = ChainLink.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    return newest or (0, GENESIS_HASH)


def record_anchor(using: str = DEFAULT_DB_ALIAS, *, purge: tuple[int, str] | None = None
                  ) -> Anchor:
    """Sign the committed head (or, for a retention purge, its last removed link) and append
    it to the anchor file as one line."""
    key = signing_key()
    kind = "head" if purge is None else "purge"
    seq, digest = current_head(using) if purge is None else purge
    at = datetime.now(UTC).isoformat()
    fields = {
        "seq": seq,
        "hash": digest,
        "at": at,
        "kid": key_id(key.public_key()),
        "sig": base64.b64encode(key.sign(message(seq, digest, at, kind))).decode(),
    }
    if kind != "head":
        fields["kind"] = kind
    line = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: one write of one short line lands whole at the end, never over earlier anchors.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if kind == "head":  # lets the sequencer tell when the next anchor is due
        ChainHead.objects.using(using).filter(pk=ChainHead.HEAD_PK).update(
            anchored_at=datetime.fromisoformat(at)
        )
    return Anchor(seq=seq, hash=digest, at=at, line=0, kind=kind)


def _parse(text: str, number: int, public: Ed25519PublicKey) -> Anchor:
    try:
        data = json.loads(text)
        seq, digest, at, sig = data["seq"], data["hash"], data["at"], data["sig"]
        kind = data.get("kind", "head")
        if not (isinstance(seq, int) and isinstance(digest, str) and isinstance(at, str)
                and kind in ("head", "purge")):
            raise ValueError
        signature = base64.b64decode(sig, validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError(f"line {number} is not a readable anchor") from None
    try:
        public.verify(signature, message(seq, digest, at, kind))
    except InvalidSignature:
        kid = data.get("kid")
        other_key = f" (signed by key {kid}, not {key_id(public)})" if kid != key_id(public) else ""
        raise ValueError(
            f"line {number} (seq {seq}) fails its signature check{other_key}: edited or forged"
        ) from None
    return Anchor(seq=seq, hash=digest, at=at, line=number, kind=kind)


def read_anchors(path: Path | None = None) -> AnchorLog:
    """Every anchor whose signature checks, in file order, and a problem for every line that
    does not (a tampered line is reported, never silently skipped)."""
    path = path or anchor_file()
    log = AnchorLog()
    try:
        text = path.read_text()
    except FileNotFoundError:
        return log
    public = signing_key().public_key()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            log.anchors.append(_parse(raw, number, public))
        except ValueError as error:
            log.problems.append(str(error))
    return log


def latest_anchor(path: Path | None = None) -> Anchor | None:
    """The newest validly signed anchor; raises TamperedAnchors if any line fails its check."""
    log = read_anchors(path)
    if log.problems:
        raise TamperedAnchors("; ".join(log.problems))
    return log.latest


class TamperedAnchors(Exception):
    pass
