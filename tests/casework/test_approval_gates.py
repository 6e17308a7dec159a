"""Approvals as gates (docs/oversight.md, "Approvals and deadlines"): sign-off before planning,
the plan's approval recorded as what it was, closure by request and approval, a reason on every
transition, workflow tasks closed by their work and never by hand."""

import datetime

import pytest
from django.urls import reverse

from casework import selectors, workflow
from casework.models import Case, CaseTransition, ClosureRequest, Task
from casework.transitions import CASE_TRANSITIONS, STAGE_LIMITS, STAGE_TASK_KINDS
from tests.casework.conftest import move, request_closure
from tests.factories import ServiceFactory


def complete(case, alice):
    return workflow.complete_assessment(case, actor=alice, risk_level="low", needs_summary="n")


# Assessment sign-off before planning ---------------------------------------------------------


@pytest.mark.django_db
def test_planning_is_refused_while_the_assessment_is_not_signed_off(at_assessment, alice, sam):
    assessment = complete(at_assessment, alice)
    with pytest.raises(workflow.TransitionRefused, match="sign it off"):
        move(at_assessment, "start_planning", alice)
    assert Case.objects.get(pk=at_assessment.pk).stage == "assessment"
    workflow.sign_off_assessment(assessment, actor=sam)
    assert move(at_assessment, "start_planning", alice).stage == "service_plan"


@pytest.mark.django_db
def test_with_the_gate_off_a_completed_assessment_is_enough(at_assessment, alice, settings):
    settings.CASEWORK_ASSESSMENT_SIGN_OFF_REQUIRED = False
    complete(at_assessment, alice)
    assert move(at_assessment, "start_planning", alice).stage == "service_plan"


@pytest.mark.django_db
def test_the_case_page_says_sign_off_is_missing(client, at_assessment, alice):
    complete(at_assessment, alice)
    client.force_login(alice)
    page = client.get(at_assessment.get_absolute_url()).content.decode()
    assert "have a supervisor sign it off" in page


@pytest.mark.django_db
def test_the_assessment_task_closes_when_the_assessment_is_completed(at_assessment, alice):
    task = at_assessment.tasks.get(kind=Task.Kind.COMPLETE_ASSESSMENT)
    assert task.is_open
    complete(at_assessment, alice)
    task.refresh_from_db()
    assert not task.is_open and not task.cancelled and task.done_by == alice


# Plan approval, recorded as what it was ------------------------------------------------------


@pytest.mark.django_db
def test_a_plan_approved_at_the_mdt_is_recorded_as_the_mdts(assessed, alice, sam, service):
    plan = workflow.draft_plan(assessed, actor=alice, goals="g", services=[service])
    meeting = datetime.date(2026, 11, 4)
    approved = workflow.approve_plan(plan, actor=sam, mdt_meeting_on=meeting)
    # The deployment's setting is "supervisor"; the decision was the panel's all the same.
    assert (approved.approved_via, approved.mdt_meeting_on) == ("mdt", meeting)


@pytest.mark.django_db
def test_a_supervisors_approval_is_recorded_as_the_supervisors(assessed, alice, sam, service):
    plan = workflow.draft_plan(assessed, actor=alice, goals="g", services=[service])
    approved = workflow.approve_plan(plan, actor=sam)
    assert (approved.approved_via, approved.mdt_meeting_on) == ("supervisor", None)


@pytest.mark.django_db
def test_follow_up_waits_for_the_plans_approval(assessed, alice, service):
    workflow.draft_plan(assessed, actor=alice, goals="g", services=[service])
    with pytest.raises(workflow.TransitionRefused, match="approved"):
        move(assessed, "start_follow_up", alice)


# Closure: requested with a reason, approved or returned ------------------------------------------


@pytest.mark.django_db
def test_closing_without_a_request_is_refused(at_follow_up, sam):
    with pytest.raises(workflow.TransitionRefused, match="closure request"):
        move(at_follow_up, "close", sam, closure_reason="goals_met", reason="Done.")
    assert Case.objects.get(pk=at_follow_up.pk).stage == "follow_up"
    assert not CaseTransition.objects.filter(case=at_follow_up, name="close").exists()


@pytest.mark.django_db
def test_a_closure_request_waits_in_the_supervisors_approvals(client, at_follow_up, alice, sam):
    closure = request_closure(at_follow_up, alice, reason="Every goal is met.")
    overview = selectors.team_overview(sam)
    assert overview.closures_to_approve == [closure]
    assert selectors.awaiting_approval_count(sam) == overview.awaiting_count == 1
    client.force_login(sam)
    page = client.get(reverse("team-overview")).content.decode()
    assert 'data-approval="closure"' in page and at_follow_up.reference in page
    assert "waiting" in page  # its age


