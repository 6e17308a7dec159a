"""Decisions go through the case workflow as the person recording them; actions become tasks."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from casework import workflow as case_workflow
from casework.models import Case, CaseTransition, ServicePlan, Task
from casework.workflow import TransitionRefused, request_closure
from mdt import workflow
from mdt.models import Action, Decision
from tests.factories import AgendaItemFactory, ServiceFactory
from tests.mdt.conftest import north_case


@pytest.fixture
def plan_item(meeting, north, alice, mo):
    case = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    plan = ServicePlan.objects.create(case=case, goals="", created_by=alice)
    plan.services.add(ServiceFactory())
    item = AgendaItemFactory(meeting=meeting, case=case, reasons=["plan_approval"])
    workflow.publish_agenda(meeting, actor=mo)
    return item


def test_approving_a_plan_approves_it_through_the_workflow(plan_item, sam):
    decision = workflow.record_decision(plan_item, actor=sam, kind="approve_plan",
                                        rationale="Fits the needs.")

    plan = plan_item.case.plans.get()
    assert plan.is_approved and plan.approved_by == sam
    assert decision.effect == "approve_plan"


def test_a_secretary_who_may_not_approve_plans_is_refused_and_nothing_is_recorded(
    plan_item, sasha
):
    with pytest.raises(TransitionRefused, match="Only a supervisor of the case's team"):
        workflow.record_decision(plan_item, actor=sasha, kind="approve_plan", rationale="Ok.")

    assert not plan_item.case.plans.get().is_approved
    assert not Decision.objects.exists()


def test_the_workflow_conditions_still_hold(plan_item, sam, alice):
    """The plan's own author may not approve it (workflow.approve_plan's rule)."""
    plan = plan_item.case.plans.get()
    plan.created_by = sam
    plan.save()
    with pytest.raises(TransitionRefused, match="someone other than its author"):
        workflow.record_decision(plan_item, actor=sam, kind="approve_plan", rationale="Ok.")
    assert not Decision.objects.exists()


def test_approving_a_closure_closes_the_case(published, sam, alice):
    case = published.case
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.FOLLOW_UP)
    case.refresh_from_db()
    # The caseworker's closure request comes first: the panel's decision approves it.
    request_closure(case, actor=alice, closure_reason="goals_met", reason="Goals met.")

    workflow.record_decision(published, actor=sam, kind="approve_closure",
                             rationale="Goals met.", closure_reason="goals_met")

    case.refresh_from_db()
    assert case.stage == Case.Stage.CLOSED
    transition = CaseTransition.objects.get(case=case)
    assert (transition.name, transition.actor) == ("close", sam)


def test_a_closure_the_workflow_does_not_allow_is_refused_with_its_message(published, sam):
    """alice's case is at intake: closing is not possible from there."""
    with pytest.raises(TransitionRefused, match="not possible at the current stage"):
        workflow.record_decision(published, actor=sam, kind="approve_closure",
                                 rationale="Goals met.", closure_reason="goals_met")
    published.case.refresh_from_db()
    assert published.case.stage == Case.Stage.INTAKE
    assert not Decision.objects.exists()


def test_only_the_secretary_or_a_supervisor_member_records_decisions(published, mo, mia):
    for user in (mo, mia):
        with pytest.raises(PermissionDenied):
            workflow.record_decision(published, actor=user, kind="continue", rationale="Ok.")


def test_an_action_becomes_a_task_in_the_owners_list(published, sasha, alice):
    due = timezone.localdate() + datetime.timedelta(days=7)
    action = workflow.add_action(published, actor=sasha, description="Arrange a mentor.",
                                 owner=alice, due_on=due)

    task = action.task
    assert (task.owner, task.case, task.due_on, task.created_by) == (
        alice, published.case, due, sasha
    )
    assert "Arrange a mentor." in task.label
    assert task in Task.objects.filter(owner=alice, done_at__isnull=True)


def test_an_action_owner_must_work_the_case(published, sasha, bob):
    with pytest.raises(TransitionRefused, match="caseworker or a supervisor"):
        workflow.add_action(published, actor=sasha, description="Test.", owner=bob,
                            due_on=timezone.localdate())
    assert not Action.objects.exists()


def test_the_secretary_records_a_decision_and_an_action_on_the_page(published, sasha, alice,
                                                                     client):
    client.force_login(sasha)
    url = reverse("mdt-decision", args=[published.pk])

    response = client.post(url, {"kind": "continue", "rationale": "Keep going."})
    assert response.status_code == 302
    response = client.post(reverse("mdt-action", args=[published.pk]), {
        "description": "Call the school.", "owner": alice.pk,
        "due_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302

    assert Decision.objects.get(item=published).kind == "continue"
    assert Task.objects.filter(owner=alice, kind="other").count() == 1


def test_a_refused_decision_shows_the_workflows_message(published, sam, client):
    client.force_login(sam)
    response = client.post(reverse("mdt-decision", args=[published.pk]), {
        "kind": "approve_closure", "rationale": "Done.", "closure_reason": "goals_met",
    })
    assert response.status_code == 400
    assert "not possible at the current stage" in response.content.decode()
    assert not Decision.objects.exists()


def test_escalate_takes_the_case_through_the_workflow_with_the_rationale(published, sam):
    workflow.record_decision(published, actor=sam, kind="escalate",
                             rationale="New risk reported by the school.")

    case = Case.objects.get(pk=published.case_id)
    assert case.stage == Case.Stage.ESCALATED
    transition = CaseTransition.objects.get(case=case)
    assert (transition.name, transition.actor, transition.reason) == (
        "escalate", sam, "New risk reported by the school.")
    assert Decision.objects.get(item=published).effect == "escalate"


def test_open_the_case_starts_its_assessment_through_the_workflow(published, sam, alice):
    case = published.case
    case_workflow.record_consent(case, actor=alice, method="written",  # begin_assessment needs it
                                 given_on=timezone.localdate(), purpose="support")
    workflow.record_decision(published, actor=sam, kind="open_case", rationale="Take it on.")

    case.refresh_from_db()
    assert case.stage == Case.Stage.ASSESSMENT
    transition = CaseTransition.objects.get(case=case)
    assert (transition.name, transition.reason) == ("begin_assessment", "Take it on.")


def test_a_move_the_workflow_refuses_records_no_decision(published, sam):
    Case.objects.filter(pk=published.case_id).update(stage=Case.Stage.CLOSED)
    with pytest.raises(TransitionRefused, match="not possible at the current stage"):
        workflow.record_decision(published, actor=sam, kind="escalate", rationale="Risk.")
    assert not Decision.objects.exists()


def test_a_secretary_who_does_not_work_the_case_cannot_escalate_it(published, sasha):
    with pytest.raises(TransitionRefused, match="caseworker or a supervisor of its team"):
        workflow.record_decision(published, actor=sasha, kind="escalate", rationale="Risk.")
    assert Case.objects.get(pk=published.case_id).stage == Case.Stage.INTAKE
    assert not Decision.objects.exists()
