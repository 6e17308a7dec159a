"""Assigning a case grants its caseworker access; reassigning revokes it at once."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework import access, workflow
from casework.models import CaseUserObjectPermission, Notification, Task
from casework.refusals import Refused
from referrals import workflow as referral_workflow
from tests.factories import CaseFactory, ReferralFactory


@pytest.mark.django_db
def test_reassigning_moves_access_from_one_caseworker_to_the_other(client, alice, bob, sam, north):
    case = CaseFactory(team=north, caseworker=alice)
    workflow.assign_case(case, bob, actor=sam)
    assert case in access.visible_cases(bob)
    assert case not in access.visible_cases(alice)
    client.force_login(alice)
    assert client.get(case.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_grants_and_revocations_are_on_the_audit_record(alice, bob, sam, north):
    case = CaseFactory(team=north, caseworker=alice)
    before = LogEntry.objects.count()
    workflow.assign_case(case, bob, actor=sam)
    grants = LogEntry.objects.filter(
        content_type__model="caseuserobjectpermission", pk__gt=0
    ).order_by("pk")
    actions = [e.action for e in grants]
    assert LogEntry.Action.DELETE in actions and LogEntry.Action.CREATE in actions
    assert LogEntry.objects.count() > before
    assert CaseUserObjectPermission.objects.filter(user=bob, content_object=case).exists()


@pytest.mark.django_db
def test_only_caseworkers_of_the_cases_team_can_be_assigned(alice, carol, sam, ivy, north):
    case = CaseFactory(team=north, caseworker=alice)
    with pytest.raises(Refused, match="team"):
        workflow.assign_case(case, carol, actor=sam)
    with pytest.raises(Refused, match="caseworkers"):
        workflow.assign_case(case, ivy, actor=sam)


@pytest.mark.parametrize("persona", ["alice", "bob", "sofia", "mo", "audrey", "adam"])
@pytest.mark.django_db
def test_only_supervisors_and_intake_may_assign(request, alice, bob, north, persona):
    case = CaseFactory(team=north, caseworker=alice)
    with pytest.raises(PermissionDenied):
        workflow.assign_case(case, bob, actor=request.getfixturevalue(persona))


@pytest.mark.django_db
def test_assignment_notifies_the_caseworker_after_commit_without_personal_data(
    alice, sam, north, django_capture_on_commit_callbacks
):
    case = CaseFactory(team=north, person__first_name="Canaryname")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.assign_case(case, alice, actor=sam)
    assert not Task.objects.exists()  # nothing happens before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    task = Task.objects.get(owner=alice, case=case)
    assert task.kind == Task.Kind.REVIEW_NEW_CASE
    note = Notification.objects.get(user=alice)
    assert case.reference in note.message
    assert "Canaryname" not in note.message
    assert len(mail.outbox) == 1
    assert "Canaryname" not in mail.outbox[0].body + mail.outbox[0].subject
    callbacks[0]()  # a redelivered task does nothing twice
    assert Task.objects.filter(owner=alice).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_assign_form_on_the_case_page(client, alice, bob, sam, north):
    case = CaseFactory(team=north, caseworker=alice)
    client.force_login(sam)
    response = client.post(reverse("case-assign", args=[case.reference]), {"caseworker": bob.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.caseworker == bob


@pytest.mark.django_db
def test_opening_a_case_from_a_referral(ivy, alice, north):
    referral = ReferralFactory(first_name="Opal", last_name="Quinn")
    referral_workflow.open_case_from_referral(referral, team=north, actor=ivy, caseworker=alice)
    referral.refresh_from_db()
    assert referral.case.caseworker == alice
    assert referral.case.stage == "intake"
    assert referral.case.person.first_name == "Opal"
    assert referral.case in access.visible_cases(alice)


@pytest.mark.django_db
def test_a_case_opens_for_a_person_with_no_referral_in_sight(ivy, alice, north):
    person = workflow.find_or_add_person(
        first_name="Opal", last_name="Quinn", date_of_birth=datetime.date(1990, 5, 1)
    )
    case = workflow.open_case(person, team=north, actor=ivy, pathway="reentry", caseworker=alice)
    assert (case.person, case.team, case.pathway, case.stage) == (person, north, "reentry", "intake")
    assert case.caseworker == alice
    again = workflow.find_or_add_person(
        first_name="opal", last_name="QUINN", date_of_birth=datetime.date(1990, 5, 1)
    )
    assert again == person


@pytest.mark.django_db
def test_only_intake_and_supervisors_open_cases(alice, north):
    person = workflow.find_or_add_person(
        first_name="Opal", last_name="Quinn", date_of_birth=datetime.date(1990, 5, 1)
    )
    with pytest.raises(PermissionDenied):
        workflow.open_case(person, team=north, actor=alice)


@pytest.mark.django_db
def test_a_known_person_is_not_created_twice(ivy, north):
    first = ReferralFactory(first_name="Opal", last_name="Quinn")
    second = ReferralFactory(first_name="opal ", last_name="QUINN")
    one = referral_workflow.open_case_from_referral(first, team=north, actor=ivy)
    two = referral_workflow.open_case_from_referral(second, team=north, actor=ivy)
    assert one.person == two.person


@pytest.mark.django_db
def test_a_referral_opens_one_case_only(ivy, north):
    referral = ReferralFactory()
    referral_workflow.open_case_from_referral(referral, team=north, actor=ivy)
    with pytest.raises(referral_workflow.ScreeningRefused):
        referral_workflow.open_case_from_referral(referral, team=north, actor=ivy)