@pytest.mark.django_db
def test_approving_the_request_closes_the_case_with_its_reason(at_follow_up, alice, sam):
    closure = request_closure(at_follow_up, alice, closure_reason="moved", reason="Moved away.")
    workflow.decide_closure(closure, actor=sam, approve=True)
    case = Case.objects.get(pk=at_follow_up.pk)
    assert (case.stage, case.closure_reason) == ("closed", "moved")
    closure.refresh_from_db()
    assert (closure.outcome, closure.decided_by) == (ClosureRequest.Outcome.APPROVED, sam)
    assert CaseTransition.objects.get(case=case, name="close").reason == "Moved away."
    assert selectors.team_overview(sam).closures_to_approve == []


@pytest.mark.django_db
def test_a_returned_request_says_why_and_the_case_goes_on(at_follow_up, alice, sam):
    closure = request_closure(at_follow_up, alice)
    with pytest.raises(workflow.TransitionRefused, match="needs a note"):
        workflow.decide_closure(closure, actor=sam, approve=False)
    workflow.decide_closure(closure, actor=sam, approve=False, note="Record the last review.")
    closure.refresh_from_db()
    assert closure.outcome == ClosureRequest.Outcome.RETURNED
    assert Case.objects.get(pk=at_follow_up.pk).stage == "follow_up"
    with pytest.raises(workflow.TransitionRefused, match="closure request"):
        move(at_follow_up, "close", sam, reason="Done.")


@pytest.mark.django_db
def test_nobody_approves_their_own_closure_request(at_follow_up, sam):
    closure = request_closure(at_follow_up, sam)
    with pytest.raises(workflow.TransitionRefused, match="other than who requested it"):
        workflow.decide_closure(closure, actor=sam, approve=True)
    assert Case.objects.get(pk=at_follow_up.pk).stage == "follow_up"


@pytest.mark.django_db
def test_one_request_at_a_time_and_only_where_closing_is_possible(alices_case, at_follow_up,
                                                                   alice):
    request_closure(at_follow_up, alice)
    with pytest.raises(workflow.TransitionRefused, match="already been requested"):
        request_closure(at_follow_up, alice)
    with pytest.raises(workflow.TransitionRefused, match="cannot be closed"):
        request_closure(alices_case, alice)  # at intake: screening out is the way
    with pytest.raises(workflow.TransitionRefused, match="closure reason"):
        request_closure(at_follow_up, alice, closure_reason="")


@pytest.mark.django_db
def test_with_the_gate_off_a_supervisor_closes_directly(at_follow_up, sam, settings):
    settings.CASEWORK_CLOSURE_REQUEST_REQUIRED = False
    assert move(at_follow_up, "close", sam, closure_reason="goals_met",
                reason="Done.").stage == "closed"


