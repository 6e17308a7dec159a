"""A sealer or anchor job killed with SIGKILL in a real process, then restarted as the beat job
would restart it (manage.py seal_audit_log): nothing is lost and nothing is sealed twice.

PostgreSQL only: the sealer runs in another process, on its own connection, and dies with its
transaction open."""

import os
import signal
import subprocess
import sys
import time

import pytest
from auditlog.models import LogEntry
from django.db import connection

from audit import chain
from audit.models import ChainHead, ChainLink, UnsealedEntry
from tests.audit.test_sequencer import write

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SETUP = "import django, os, sys, time; django.setup()\nfrom audit import anchors, chain, sequencer\n"


def _env(anchor_path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "AUDIT_ANCHOR_FILE": str(anchor_path),
            "AUDIT_ANCHOR_INTERVAL_SECONDS": "1", "AUDIT_SEAL_ON_COMMIT": "0"}


def _kill_when(marker, script: str, env: dict, cwd) -> None:
    """Run `script` in a new interpreter and SIGKILL it once it has created `marker`."""
    process = subprocess.Popen([sys.executable, "-c", SETUP + script], env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, "it never got there"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


def _restart(env: dict, cwd) -> str:
    done = subprocess.run([sys.executable, "manage.py", "seal_audit_log"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_for_rollback(sealed: int) -> None:
    """The server ends the dead sealer's session, and rolls its transaction back, a moment
    after the kill."""
    deadline = time.monotonic() + 10
    while ChainLink.objects.count() > sealed and time.monotonic() < deadline:
        time.sleep(0.1)


def _each_entry_sealed_once():
    seqs = list(ChainLink.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, LogEntry.objects.count() + 1))
    assert ChainLink.objects.values("entry_id").distinct().count() == LogEntry.objects.count()
    assert not UnsealedEntry.objects.exists()


def test_a_sealer_killed_in_its_third_batch_keeps_two_and_the_restart_seals_the_rest_once(
    tmp_path, settings, anchor_path
):
    settings.AUDIT_SEAL_ON_COMMIT = False
    write(100)
    sealed_before, waiting = ChainLink.objects.count(), UnsealedEntry.objects.count()
    marker = tmp_path / "third batch linked"
    _kill_when(marker, (
        "sequencer.SEAL_BATCH = 20\n"
        "real, calls = chain.seal_rows, []\n"
        "def seal_rows(rows, using='default'):\n"
        "    head = real(rows, using)\n"
        "    calls.append(head)\n"
        "    if len(calls) == 3:\n"  # links of the third batch written, not committed
        f"        open({str(marker)!r}, 'w').close()\n"
        "        time.sleep(60)\n"
        "    return head\n"
        "chain.seal_rows = seal_rows\n"
        "sequencer.seal()\n"
    ), _env(anchor_path), settings.BASE_DIR)
    _wait_for_rollback(sealed_before + 40)
    assert ChainLink.objects.count() == sealed_before + 40  # the two committed batches
    assert UnsealedEntry.objects.count() == waiting - 40
    assert f"sealed {waiting - 40} entries" in _restart(_env(anchor_path), settings.BASE_DIR)
    assert "sealed 0 entries" in _restart(_env(anchor_path), settings.BASE_DIR)
    _each_entry_sealed_once()
    result = chain.verify()
    assert result.ok and result.unsealed == 0 and result.anchor_seq == result.last_seq, result


def test_an_anchor_job_killed_while_writing_its_anchor_loses_nothing(
    tmp_path, settings, anchor_path
):
    settings.AUDIT_SEAL_ON_COMMIT = False
    write(30)
    # Whatever an earlier test on this database left, this seal's anchor is due.
    ChainHead.objects.update(anchored_at=None)
    marker = tmp_path / "anchor line written"
    _kill_when(marker, (
        # Killed after its line reached the file, before the fsync and the head's anchored_at.
        "def fsync(fd):\n"
        f"    open({str(marker)!r}, 'w').close()\n"
        "    time.sleep(60)\n"
        "os.fsync = fsync\n"
        "print('sealed without anchoring:', sequencer.seal())\n"
    ), _env(anchor_path), settings.BASE_DIR)
    _each_entry_sealed_once()  # the batches committed before the anchor was due
    result = chain.verify()
    assert result.ok and result.anchor_seq == result.last_seq, result
    write(5)
    assert "sealed 5 entries" in _restart(_env(anchor_path), settings.BASE_DIR)
    _each_entry_sealed_once()
    result = chain.verify()
    assert result.ok and result.anchor_seq == result.last_seq, result
    assert len(anchor_path.read_text().splitlines()) == 2
