"""Each agenda rule, one by one: a case it should select and one it should not."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import (
    Assessment,
    Case,
    FollowUp,
    Intervention,
    PlanGoal,
    ServicePlan,
)
from mdt import agenda, workflow
from mdt.models import Decision
from tests.factories import AgendaItemFactory, CaseFactory, ServiceFactory
from tests.mdt.conftest import MEETING_AT, north_case

NOW = MEETING_AT - datetime.timedelta(days=2)


def selected(rule, meeting):
    return set(rule(agenda.context_for(meeting, now=NOW)))


def decide(meeting, case, *, by, at=None):
    item = AgendaItemFactory(meeting=meeting, case=case)
    return Decision.objects.create(item=item, kind="continue", rationale="Test.", recorded_by=by,
                                   recorded_at=at or timezone.now())


def test_it_selects_new_cases_without_a_panel_decision(meeting, north, alice, sam):
    """A case at intake or assessment is new until some panel has recorded a decision on it."""
    new = north_case(north, alice)
    decided = north_case(north, alice, stage=Case.Stage.ASSESSMENT)
    decide(meeting, decided, by=sam)
    planning = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)

    found = selected(agenda.new_cases, meeting)

    assert new.pk in found
    assert decided.pk not in found
    assert planning.pk not in found


def test_it_leaves_out_cases_of_teams_the_panel_does_not_review(meeting, south, carol):
    other = CaseFactory(team=south, caseworker=carol)
    assert other.pk not in selected(agenda.new_cases, meeting)


def _plan(case, by, **kwargs):
    return ServicePlan.objects.create(case=case, goals="", created_by=by, **kwargs)


def test_it_selects_plans_awaiting_approval_when_the_mdt_approves_plans(
    meeting, north, alice, sam, settings
):
    settings.MDT_PLAN_APPROVAL_REQUIRED = True
    awaiting = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    _plan(awaiting, alice)
    approved = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    _plan(approved, alice, approved_at=timezone.now(), approved_by=sam)

    found = selected(agenda.plans_awaiting_approval, meeting)

    assert awaiting.pk in found
    assert approved.pk not in found


def test_it_leaves_plans_to_supervisors_unless_the_setting_asks(
    meeting, north, alice, settings
):
    settings.MDT_PLAN_APPROVAL_REQUIRED = False
    awaiting = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    _plan(awaiting, alice)
    assert selected(agenda.plans_awaiting_approval, meeting) == set()


def _review(case, due_on, **kwargs):
    return FollowUp.objects.create(
        case=case, kind=FollowUp.Kind.REVIEW, review_month=6, due_on=due_on,
        outcome=FollowUp.Outcome.SCHEDULED, **kwargs,
    )


def test_it_selects_reviews_due_before_the_next_meeting(meeting, north, alice):
    """The next meeting is a week later (9 Dec): a review due on the 8th is in, the 9th not."""
    due = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _review(due, datetime.date(2026, 12, 8))
    later = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _review(later, datetime.date(2026, 12, 9))
    done = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _review(done, datetime.date(2026, 12, 3)).delete()

    found = selected(agenda.reviews_due, meeting)

    assert found == {due.pk}


def _assessment(case, version, risk, at, by):
    return Assessment.objects.create(
        case=case, version=version, risk_level=risk, needs_summary="Test.",
        completed_by=by, completed_at=at,
    )


def test_it_selects_cases_whose_risk_went_up(meeting, north, alice, sam):
    earlier, later = NOW - datetime.timedelta(days=30), NOW - datetime.timedelta(days=1)
    up = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _assessment(up, 1, "low", earlier, alice)
    _assessment(up, 2, "high", later, alice)
    down = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _assessment(down, 1, "high", earlier, alice)
    _assessment(down, 2, "moderate", later, alice)
    reviewed = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _assessment(reviewed, 1, "low", earlier, alice)
    _assessment(reviewed, 2, "moderate", later, alice)
    decide(meeting, reviewed, by=sam, at=NOW)  # the panel has seen it since

    found = selected(agenda.risk_went_up, meeting)

    assert found == {up.pk}


def _plan_in_force(case, by, approver, progress):
    plan = _plan(case, by, approved_at=timezone.now(), approved_by=approver)
    for value in progress:
        goal = PlanGoal.objects.create(plan=plan, description="Test goal.", progress=value)
        Intervention.objects.create(goal=goal, service=ServiceFactory())
    return plan


def test_it_proposes_closure_when_every_goal_is_achieved(meeting, north, alice, sam):
    met = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _plan_in_force(met, alice, sam, ["achieved", "achieved"])
    partly = north_case(north, alice, stage=Case.Stage.FOLLOW_UP)
    _plan_in_force(partly, alice, sam, ["achieved", "in_progress"])

    found = selected(agenda.closures_proposed, meeting)

    assert found == {met.pk}


def test_it_selects_cases_stuck_past_their_stage_limit(meeting, north, alice):
    """Intake allows 2 working days (settings.STAGE_TIME_LIMITS)."""
    stuck = north_case(north, alice, stage_entered_at=NOW - datetime.timedelta(days=10))
    fresh = north_case(north, alice, stage_entered_at=NOW)

    found = selected(agenda.stuck_in_stage, meeting)

    assert stuck.pk in found
    assert fresh.pk not in found


def test_it_selects_provider_referrals_with_no_answer(meeting, north, alice):
    model = agenda.provider_referral_model()
    if model is None:
        pytest.skip("referrals.ProviderReferral does not exist yet")
    assert {"status", "respond_by", "case"} <= {f.name for f in model._meta.get_fields()}
    from tests.factories import partner_organization, sent_provider_referral

    service = ServiceFactory(organization=partner_organization())
    unanswered = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    answered_in_time = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    for case in (unanswered, answered_in_time):
        sent_provider_referral(case, service, by=alice)
    late = model.objects.get(case=unanswered)
    assert late.status == "requested"
    late.respond_by = NOW - datetime.timedelta(days=1)
    late.save()
    on_time = model.objects.get(case=answered_in_time)
    on_time.respond_by = NOW + datetime.timedelta(days=3)
    on_time.save()

    found = selected(agenda.unanswered_referrals, meeting)

    assert unanswered.pk in found
    assert answered_in_time.pk not in found


def test_drafting_gives_each_item_its_reasons_and_keeps_removed_items_off(
    meeting, north, alice, mo
):
    new = north_case(north, alice, stage_entered_at=NOW)
    stuck = north_case(north, alice, stage_entered_at=NOW - datetime.timedelta(days=10))

    added = workflow.draft_agenda(meeting, actor=mo, now=NOW)

    reasons = {item.case_id: item.reasons for item in added}
    assert reasons[new.pk] == ["new_case"]
    assert reasons[stuck.pk] == ["new_case", "stuck_stage"]
    stuck_item = meeting.items.get(case=stuck)
    assert "past its limit" in stuck_item.detail
    workflow.remove_item(stuck_item, actor=mo)

    assert workflow.draft_agenda(meeting, now=NOW) == []
    stuck_item.refresh_from_db()
    assert stuck_item.removed


def test_drafting_again_drops_a_case_that_no_longer_qualifies_and_says_why(meeting, north, alice,
                                                                          mo, client):
    closing, staying = north_case(north, alice), north_case(north, alice)
    workflow.draft_agenda(meeting, actor=mo, now=NOW)
    assert set(meeting.items.filter(removed=False).values_list("case", flat=True)) >= {
        closing.pk, staying.pk}
    Case.objects.filter(pk=closing.pk).update(stage=Case.Stage.CLOSED)

    workflow.draft_agenda(meeting, actor=mo, now=NOW)

    dropped = meeting.items.get(case=closing)
    assert dropped.removed and dropped.removed_by is None
    assert dropped.dropped_because == "closed"
    assert not meeting.items.get(case=staying).removed
    client.force_login(mo)
    page = client.get(reverse("mdt-meeting", args=[meeting.pk])).content.decode()
    removed = page[page.index('id="removed-items"'):]
    assert closing.reference in removed[:600]
    assert "The case has been closed" in removed[:600]


def test_a_dropped_case_that_qualifies_again_comes_back_but_a_chairs_removal_stands(
    meeting, north, alice, mo
):
    case = north_case(north, alice)
    workflow.draft_agenda(meeting, actor=mo, now=NOW)
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.SERVICE_PLAN)
    workflow.draft_agenda(meeting, actor=mo, now=NOW)
    assert meeting.items.get(case=case).dropped_because == "no_longer_due"

    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.INTAKE)
    workflow.draft_agenda(meeting, actor=mo, now=NOW)
    item = meeting.items.get(case=case)
    assert not item.removed and item.dropped_because == ""

    workflow.remove_item(item, actor=mo)
    workflow.draft_agenda(meeting, actor=mo, now=NOW)
    assert meeting.items.get(case=case).removed
