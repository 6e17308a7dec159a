"""Transfers: a case moves to another team (or another agency's team) only when that team
accepts it; until then the sending side keeps it, afterwards access, tasks and follow-ups follow.

Personas: alice (caseworker, North) holds the case; sam supervises North; sofia supervises
South, where carol works.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import (
    CaseUserObjectPermission,
    FollowUp,
    Notification,
    Task,
    Team,
    Transfer,
)
from tests.factories import CaseFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(north, alice):
    case = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    due = timezone.localdate() + datetime.timedelta(days=7)
    Task.objects.create(case=case, owner=alice, kind=Task.Kind.OTHER, title="Call back.",
                        due_on=due)
    review = FollowUp.objects.create(case=case, kind="check_in", due_on=due,
                                     outcome="scheduled", recorded_by=alice)
    Task.objects.create(case=case, owner=alice, kind=Task.Kind.CONTACT_DUE, follow_up=review,
                        due_on=due)
    return case


def offer(client, sam, case, south, reason="Moved to the South district."):
    client.force_login(sam)
    return client.post(reverse("case-transfer", args=[case.reference]),
                       {"to_team": south.pk, "reason": reason})


def accept(client, sofia, transfer, caseworker=None):
    client.force_login(sofia)
    return client.post(reverse("transfer-accept", args=[transfer.pk]),
                       {"revision": str(transfer.revision),
                        "caseworker": caseworker.pk if caseworker else ""})


def timeline_kinds(client, user, case):
    client.force_login(user)
    page = client.get(case.get_absolute_url()).content.decode()
    return {kind for kind in ("transfer-requested", "transfer-accepted", "transfer-declined")
            if f'data-kind="{kind}"' in page}


def test_it_moves_a_north_case_to_south_only_when_south_accepts(
    client, case, alice, carol, sam, sofia, north, south, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert offer(client, sam, case, south).status_code == 302
    transfer = Transfer.objects.get(case=case)
    assert transfer.is_pending and transfer.from_team == north

    # Before acceptance: the sending side keeps it, the receiving caseworker gets 404.
    client.force_login(carol)
    assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(sofia)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(reverse("transfer-detail", args=[transfer.pk])).status_code == 200
    client.force_login(alice)
    assert client.get(case.get_absolute_url()).status_code == 200
    assert timeline_kinds(client, sam, case) == {"transfer-requested"}

    with django_capture_on_commit_callbacks(execute=True):
        assert accept(client, sofia, transfer, caseworker=carol).status_code == 302

    # After acceptance: the old caseworker and supervisor get 404, the new ones 200.
    client.force_login(alice)
    assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(sam)
    assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(carol)
    assert client.get(case.get_absolute_url()).status_code == 200
    case.refresh_from_db()
    assert case.team == south and case.caseworker == carol
    # Open tasks, the scheduled contact's with them, are the new caseworker's.
    open_tasks = case.tasks.filter(done_at__isnull=True)
    assert open_tasks.exists() and {t.owner for t in open_tasks} == {carol}
    assert case.tasks.filter(kind=Task.Kind.CONTACT_DUE, owner=carol,
                             done_at__isnull=True).exists()
    assert not CaseUserObjectPermission.objects.filter(user=alice, content_object=case).exists()
    # Both timelines show it: the receiving side's case page and the sending side's list.
    assert timeline_kinds(client, carol, case) == {"transfer-requested", "transfer-accepted"}
    assert timeline_kinds(client, sofia, case) == {"transfer-requested", "transfer-accepted"}
    client.force_login(sam)
    sent = client.get(reverse("transfer-list")).content.decode()
    assert f'data-transfer="{transfer.pk}"' in sent and 'data-status="accepted"' in sent
    assert Notification.objects.filter(user=sam, link=reverse(
        "transfer-detail", args=[transfer.pk])).exists()
    assert Notification.objects.filter(user=sofia, link=reverse(
        "transfer-detail", args=[transfer.pk])).exists()
    assert Notification.objects.filter(user=carol, link=case.get_absolute_url()).exists()


def test_without_a_chosen_caseworker_the_receiving_supervisor_holds_the_work(
    client, case, alice, sam, sofia, south
):
    offer(client, sam, case, south)
    transfer = Transfer.objects.get(case=case)
    accept(client, sofia, transfer)
    case.refresh_from_db()
    assert case.caseworker is None
    assert {t.owner for t in case.tasks.filter(done_at__isnull=True)} == {sofia}
    client.force_login(sofia)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_a_declined_transfer_leaves_everything_with_the_sending_team(
    client, case, alice, sam, sofia, south, north
):
    offer(client, sam, case, south)
    transfer = Transfer.objects.get(case=case)
    client.force_login(sofia)
    response = client.post(reverse("transfer-decline", args=[transfer.pk]),
                           {"revision": "0", "reason": "No capacity this month."})
    assert response.status_code == 302
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.DECLINED and case.team == north
    assert case.caseworker == alice
    assert {t.owner for t in case.tasks.filter(done_at__isnull=True)} == {alice}
    assert timeline_kinds(client, sam, case) == {"transfer-requested", "transfer-declined"}


def test_between_agencies_the_offer_goes_to_the_other_agencys_team(client, case, sam, north):
    north.agency = "City social services"
    north.save()
    elsewhere = TeamFactory(name="Harbor re-entry", agency="County probation")
    assert offer(client, sam, case, elsewhere).status_code == 302
    transfer = Transfer.objects.get(case=case)
    assert transfer.between_agencies and transfer.to_team == elsewhere


def test_the_decision_is_refused_when_stale_or_already_taken(client, case, sam, sofia, south):
    offer(client, sam, case, south)
    transfer = Transfer.objects.get(case=case)
    client.force_login(sofia)
    stale = client.post(reverse("transfer-accept", args=[transfer.pk]),
                        {"revision": "7", "caseworker": ""})
    assert stale.status_code == 409
    assert Transfer.objects.get(pk=transfer.pk).is_pending
    assert accept(client, sofia, transfer).status_code == 302
    again = accept(client, sofia, transfer)  # the second click, from the same page
    assert again.status_code == 409
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.ACCEPTED


def test_bad_offers_are_refused_and_change_nothing(client, case, sam, north, south):
    assert offer(client, sam, case, south, reason="  ").status_code == 400
    client.force_login(sam)
    same = client.post(reverse("case-transfer", args=[case.reference]),
                       {"to_team": north.pk, "reason": "x"})
    assert same.status_code == 400  # the team itself is not offered
    assert not Transfer.objects.exists()
    offer(client, sam, case, south)
    other = TeamFactory(name="East")
    assert offer(client, sam, case, other).status_code == 400
    assert Transfer.objects.count() == 1


def test_only_the_receiving_supervisor_decides(case, sam, sofia, carol, south):
    transfer = workflow.request_transfer(case, actor=sam, to_team=south, reason="Moved.")
    for person in (sam, carol):
        with pytest.raises(PermissionDenied):
            workflow.accept_transfer(transfer, actor=person)
    with pytest.raises(PermissionDenied):
        workflow.request_transfer(case, actor=carol, to_team=south, reason="Moved.")


def test_it_is_all_on_the_audit_record(case, alice, sam, sofia, carol, south):
    transfer = workflow.request_transfer(case, actor=sam, to_team=south, reason="Moved.")
    workflow.accept_transfer(transfer, actor=sofia, caseworker=carol)
    entries = LogEntry.objects.filter(content_type__model="transfer", object_pk=str(transfer.pk))
    assert {e.action for e in entries} >= {LogEntry.Action.CREATE, LogEntry.Action.UPDATE}
    assert all("Moved." not in str(e.changes) for e in entries)  # the reason is masked
    grants = LogEntry.objects.filter(content_type__model="caseuserobjectpermission")
    assert {LogEntry.Action.CREATE, LogEntry.Action.DELETE} <= {e.action for e in grants}
    moved = LogEntry.objects.filter(content_type__model="case", object_pk=str(case.pk),
                                    action=LogEntry.Action.UPDATE)
    assert any("team" in (e.changes_dict or {}) for e in moved)


def test_the_list_pages_with_a_constant_number_of_queries(client, sam, sofia, north, south):
    def make(n):
        for _ in range(n):
            case = CaseFactory(team=north)
            Transfer.objects.create(case=case, from_team=north, to_team=south, reason="r",
                                    requested_by=sam)

    client.force_login(sofia)
    make(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("transfer-list")).status_code == 200
    make(60)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("transfer-list"))
    assert len(many) == len(few)
    assert page.content.decode().count("data-transfer=") == 50
    assert Team.objects.count() >= 2


def test_a_case_closed_after_the_offer_cannot_be_accepted(case, sam, sofia, south, north):
    transfer = workflow.request_transfer(case, actor=sam, to_team=south, reason="Moved.")
    type(case).objects.filter(pk=case.pk).update(stage="closed")  # closed meanwhile
    with pytest.raises(workflow.TransferRefused):
        workflow.accept_transfer(transfer, actor=sofia)
    case.refresh_from_db()
    assert case.team == north and Transfer.objects.get(pk=transfer.pk).is_pending


def test_supervisors_find_the_transfers_page_in_the_menu(client, sofia, carol):
    client.force_login(sofia)
    assert reverse("transfer-list") in client.get(reverse("dashboard")).content.decode()
    client.force_login(carol)
    assert reverse("transfer-list") not in client.get(reverse("dashboard")).content.decode()
