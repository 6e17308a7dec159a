"""Retention: the only way entries leave the log, by two auditors, never inside the period."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import anchors, chain, retention, sequencer
from audit.models import ChainLink, RetentionPurge
from casework import roles
from tests.factories import UserFactory

PASSWORD = "a-long-test-password-2026"
YEARS_AGO_7 = timezone.now() - datetime.timedelta(days=7 * 365)


@pytest.fixture
def auditors(db):
    # Made long ago: their creation and roles are on the record too, first in the chain, and a
    # purge removes only an unbroken run of old entries from the start.
    from freezegun import freeze_time

    with freeze_time(YEARS_AGO_7 - datetime.timedelta(days=1)):
        first = UserFactory(username="auditor-one", roles=[roles.AUDITOR])
        second = UserFactory(username="auditor-two", roles=[roles.AUDITOR])
    for user in (first, second):
        user.set_password(PASSWORD)
        user.save()
    return first, second


def old_entries(n, when=YEARS_AGO_7):
    """Entries written years ago (auditlog takes the timestamp it is given)."""
    from freezegun import freeze_time

    with freeze_time(when - datetime.timedelta(hours=1)):  # its creation is an entry too
        subject = UserFactory()
    user_type = ContentType.objects.get_for_model(subject)
    made = [
        LogEntry.objects.create(
            content_type=user_type, object_pk=str(subject.pk), object_repr=f"user {subject.pk}",
            action=LogEntry.Action.ACCESS, timestamp=when + datetime.timedelta(seconds=i),
            additional_data={"part": "old"},
        )
        for i in range(n)
    ]
    sequencer.seal()
    return made


def cutoff_inside_policy():
    return retention.latest_allowed_cutoff()


def test_a_cut_off_inside_the_retention_period_is_refused_and_nothing_is_recorded(auditors):
    first, _ = auditors
    too_late = retention.latest_allowed_cutoff() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="kept for"):
        retention.request_purge(actor=first, before=too_late, reason="Policy.")
    assert not RetentionPurge.objects.exists()


def test_only_auditors_may_ask(alice, auditors):
    with pytest.raises(PermissionDenied):
        retention.request_purge(actor=alice, before=cutoff_inside_policy(), reason="Policy.")


def test_the_auditor_who_asked_cannot_approve(auditors):
    first, _ = auditors
    purge = retention.request_purge(actor=first, before=cutoff_inside_policy(), reason="Policy.")
    with pytest.raises(PermissionDenied, match="second auditor"):
        retention.approve_purge(purge, actor=first, password=PASSWORD)
    purge.refresh_from_db()
    assert purge.status == RetentionPurge.Status.REQUESTED


def test_a_wrong_password_removes_nothing(auditors):
    first, second = auditors
    old_entries(3)
    purge = retention.request_purge(actor=first, before=cutoff_inside_policy(), reason="Policy.")
    before = LogEntry.objects.count()
    with pytest.raises(retention.StepUpFailed):
        retention.approve_purge(purge, actor=second, password="wrong")
    assert LogEntry.objects.count() == before


def test_an_approved_purge_removes_only_entries_older_than_the_cut_off(auditors, anchor_path):
    first, second = auditors
    old = old_entries(5)
    young = LogEntry.objects.log_create(first, action=LogEntry.Action.ACCESS, force_log=True,
                                        changes=None)
    purge = retention.request_purge(actor=first, before=cutoff_inside_policy(), reason="Policy.")

    purge = retention.approve_purge(purge, actor=second, password=PASSWORD)

    assert purge.status == RetentionPurge.Status.DONE and purge.approved_by == second
    assert not LogEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert LogEntry.objects.filter(pk=young.pk).exists()
    assert purge.removed >= 5
    assert not ChainLink.objects.filter(seq__lte=purge.up_to_seq).exists()
    # The chain still verifies, from the signed purge anchor on.
    result = chain.verify()
    assert result.ok, result.problem
    (purge_anchor,) = [a for a in anchors.read_anchors().anchors if a.kind == "purge"]
    assert (purge_anchor.seq, purge_anchor.hash) == (purge.up_to_seq, purge.boundary_hash)
    # The purge is itself on the record: asked, then approved.
    actions = LogEntry.objects.get_for_object(purge).values_list("action", flat=True)
    assert sorted(actions) == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]


def test_a_purge_record_without_its_signed_anchor_is_reported(auditors, tamper, anchor_path):
    """Someone with the database removes the oldest entries and forges a purge record."""
    first, second = auditors
    old_entries(4)
    LogEntry.objects.log_create(first, action=LogEntry.Action.ACCESS, force_log=True, changes=None)
    boundary = ChainLink.objects.get(seq=3)
    for link in ChainLink.objects.filter(seq__lte=3):
        tamper("DELETE FROM audit_chainlink WHERE id = %s", [link.pk])
        tamper("DELETE FROM auditlog_logentry WHERE id = %s", [link.entry_id])
    RetentionPurge.objects.create(
        before=cutoff_inside_policy(), reason="Forged.", requested_by=first, approved_by=second,
        status=RetentionPurge.Status.DONE, up_to_seq=3, boundary_hash=boundary.hash,
    )
    anchors.record_anchor()  # an ordinary head anchor does not vouch for a purge
    result = chain.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "no signed purge anchor" in result.problem


def test_a_log_that_does_not_verify_is_not_purged(auditors, tamper):
    first, second = auditors
    old = old_entries(3)
    tamper("UPDATE auditlog_logentry SET object_repr = 'edited' WHERE id = %s", [old[1].pk])
    purge = retention.request_purge(actor=first, before=cutoff_inside_policy(), reason="Policy.")
    with pytest.raises(ValidationError, match="does not verify"):
        retention.approve_purge(purge, actor=second, password=PASSWORD)
    assert LogEntry.objects.filter(pk__in=[e.pk for e in old]).count() == 3


def test_the_workspace_page_asks_and_a_second_auditor_approves(client, auditors):
    first, second = auditors
    old_entries(2)
    client.force_login(first)
    response = client.post(reverse("audit-retention"), {
        "before": cutoff_inside_policy().isoformat(), "reason": "Retention policy.",
    })
    assert response.status_code == 302
    purge = RetentionPurge.objects.get()
    page = client.get(reverse("audit-retention"))
    assert b"Another auditor must approve" in page.content

    client.force_login(second)
    url = reverse("audit-retention-approve", args=[purge.pk])
    assert client.post(url, {"password": "wrong"}).status_code == 400
    assert client.post(url, {"password": PASSWORD}).status_code == 302
    purge.refresh_from_db()
    assert purge.status == RetentionPurge.Status.DONE


@pytest.mark.postgres
def test_postgres_purge_function_keeps_the_floor_and_direct_deletes_stay_refused(make_entries):
    make_entries(2)
    young_cutoff = timezone.now() - datetime.timedelta(days=30)
    with (
        pytest.raises(DatabaseError, match="at least 365 days"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT audit_purge(%s, %s)", [1, young_cutoff])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_chainlink WHERE seq = 1")
