"""Fixtures for the audit-integrity tests: a private anchor file, entries, and tampering."""

import io
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from audit import chain, sequencer

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _no_orphan_grace(monkeypatch):
    """The verifier waits a second before calling an unchained entry an insertion (one written
    outside a transaction is linked a moment after it commits); tests need not wait."""
    monkeypatch.setattr(chain, "ORPHAN_GRACE_SECONDS", 0)


@pytest.fixture
def make_entries(db):
    """Write n ordinary entries through auditlog, then seal them into the chain."""
    from tests.factories import UserFactory

    def make(n, subject=None):
        subject = subject or UserFactory()
        made = [
            LogEntry.objects.log_create(
                subject,
                action=LogEntry.Action.ACCESS,
                force_log=True,
                changes=None,
                additional_data={"part": f"page {i}"},
            )
            for i in range(n)
        ]
        sequencer.seal()  # as the sequencer would once they commit
        return made

    return make


@pytest.fixture
def tamper(db):
    """Run raw SQL as someone with direct database access. On PostgreSQL the append-only
    triggers are disabled first (as the superuser can); the test's rollback restores them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE needs the deferred foreign-key checks of earlier inserts done first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in ("auditlog_logentry", "audit_chainlink"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def run(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    return run


@pytest.fixture
def verify_command(db):
    """Run `manage.py verify_audit_log`; return (ok, message)."""

    def run(*args):
        out = io.StringIO()
        try:
            call_command("verify_audit_log", *args, stdout=out)
        except CommandError as error:
            return False, str(error)
        return True, out.getvalue().strip()

    return run
