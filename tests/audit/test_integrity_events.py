"""Failures of the audit's own integrity work are audit events too (positions, never content)."""

import pytest
from auditlog.models import LogEntry

from audit import anchors, events, sequencer, tasks
from audit.models import ChainLink


def _entries(event):
    return LogEntry.objects.filter(additional_data__event=event)


@pytest.mark.django_db
def test_a_failed_verification_is_an_audit_event(make_entries, tamper):
    make_entries(4)
    bad = ChainLink.objects.order_by("seq")[1]
    tamper("UPDATE auditlog_logentry SET cid = 'forged' WHERE id = %s", [bad.entry_id])

    assert tasks.verify_audit_log.delay().get() is False

    entry = _entries(events.AUDIT_VERIFY_FAILED).get()
    assert entry.additional_data["first_bad_seq"] == bad.seq
    assert set(entry.additional_data) == {"event", "first_bad_seq", "checked"}


@pytest.mark.django_db
def test_a_clean_verification_writes_no_failure(make_entries):
    make_entries(3)
    assert tasks.verify_audit_log.delay().get() is True
    assert not _entries(events.AUDIT_VERIFY_FAILED).exists()


@pytest.mark.django_db
def test_an_anchor_that_cannot_be_signed_is_an_audit_event(make_entries, monkeypatch):
    make_entries(2)

    def unsigned():
        raise PermissionError("the signing key file is unreadable")

    monkeypatch.setattr(anchors, "record_anchor", unsigned)
    with pytest.raises(PermissionError):
        tasks.record_audit_anchor.delay()

    entry = _entries(events.AUDIT_ANCHOR_FAILED).get()
    assert entry.additional_data == {"event": events.AUDIT_ANCHOR_FAILED,
                                     "error": "PermissionError"}
    sequencer.seal()
    assert ChainLink.objects.filter(entry_id=entry.pk).exists()  # on the chain itself