@pytest.mark.django_db
def test_the_pages_request_and_approve_closure(client, at_follow_up, alice, sam):
    client.force_login(alice)
    url = reverse("case-closure-request", args=[at_follow_up.reference])
    assert client.post(url, {"closure_reason": "goals_met", "reason": ""}).status_code == 400
    assert not ClosureRequest.objects.exists()
    assert client.post(url, {"closure_reason": "goals_met", "reason": "Met."}).status_code == 302
    closure = ClosureRequest.objects.get()
    client.force_login(sam)
    page = client.get(at_follow_up.get_absolute_url()).content.decode()
    assert reverse("case-closure-decide", args=[at_follow_up.reference, closure.pk]) in page
    response = client.post(
        reverse("case-closure-decide", args=[at_follow_up.reference, closure.pk]),
        {"decision": "approve", "note": "", "expected_stage": "follow_up"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=at_follow_up.pk).stage == "closed"


# A reason on every transition ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["begin_assessment", "start_planning", "start_follow_up"])
@pytest.mark.django_db
def test_forward_moves_need_a_reason_too(request, alice, name):
    fixture = {"begin_assessment": "alices_case", "start_planning": "at_assessment",
               "start_follow_up": "assessed"}[name]
    case = request.getfixturevalue(fixture)
    with pytest.raises(workflow.TransitionRefused, match="reason is required"):
        move(case, name, alice, reason="  ")


@pytest.mark.django_db
def test_the_page_suggests_the_forward_reason_and_records_what_was_confirmed(
    client, alices_case, alice
):
    workflow.record_consent(alices_case, actor=alice, method="written",
                            given_on=datetime.date.today(), purpose="support")
    client.force_login(alice)
    page = client.get(alices_case.get_absolute_url()).content.decode()
    suggested = str(CASE_TRANSITIONS["begin_assessment"].default_reason)
    assert suggested in page
    url = reverse("case-transition", args=[alices_case.reference])
    refused = client.post(url, {"name": "begin_assessment", "expected_stage": "intake"})
    assert refused.status_code == 400
    assert client.post(url, {"name": "begin_assessment", "expected_stage": "intake",
                             "reason": suggested}).status_code == 302
    assert CaseTransition.objects.get(case=alices_case).reason == suggested


@pytest.mark.django_db
def test_every_transition_on_the_record_has_a_reason(at_follow_up, alice, sam):
    move(at_follow_up, "replan", alice, reason="Housing fell through.")
    move(at_follow_up, "escalate", alice, reason="Threat made.")
    move(at_follow_up, "resume", sam, reason="Police finished.")
    steps = CaseTransition.objects.filter(case=at_follow_up)
    assert steps.count() == 6
    assert all(step.reason.strip() for step in steps)


# Workflow tasks close by their work, never by hand -----------------------------------------------


@pytest.mark.parametrize("back", ["", "dashboard"])
@pytest.mark.django_db
def test_a_workflow_task_cannot_be_ticked_off_by_hand(client, at_assessment, alice, back):
    task = at_assessment.tasks.get(kind=Task.Kind.COMPLETE_ASSESSMENT)
    client.force_login(alice)
    for page in (at_assessment.get_absolute_url(), reverse("dashboard")):
        assert reverse("case-task-done", args=[at_assessment.reference, task.pk]) not in (
            client.get(page).content.decode()
        )
    response = client.post(
        reverse("case-task-done", args=[at_assessment.reference, task.pk]),
        {"revision": task.revision, "back": back},
    )
    assert response.status_code == 400
    assert "Complete the assessment: that completes this task." in response.content.decode()
    task.refresh_from_db()
    assert task.is_open


@pytest.mark.django_db
def test_an_ordinary_task_is_still_marked_done_by_hand(client, alices_case, alice):
    task = workflow.add_task(alices_case, actor=alice, title="Phone the school.", owner=alice,
                             due_on=datetime.date.today() + datetime.timedelta(days=2))
    client.force_login(alice)
    response = client.post(reverse("case-task-done", args=[alices_case.reference, task.pk]),
                           {"revision": task.revision})
    assert response.status_code == 302
    task.refresh_from_db()
    assert not task.is_open


@pytest.mark.django_db
def test_the_new_case_review_closes_when_its_caseworker_opens_the_case(client, alices_case,
                                                                       alice, sam):
    task = Task.objects.create(case=alices_case, owner=alice, kind=Task.Kind.REVIEW_NEW_CASE,
                               due_on=datetime.date.today())
    with pytest.raises(workflow.TransitionRefused, match="Open the case"):
        workflow.complete_task(task, actor=alice)
    client.force_login(sam)  # somebody else reading it does not count
    client.get(alices_case.get_absolute_url())
    task.refresh_from_db()
    assert task.is_open
    client.force_login(alice)
    client.get(alices_case.get_absolute_url())
    task.refresh_from_db()
    assert not task.is_open and task.done_by == alice


# One declaration: time limits and stage tasks ----------------------------------------------------


def test_transitions_into_one_stage_declare_one_time_limit():
    """The limit belongs to the stage entered: every transition into it must agree."""
    targets = {}
    for t in Case._meta.get_field("stage").get_all_transitions(Case):
        declared = CASE_TRANSITIONS[t.name].time_limit
        if declared is not None:
            assert declared.stage == t.target, t.name
        targets.setdefault(t.target, set()).add(declared)
    for stage, limits in targets.items():
        assert len(limits) == 1, stage
        assert STAGE_LIMITS.get(stage) in limits | {None}, stage


def test_the_stage_tasks_are_declared_with_their_transitions():
    assert STAGE_TASK_KINDS == {"assessment": Task.Kind.COMPLETE_ASSESSMENT,
                                "service_plan": Task.Kind.WRITE_PLAN}
    assert set(STAGE_TASK_KINDS.values()) <= set(workflow.WORK_DONE_BY)


@pytest.mark.django_db
def test_the_stage_task_is_due_by_the_declared_limit(at_assessment, settings):
    task = at_assessment.tasks.get(kind=Task.Kind.COMPLETE_ASSESSMENT)
    assert task.due_on == selectors.stage_due_on(at_assessment)
    assert STAGE_LIMITS["assessment"].amount == settings.STAGE_TIME_LIMITS["assessment"]


@pytest.mark.django_db
def test_the_follow_up_time_limit_sets_the_last_review(assessed, alice, sam, settings):
    settings.CASEWORK_PLAN_REVIEW_MONTHS = 6
    settings.CASEWORK_FOLLOW_UP_MONTHS = 9
    plan = workflow.draft_plan(assessed, actor=alice, goals="g", services=[ServiceFactory()])
    workflow.approve_plan(plan, actor=sam)
    case = move(assessed, "start_follow_up", alice)
    began = datetime.date.today()
    first = case.follow_ups.get(kind="review", outcome="scheduled")
    assert first.due_on == workflow.add_months(began, 6)
    workflow.record_outcome(first, actor=alice, outcome="completed", happened_on=first.due_on,
                            summary="Going well.")
    last = case.follow_ups.get(kind="review", outcome="scheduled")
    assert (last.due_on, last.review_month) == (workflow.add_months(began, 9), 9)
    workflow.record_outcome(last, actor=alice, outcome="completed", happened_on=last.due_on,
                            summary="Time to decide.")
    assert not case.follow_ups.filter(kind="review", outcome="scheduled").exists()
