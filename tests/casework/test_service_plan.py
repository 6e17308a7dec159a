"""The service plan: goals linked to assessed needs, interventions from the directory, approval,
and versions once approved."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework import selectors, workflow
from casework.models import Intervention, ServicePlan, Task
from casework.refusals import Refused
from tests.casework.conftest import access_entries, factor, move
from tests.factories import ServiceFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(assessed, alice, service, instrument):
    return workflow.draft_plan(
        assessed, actor=alice, goals="Find stable housing.", services=[service],
        need=factor(instrument, "housing_income", "housing"), frequency="weekly",
    )


def test_a_plan_is_a_goal_linked_to_a_need_with_interventions(plan, alice, service, instrument):
    goal = plan.plan_goals.get()
    assert goal.description == "Find stable housing."
    assert goal.need == factor(instrument, "housing_income", "housing")
    intervention = goal.interventions.get()
    assert (intervention.service, intervention.frequency, intervention.owner) == (
        service, "weekly", alice
    )
    assert intervention.status == Intervention.Status.ACTIVE
    assert list(plan.services.all()) == [service]
    assert plan.is_awaiting_approval and plan.version == 1


def test_goals_link_only_to_needs_from_the_latest_assessment(assessed, alice, service,
                                                             instrument):
    """Transport was not rated; help-seeking is a protective factor, not a need."""
    for code in (("skills_travel", "transport"), ("protective", "help_seeking")):
        with pytest.raises(Refused, match="need from the latest assessment"):
            workflow.draft_plan(assessed, actor=alice, goals="g", services=[service],
                                need=factor(instrument, *code))
    needs = [rating.factor.code for rating in selectors.assessed_needs(assessed)]
    assert needs == ["housing", "employment"]  # most serious first


def test_the_plan_page_lists_needs_no_goal_addresses(client, plan, alice):
    client.force_login(alice)
    response = client.get(reverse("case-plan-detail", args=[plan.case.reference, plan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="unaddressed-needs"' in body and "Employment (Moderate)" in body


def test_goals_and_interventions_are_added_until_approval(plan, alice, instrument):
    goal = workflow.add_goal(plan, actor=alice, description="Get a job.",
                             need=factor(instrument, "housing_income", "employment"),
                             services=[ServiceFactory()])
    workflow.add_intervention(goal, actor=alice, service=ServiceFactory(), frequency="monthly")
    plan.refresh_from_db()
    assert plan.plan_goals.count() == 2 and plan.revision == 2
    assert plan.services.count() == 3


def test_approval_needs_the_revision_the_approver_read(plan, alice, sam):
    seen = plan.revision
    workflow.add_goal(plan, actor=alice, description="Another goal.")
    with pytest.raises(workflow.TransitionRefused, match="changed since you opened it"):
        workflow.approve_plan(plan, actor=sam, revision=seen)
    plan.refresh_from_db()
    assert workflow.approve_plan(plan, actor=sam, revision=plan.revision).is_approved


def test_approval_is_the_supervisors_and_not_the_authors(plan, alice, bob, sofia, sam):
    for outsider in (alice, bob, sofia):
        with pytest.raises(PermissionDenied):
            workflow.approve_plan(plan, actor=outsider)
    approved = workflow.approve_plan(plan, actor=sam)
    assert (approved.approved_by, approved.approved_via) == (sam, "supervisor")
    with pytest.raises(workflow.TransitionRefused, match="already approved"):
        workflow.approve_plan(plan, actor=sam)


def test_an_approved_plan_cannot_be_changed_only_revised(plan, alice, sam):
    workflow.approve_plan(plan, actor=sam)
    with pytest.raises(Refused, match="revise it"):
        workflow.add_goal(plan, actor=alice, description="Sneaked in.")
    with pytest.raises(Refused, match="revise it"):
        workflow.draft_plan(plan.case, actor=alice, goals="again", services=[ServiceFactory()])


def test_a_revision_is_a_new_version_and_approving_it_supersedes_the_old(at_follow_up, alice, sam):
    current = selectors.current_plan(at_follow_up)
    revised = workflow.revise_plan(current, actor=alice)
    assert revised.version == 2 and revised.is_awaiting_approval
    assert [g.description for g in revised.plan_goals.all()] == ["Find stable housing."]
    assert selectors.current_plan(at_follow_up) == current  # still in force meanwhile
    workflow.add_goal(revised, actor=alice, description="Reconnect with family.",
                      services=[ServiceFactory()])
    with pytest.raises(Refused, match="already awaiting"):
        workflow.revise_plan(current, actor=alice)
    workflow.approve_plan(revised, actor=sam)
    current.refresh_from_db()
    assert current.superseded_at is not None
    assert selectors.current_plan(at_follow_up) == revised
    assert current.plan_goals.count() == 1  # the old version is history, unchanged


def test_follow_up_needs_an_approved_plan_with_an_active_intervention(plan, alice, sam):
    case = plan.case
    with pytest.raises(workflow.TransitionRefused, match="approved"):
        move(case, "start_follow_up", alice)
    workflow.approve_plan(plan, actor=sam)
    intervention = Intervention.objects.get(goal__plan=plan)
    workflow.set_intervention_status(intervention, actor=alice, status="stopped")
    with pytest.raises(workflow.TransitionRefused, match="at least one active intervention"):
        move(case, "start_follow_up", alice)
    workflow.set_intervention_status(intervention, actor=alice, status="active")
    assert move(case, "start_follow_up", alice).stage == "follow_up"


def test_the_mdt_can_be_the_approver(settings, plan, sam):
    settings.CASEWORK_PLAN_APPROVAL = "mdt"
    with pytest.raises(workflow.TransitionRefused, match="MDT meeting"):
        workflow.approve_plan(plan, actor=sam)
    import datetime

    approved = workflow.approve_plan(plan, actor=sam, mdt_meeting_on=datetime.date(2026, 11, 2))
    assert approved.approved_via == "mdt" and approved.mdt_meeting_on.day == 2


def test_a_plan_awaiting_approval_can_be_discarded(plan, alice):
    workflow.discard_plan(plan, actor=alice)
    assert not ServicePlan.objects.exists()


def test_approving_closes_the_write_the_plan_task(plan, alice, sam):
    assert Task.objects.filter(kind="write_plan", owner=alice, done_at__isnull=True).exists()
    workflow.approve_plan(plan, actor=sam)
    task = Task.objects.get(kind="write_plan", owner=alice)
    assert task.done_at and not task.cancelled


def test_the_case_page_form_starts_the_plan(client, assessed, alice, service, instrument):
    housing = selectors.assessed_needs(assessed)[0]
    client.force_login(alice)
    response = client.post(reverse("case-plan", args=[assessed.reference]), {
        "goals": "Find stable housing.", "need": housing.pk, "services": [service.pk],
        "frequency": "fortnightly",
    })
    assert response.status_code == 302
    goal = assessed.plans.get().plan_goals.get()
    assert goal.need.code == "housing"
    assert goal.interventions.get().frequency == "fortnightly"


def test_the_case_page_refuses_a_plan_without_a_service(client, assessed, alice):
    client.force_login(alice)
    response = client.post(reverse("case-plan", args=[assessed.reference]),
                           {"goals": "Something."})
    assert response.status_code == 400
    assert "Choose at least one service for the plan." in response.content.decode()
    assert not ServicePlan.objects.exists()


def test_approving_through_the_page_checks_the_revision(client, plan, alice, sam):
    workflow.add_goal(plan, actor=alice, description="Changed after sam looked.")
    client.force_login(sam)
    url = reverse("case-plan-approve", args=[plan.case.reference, plan.pk])
    response = client.post(url, {"revision": 0})
    assert response.status_code == 400
    assert "The plan changed since you opened it" in response.content.decode()
    assert client.post(url, {"revision": 1}).status_code == 302


def test_reading_a_plan_writes_exactly_one_access_entry(client, plan, alice):
    client.force_login(alice)
    before = access_entries().count()
    client.get(reverse("case-plan-detail", args=[plan.case.reference, plan.pk]))
    assert access_entries().count() == before + 1
    assert access_entries(plan).get().additional_data["part"] == "plan"


def test_reassignment_moves_active_interventions_to_the_new_caseworker(at_follow_up, bob, sam):
    workflow.assign_case(at_follow_up, bob, actor=sam)
    assert set(Intervention.objects.values_list("owner__username", flat=True)) == {"bob"}
