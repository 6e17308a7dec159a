"""Backups (pg_dump) and the restore drill: restore into a fresh database and prove it usable.

The drill measures what a real restore costs (the RTO): dump, restore, then checks that row
counts match the dump's own snapshot, that encrypted fields decrypt with the configured keys (and
do not without them), that the audit chain verifies against the latest signed anchor, and that
the schema is complete (`migrate --check`).
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone
from psycopg import sql

from audit import chain
from casework.crypto import EncryptedField


class BackupFailed(Exception):
    """pg_dump, pg_restore or a check failed; the message says which and how."""


@dataclass
class Drill:
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    decrypted: int = 0
    chain_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rto_seconds(self) -> float:
        return sum(self.timings.values())


def _source() -> dict:
    db = connections["default"].settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupFailed("Backups use pg_dump: set DATABASE_URL to the PostgreSQL database.")
    return db


def _libpq_env(db: dict) -> dict:
    env = {**os.environ, "PGHOST": db["HOST"] or "", "PGPORT": str(db["PORT"] or ""),
           "PGUSER": db["USER"] or ""}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _connect(db: dict, name: str | None = None, **kwargs):
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                           password=db.get("PASSWORD") or None, dbname=name or db["NAME"],
                           **kwargs)


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed})


def backup(path: Path) -> dict:
    """Dump the database to `path` (pg_dump custom format) with a manifest of its row counts.

    The counts and the dump read the same snapshot (pg_export_snapshot), so a restore can be
    checked against them exactly even while people keep working.
    """
    db = _source()
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with _connect(db) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = {t: _count(conn, t) for t in _tables()}
        done = subprocess.run(  # noqa: S603 - our own arguments, pg_dump from PATH
            ["pg_dump", "--format=custom",  # noqa: S607 "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", f"--file={path}", db["NAME"]],
            env=_libpq_env(db), capture_output=True, text=True,
        )
        conn.execute("COMMIT")
    if done.returncode:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    manifest = {"database": db["NAME"], "at": timezone.now().isoformat(), "counts": counts,
                "seconds": round(time.monotonic() - started, 3), "bytes": path.stat().st_size}
    _manifest_path(path).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _count(conn, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
    return conn.execute(query).fetchone()[0]


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def restore_check(path: Path | None = None, *, keep: bool = False, work_dir: Path) -> Drill:
    """Run the restore drill; with no `path`, take a fresh backup first (and time it)."""
    drill = Drill()
    db = _source()
    if path is None:
        path = work_dir / f"drill-{timezone.now():%Y%m%dT%H%M%S}.dump"
        drill.timings["backup"] = backup(path)["seconds"]
    manifest = json.loads(_manifest_path(path).read_text())
    target = f"{db['NAME'][:40]}_restore_{os.getpid()}"
    with _connect(db, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        _timed(drill, "restore", lambda: _restore(path, db, target))
        _timed(drill, "checks", lambda: _check(drill, manifest, db, target))
    finally:
        if not keep:
            with _connect(db, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    return drill


def _timed(drill: Drill, name: str, work) -> None:
    started = time.monotonic()
    work()
    drill.timings[name] = round(time.monotonic() - started, 3)


def _restore(path: Path, db: dict, target: str) -> None:
    jobs = str(max(1, min(4, os.cpu_count() or 1)))
    done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", f"--jobs={jobs}",  # noqa: S603, S607
                           f"--dbname={target}", str(path)],
                          env=_libpq_env(db), capture_output=True, text=True)
    if done.returncode:
        raise BackupFailed(f"pg_restore failed: {done.stderr.strip()[-500:]}")


def _check(drill: Drill, manifest: dict, db: dict, target: str) -> None:
    with _connect(db, target) as conn:
        for table, expected in manifest["counts"].items():
            found = _count(conn, table)
            drill.counts[table] = found
            if found != expected:
                drill.problems.append(f"{table}: {found} rows restored, {expected} dumped")
    # The other checks run as the app would run on the restored database: in a process of its
    # own, with DATABASE_URL pointing there and the same keys and anchor file.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "restore_check", "--verify-this-database"],
        cwd=settings.BASE_DIR, capture_output=True, text=True,
        env={**os.environ, "DATABASE_URL": _url(db, target),
             "AUDIT_ANCHOR_FILE": str(settings.AUDIT_ANCHOR_FILE)},
    )
    if done.returncode:
        drill.problems.append("the checks could not run on the restored database: "
                              + done.stderr.strip()[-300:])
        return
    found = json.loads(done.stdout.strip().splitlines()[-1])
    drill.decrypted, drill.chain_checked = found["decrypted"], found["chain_checked"]
    drill.problems += found["problems"]


def verify_this_database() -> dict:
    """Run in the restored database's own process (see _check): decrypt, verify, migrate."""
    drill = Drill()
    _check_encryption(drill)
    _check_chain(drill)
    _check_schema(drill)
    return {"decrypted": drill.decrypted, "chain_checked": drill.chain_checked,
            "problems": drill.problems}


def _url(db: dict, name: str) -> str:
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def _check_encryption(drill: Drill) -> None:
    """Every encrypted column of a sample decrypts with the keys; none with a stranger's key."""
    stranger = Fernet(Fernet.generate_key())
    for model in apps.get_models():
        encrypted = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if not encrypted:
            continue
        names = [f.attname for f in encrypted]
        for row in model.objects.order_by("-pk").only(*names)[:50]:
            for name in names:
                getattr(row, name)  # decrypted on load: DecryptionFailed would have raised
            drill.decrypted += 1
        for token in _raw_tokens(model, names[0]):
            try:
                stranger.decrypt(token.encode())
            except InvalidToken:
                continue
            drill.problems.append(f"{model._meta.label}.{names[0]} reads without the keys")


def _raw_tokens(model, attname: str) -> list[str]:
    """Stored ciphertext as it is on disk, not through the field's decryption."""
    column = connections["default"].ops.quote_name(model._meta.get_field(attname).column)
    table = connections["default"].ops.quote_name(model._meta.db_table)
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 1")  # noqa: S608
        return [value for (value,) in cursor.fetchall() if value]


def _check_chain(drill: Drill) -> None:
    result = chain.verify()
    drill.chain_checked = result.checked
    if not result.ok:
        drill.problems.append(f"audit chain: {result.problem} (seq {result.first_bad_seq})")


def _check_schema(drill: Drill) -> None:
    """The restored database needs no migration: the app would start on it as it is."""
    from django.core.management import CommandError, call_command

    try:
        call_command("migrate", check=True, interactive=False, verbosity=0)
    except (CommandError, SystemExit):
        drill.problems.append("the restored schema is behind the code (migrate --check failed)")
