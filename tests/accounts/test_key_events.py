"""Key rotation is on the audit record: when, how many keys and rows, never the keys."""

import io

from django.core.management import call_command

from audit import events
from casework import crypto
from tests.accounts.conftest import entries
from tests.factories import CaseFactory


def test_a_key_rotation_is_recorded_when_it_starts_and_finishes(db, settings):
    CaseFactory()
    call_command("rotate_encryption_keys", stdout=io.StringIO())

    stages = [e.additional_data for e in entries(events.KEY_ROTATION).order_by("pk")]
    assert [s["stage"] for s in stages] == ["started", "finished"]
    assert stages[1]["keys"] == crypto.key_ids()
    assert stages[1]["remaining"][crypto.key_ids()[0]] >= 1  # values left under each key
    for key in settings.FIELD_ENCRYPTION_KEYS:
        assert all(key not in str(s) for s in stages)
