"""Each stage change: what it requires, who may take it, and what it records."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework import access, workflow
from casework.models import Case, CaseTransition
from casework.refusals import Refused
from casework.transitions import CASE_TRANSITIONS
from tests.factories import CaseFactory, ServiceFactory

TODAY = datetime.date(2026, 11, 2)


def consent(case, actor):
    workflow.record_consent(case, actor=actor, method="written", given_on=TODAY, purpose="support")


def move(case, name, actor, **kwargs):
    """As the page does: a forward move with its suggested reason, unless one is given."""
    declared = CASE_TRANSITIONS.get(name)
    kwargs.setdefault("reason", str(declared.default_reason) if declared else "")
    return workflow.take_transition(case, name, actor=actor, **kwargs)


@pytest.fixture
def at_assessment(alice, north):
    case = CaseFactory(team=north, caseworker=alice)
    consent(case, alice)
    return move(case, "begin_assessment", alice)


@pytest.fixture
def at_planning(at_assessment, alice, sam):
    assessment = workflow.complete_assessment(at_assessment, actor=alice, risk_level="low",
                                              needs_summary="n")
    workflow.sign_off_assessment(assessment, actor=sam)
    return move(at_assessment, "start_planning", alice)


@pytest.fixture
def at_follow_up(at_planning, alice, sam):
    plan = workflow.draft_plan(at_planning, actor=alice, goals="g", services=[ServiceFactory()])
    workflow.approve_plan(plan, actor=sam)
    return move(at_planning, "start_follow_up", alice)


# Conditions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_assessment_without_consent(alices_case, alice):
    with pytest.raises(workflow.TransitionRefused, match="consent"):
        move(alices_case, "begin_assessment", alice)
    assert Case.objects.get(pk=alices_case.pk).stage == "intake"


@pytest.mark.django_db
def test_withdrawn_consent_does_not_count(alices_case, alice):
    consent(alices_case, alice)
    workflow.withdraw_consent(alices_case.consents.get(), actor=alice)
    with pytest.raises(workflow.TransitionRefused, match="consent"):
        move(alices_case, "begin_assessment", alice)


@pytest.mark.django_db
def test_it_refuses_planning_without_a_completed_assessment(at_assessment, alice):
    with pytest.raises(workflow.TransitionRefused, match="assessment"):
        move(at_assessment, "start_planning", alice)


@pytest.mark.django_db
def test_it_refuses_follow_up_without_an_approved_plan(at_planning, alice, sam):
    plan = workflow.draft_plan(at_planning, actor=alice, goals="g", services=[ServiceFactory()])
    with pytest.raises(workflow.TransitionRefused, match="approved"):
        move(at_planning, "start_follow_up", alice)
    workflow.approve_plan(plan, actor=sam)
    assert move(at_planning, "start_follow_up", alice).stage == "follow_up"


@pytest.mark.django_db
def test_a_plan_needs_a_service(at_planning, alice):
    with pytest.raises(Refused, match="at least one service"):
        workflow.draft_plan(at_planning, actor=alice, goals="g", services=[])


@pytest.mark.django_db
def test_nobody_approves_their_own_plan(at_planning, sam):
    plan = workflow.draft_plan(at_planning, actor=sam, goals="g", services=[ServiceFactory()])
    with pytest.raises(workflow.TransitionRefused, match="other than its author"):
        workflow.approve_plan(plan, actor=sam)


@pytest.mark.django_db
def test_only_the_supervisor_approves_plans(at_planning, alice, bob):
    plan = workflow.draft_plan(at_planning, actor=alice, goals="g", services=[ServiceFactory()])
    with pytest.raises(PermissionDenied):
        workflow.approve_plan(plan, actor=bob)


@pytest.mark.django_db
def test_closing_needs_a_closure_reason_and_a_reason(at_follow_up, sam, settings):
    settings.CASEWORK_CLOSURE_REQUEST_REQUIRED = False  # the request has its own tests
    with pytest.raises(workflow.TransitionRefused) as refused:
        move(at_follow_up, "close", sam, reason="")
    assert len(refused.value.messages) == 2  # closure reason and a written reason
    closed = move(at_follow_up, "close", sam, closure_reason="goals_met", reason="Done.")
    assert closed.stage == "closed" and closed.closed_at is not None


@pytest.mark.parametrize("name", ["screen_out", "escalate"])
@pytest.mark.django_db
def test_diverting_transitions_need_a_reason(alices_case, sam, name):
    with pytest.raises(workflow.TransitionRefused, match="reason"):
        move(alices_case, name, sam)
    assert move(alices_case, name, sam, reason="Why.").stage in {"screened_out", "escalated"}


@pytest.mark.django_db
def test_replan_and_reopen_and_resume(at_follow_up, alice, sam):
    assert move(at_follow_up, "replan", alice, reason="Housing fell through.").stage == "service_plan"
    case = CaseFactory(team=at_follow_up.team, caseworker=alice, stage="closed", closure_reason="moved")
    reopened = move(case, "reopen", sam, reason="Came back.")
    assert reopened.stage == "intake" and reopened.closure_reason == ""
    escalated = CaseFactory(team=at_follow_up.team, caseworker=alice, stage="escalated")
    assert move(escalated, "resume", sam, reason="Police finished.").stage == "intake"


@pytest.mark.django_db
def test_a_transition_that_does_not_start_here_is_refused(alices_case, sam):
    with pytest.raises(workflow.TransitionRefused, match="not possible"):
        move(alices_case, "close", sam, closure_reason="other", reason="x")


@pytest.mark.django_db
def test_unknown_transition_names_are_refused(alices_case, alice):
    with pytest.raises(workflow.TransitionRefused):
        move(alices_case, "delete", alice)
    with pytest.raises(workflow.TransitionRefused):
        move(alices_case, "save", alice)


# Permissions ------------------------------------------------------------------------------

PERMITTED = {
    # transition: (fixture giving a case where it can start, roles that may take it)
    "begin_assessment": {"alice", "sam"},
    "screen_out": {"ivy", "sam"},
    "escalate": {"alice", "ivy", "sam"},
}


@pytest.mark.parametrize("name", sorted(PERMITTED))
@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "sam", "sofia", "ivy", "mo", "pat",
                                     "audrey", "adam", "root"])
@pytest.mark.django_db
def test_who_may_take_intake_transitions(request, alices_case, alice, name, persona):
    actor = request.getfixturevalue(persona)
    consent(alices_case, alice)
    kwargs = {"reason": "Because."}
    if persona in PERMITTED[name]:
        assert move(alices_case, name, actor, **kwargs).stage != "intake"
    else:
        with pytest.raises(PermissionDenied):
            move(alices_case, name, actor, **kwargs)
        assert Case.objects.get(pk=alices_case.pk).stage == "intake"


@pytest.mark.parametrize("persona", ["alice", "bob", "ivy", "sofia"])
@pytest.mark.django_db
def test_only_the_supervisor_closes(request, at_follow_up, persona):
    with pytest.raises(PermissionDenied):
        move(at_follow_up, "close", request.getfixturevalue(persona),
             closure_reason="goals_met", reason="r")


@pytest.mark.django_db
def test_intake_coordinators_lose_the_case_once_it_leaves_intake(at_assessment, ivy):
    with pytest.raises(PermissionDenied):
        move(at_assessment, "escalate", ivy, reason="r")


# What is recorded -------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_transition_is_recorded_with_actor_source_target_and_reason(at_follow_up, alice,
                                                                        sam):
    workflow.request_closure(at_follow_up, actor=alice, closure_reason="goals_met",
                             reason="Every goal is met.")
    move(at_follow_up, "close", sam, reason="All goals met.")
    steps = list(CaseTransition.objects.filter(case=at_follow_up).order_by("at", "pk"))
    assert [(s.source, s.target, s.actor.username) for s in steps] == [
        ("intake", "assessment", "alice"),
        ("assessment", "service_plan", "alice"),
        ("service_plan", "follow_up", "alice"),
        ("follow_up", "closed", "sam"),
    ]
    assert steps[-1].reason == "All goals met."
    assert all(step.reason for step in steps)  # forward moves too: their confirmed reason


@pytest.mark.django_db
def test_the_view_records_the_transition_in_the_audit_log_with_its_actor(client, alices_case, alice):
    consent(alices_case, alice)
    client.force_login(alice)
    response = client.post(
        reverse("case-transition", args=[alices_case.reference]),
        {"name": "begin_assessment", "expected_stage": "intake", "reason": "Consent given."},
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(alices_case).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.actor == alice
    assert entry.changes_dict["stage"] == ["intake", "assessment"]
    assert entry.cid  # the request id
    assert entry.remote_addr == "127.0.0.1"


@pytest.mark.django_db
def test_the_case_page_shows_the_timeline(client, at_assessment, alice):
    client.force_login(alice)
    body = client.get(at_assessment.get_absolute_url()).content.decode()
    assert 'data-transition="begin_assessment"' in body  # the timeline entry
    assert "alice" in body


@pytest.mark.django_db
def test_refusals_show_a_clear_message_and_change_nothing(client, alices_case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("case-transition", args=[alices_case.reference]),
        {"name": "begin_assessment", "expected_stage": "intake"},
    )
    assert response.status_code == 400
    assert "Record the person&#x27;s consent" in response.content.decode()
    assert not CaseTransition.objects.exists()


# Optimistic locking -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_page_gets_409_and_changes_nothing(client, alices_case, alice, sam):
    consent(alices_case, alice)
    move(Case.objects.get(pk=alices_case.pk), "screen_out", sam, reason="Another service.")
    client.force_login(alice)
    response = client.post(
        reverse("case-transition", args=[alices_case.reference]),
        {"name": "begin_assessment", "expected_stage": "intake"},
    )
    # alice no longer reaches a screened-out case through intake; sam does:
    assert response.status_code in {404, 409}
    client.force_login(sam)
    response = client.post(
        reverse("case-transition", args=[alices_case.reference]),
        {"name": "reopen", "expected_stage": "intake", "reason": "r"},
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()
    assert Case.objects.get(pk=alices_case.pk).stage == "screened_out"
    assert CaseTransition.objects.count() == 1


@pytest.mark.django_db
def test_two_people_moving_one_case_at_once_the_second_is_refused(alices_case, alice, sam):
    consent(alices_case, alice)
    first = Case.objects.get(pk=alices_case.pk)
    second = Case.objects.get(pk=alices_case.pk)  # loaded before the first one saved
    move(first, "begin_assessment", alice)
    with pytest.raises(workflow.StaleCase):
        move(second, "screen_out", sam, reason="r")
    assert Case.objects.get(pk=alices_case.pk).stage == "assessment"
    assert CaseTransition.objects.count() == 1


# One declaration ------------------------------------------------------------------------------


def test_every_transition_of_the_model_is_declared_once_and_only_those():
    """A transition on Case without its declaration (who, reason, effects, label) cannot ship."""
    on_the_model = {t.name for t in Case._meta.get_field("stage").get_all_transitions(Case)}
    assert on_the_model == set(CASE_TRANSITIONS)


def test_every_declared_effect_is_a_workflow_effect_and_every_declaration_has_a_role():
    for transition in CASE_TRANSITIONS.values():
        assert set(transition.effects) <= set(workflow.EFFECTS), transition.name
        assert transition.roles, transition.name
        assert str(transition.label), transition.name


def test_the_policy_and_the_workflow_read_the_declaration():
    close = CASE_TRANSITIONS["close"]
    assert access.TRANSITION_ROLES["close"] == close.roles == {"supervisor"}
    assert ("close" in workflow.REASON_REQUIRED) is close.needs_reason is True
    assert set(CASE_TRANSITIONS) == workflow.REASON_REQUIRED  # every transition says why


@pytest.mark.django_db
def test_the_case_page_labels_each_button_from_the_declaration(client, alice, alices_case):
    client.force_login(alice)
    page = client.get(reverse("case-detail", args=[alices_case.reference])).content.decode()
    buttons = [b.split(">")[-1].strip() for b in page.split("</button>")[:-1]]
    assert {"Start assessment", "Escalate immediate risk"} <= set(buttons)
