"""The auditor workspace answers: who read this record, what did this user do, what needs a look."""

import csv
import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audit import events, selectors
from audit.views import csv_safe
from tests.factories import CaseFactory


@pytest.fixture
def reads(client, alice, bob, sam, north):
    """alice reads her case twice, sam (her supervisor) once, bob reads his own."""
    mine = CaseFactory(team=north, caseworker=alice)
    theirs = CaseFactory(team=north, caseworker=bob)
    for user, case in [(alice, mine), (alice, mine), (sam, mine), (bob, theirs)]:
        client.force_login(user)
        client.get(case.get_absolute_url())
    return mine, theirs


@pytest.mark.django_db
def test_who_accessed_this_record(client, audrey, reads):
    mine, _ = reads
    client.force_login(audrey)
    rows = list(client.get(reverse("audit-record", args=[mine.reference])).context["rows"])
    assert {(r["actor__username"], r["reads"]) for r in rows} == {("alice", 2), ("sam", 1)}


@pytest.mark.django_db
def test_a_person_reference_covers_the_persons_cases(client, audrey, reads):
    mine, _ = reads
    client.force_login(audrey)
    page = client.get(reverse("audit-log"), {"reference": mine.person.reference}).context["page"]
    assert mine.reference in {e.object_repr for e in page.object_list}


@pytest.mark.django_db
def test_what_did_this_user_do(client, audrey, reads):
    client.force_login(audrey)
    page = client.get(reverse("audit-user", args=["bob"])).context["page"]
    assert page.object_list and {e.actor.username for e in page.object_list} == {"bob"}


@pytest.mark.django_db
def test_the_search_filters_by_address_and_event(client, audrey, reads):
    client.force_login(audrey)
    page = client.get(reverse("audit-log"), {"address": "10.9.9.9"}).context["page"]
    assert page.paginator.count == 0
    page = client.get(reverse("audit-log"), {"address": "127.0.0.1"}).context["page"]
    assert page.paginator.count > 0
    page = client.get(reverse("audit-log"), {"event": events.LOGIN_FAILED}).context["page"]
    assert page.paginator.count == 0


@pytest.mark.django_db
def test_reads_outside_the_readers_caseload_are_queued(alice, bob, sam, north, client):
    from audit import breakglass

    mine = CaseFactory(team=north, caseworker=alice)
    since = timezone.now() - datetime.timedelta(hours=1)
    client.force_login(sam)
    client.get(mine.get_absolute_url())  # her supervisor: within reach, not queued
    client.force_login(alice)
    client.get(mine.get_absolute_url())  # her own case: not queued
    assert list(selectors.reads_outside_caseload(since)) == []
    from casework import workflow

    workflow.assign_case(mine, bob, actor=sam)  # a later reassignment changes nothing
    assert list(selectors.reads_outside_caseload(since)) == []
    bob.set_password("bobs-own-passphrase")
    bob.save()
    theirs = CaseFactory(team=north, caseworker=alice)
    breakglass.request_emergency_access(theirs.reference, actor=bob, reason="Out of hours crisis.",
                                        password="bobs-own-passphrase")
    client.force_login(bob)
    assert client.get(theirs.get_absolute_url()).status_code == 200
    queued = list(selectors.reads_outside_caseload(since))
    assert [(e.actor.username, e.object_repr) for e in queued] == [("bob", theirs.reference)]


@pytest.mark.django_db
def test_reads_out_of_hours_are_queued(alice, alices_case, client):
    for moment in ["2026-11-21 15:00:00",  # a Saturday
                   "2026-11-23 16:00:00",  # Monday 10:00 in Chicago
                   "2026-11-24 05:00:00"]:  # Monday 23:00 in Chicago
        with freeze_time(moment):
            client.force_login(alice)  # a new sign-in each time: sessions idle out
            assert client.get(alices_case.get_absolute_url()).status_code == 200
    since = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
    hours = sorted(e.timestamp.isoformat() for e in selectors.out_of_hours(since)
                   if e.object_repr == alices_case.reference)
    assert len(hours) == 2
    assert not any("2026-11-23T16" in h for h in hours)


@pytest.mark.django_db
def test_an_unusual_volume_is_flagged_against_the_users_own_normal(alice, bob, alices_case):
    def read(user, when, times):
        with freeze_time(when):
            for _ in range(times):
                LogEntry.objects.log_create(alices_case, action=LogEntry.Action.ACCESS,
                                            force_log=True, actor=user, changes=None)

    for day in range(1, 29):  # alice reads ~30 a day, bob ~2 a day
        read(alice, f"2026-10-{day:02d} 15:00", 30)
        read(bob, f"2026-10-{day:02d} 15:00", 2)
    read(alice, "2026-10-29 15:00", 35)  # a normal day for alice
    read(bob, "2026-10-29 15:00", 40)  # twenty times bob's normal
    flagged = selectors.unusual_volumes(datetime.date(2026, 10, 29))
    assert [f.username for f in flagged] == ["bob"]


@pytest.mark.django_db
def test_failed_sign_ins_are_queued(client, audrey):
    client.post(reverse("login"), {"username": "audrey", "password": "wrong"})
    client.force_login(audrey)
    context = client.get(reverse("audit-reviews")).context
    assert len(context["failed"]) == 1


@pytest.mark.django_db
def test_the_export_is_csv_of_the_search_and_is_itself_logged(client, audrey, reads):
    mine, _ = reads
    client.force_login(audrey)
    response = client.get(reverse("audit-export"), {"reference": mine.reference})
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["timestamp", "user", "action"]
    assert {row[4] for row in rows[1:]} == {mine.reference}
    export = LogEntry.objects.filter(additional_data__event=events.EXPORT).get()
    assert export.actor == audrey and export.additional_data["filters"] == {"reference": mine.reference}


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_export_cells_cannot_be_formulas(value):
    assert csv_safe(value).startswith("'")


@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "pat", "adam", "root"])
@pytest.mark.django_db
def test_only_auditors_reach_the_workspace(request, client, persona, alices_case):
    client.force_login(request.getfixturevalue(persona))
    for url in [reverse("audit-log"), reverse("audit-export"), reverse("audit-reviews"),
                reverse("audit-record", args=[alices_case.reference]),
                reverse("audit-user", args=["alice"])]:
        assert client.get(url).status_code == 403, url
