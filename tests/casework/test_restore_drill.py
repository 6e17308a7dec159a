"""The backup and restore drill on PostgreSQL: a restore that is checked, not just taken."""

import json

import pytest
from django.core.management import call_command

from audit import anchors
from casework import backups
from casework.models import Person
from tests.factories import CaseFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def anchored(settings, tmp_path, north):
    """Some case data and an audit anchor over it, kept apart from other runs' anchors."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    CaseFactory(team=north, person__first_name="Restorable")
    anchors.record_anchor()


def test_a_backup_restores_into_a_fresh_database_that_passes_every_check(anchored, tmp_path):
    path = tmp_path / "casework.dump"
    manifest = backups.backup(path)
    assert manifest["counts"]["casework_person"] == 1

    drill = backups.restore_check(path, work_dir=tmp_path)

    assert drill.ok, drill.problems
    assert drill.counts["casework_person"] == 1 and drill.counts["casework_case"] == 1
    assert drill.decrypted >= 1  # the person's encrypted fields decrypted with the keys
    assert drill.chain_checked > 0  # and the audit chain verified against the anchor
    assert set(drill.timings) == {"restore", "checks"} and drill.rto_seconds > 0
    assert b"Restorable" not in path.read_bytes()  # the dump holds ciphertext only


def test_the_drill_fails_loudly_when_the_restore_does_not_match_the_dump(anchored, tmp_path):
    path = tmp_path / "casework.dump"
    backups.backup(path)
    manifest_path = tmp_path / "casework.dump.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["counts"]["casework_case"] += 1  # as if a row were lost on the way
    manifest_path.write_text(json.dumps(manifest))

    drill = backups.restore_check(path, work_dir=tmp_path)

    assert not drill.ok
    assert drill.problems == ["casework_case: 1 rows restored, 2 dumped"]


def test_the_commands_take_a_backup_and_run_the_drill(anchored, tmp_path, capsys):
    call_command("backup", str(tmp_path / "nightly.dump"))
    call_command("restore_check", str(tmp_path / "nightly.dump"))
    out = capsys.readouterr().out
    assert "restore drill passed" in out and "RTO" in out
    assert Person.objects.count() == 1
