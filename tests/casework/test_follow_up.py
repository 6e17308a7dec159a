"""Follow-up: scheduled contacts and reviews, their outcomes, post-exit reviews, and one case
taken from intake to a post-exit review through the pages, each step refused until its
conditions are met."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from casework import selectors, workflow
from casework.models import Case, FollowUp, Task
from casework.refusals import Refused
from casework.transitions import CASE_TRANSITIONS
from casework.workflow import add_months
from tests.casework.conftest import factor, move, request_closure
from tests.factories import CaseFactory, ServiceFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db

MONDAY = "2026-11-02 10:00"


def test_add_months_keeps_the_day_or_the_months_last():
    assert add_months(datetime.date(2026, 11, 2), 6) == datetime.date(2027, 5, 2)
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 12, 15), 12) == datetime.date(2027, 12, 15)


def test_starting_follow_up_schedules_a_plan_review_in_six_months(at_follow_up, alice):
    review = at_follow_up.follow_ups.get(kind="review")
    assert review.outcome == "scheduled" and review.review_month == 6
    assert review.due_on == add_months(timezone.localdate(review.created_at), 6)
    task = review.tasks.get()
    assert (task.owner, task.kind, task.due_on) == (alice, "review_due", review.due_on)


def test_a_scheduled_contact_gives_its_owner_a_task_closed_by_the_outcome(at_follow_up, alice):
    today = datetime.date.today()
    contact = workflow.schedule_follow_up(at_follow_up, actor=alice, due_on=today, mode="phone")
    task = contact.tasks.get()
    assert (task.kind, task.due_on, task.owner) == ("contact_due", today, alice)
    with pytest.raises(Refused, match="Record the outcome"):
        workflow.complete_task(task, actor=alice)
    workflow.record_outcome(contact, actor=alice, outcome="no_show", happened_on=today)
    task.refresh_from_db()
    contact.refresh_from_db()
    assert contact.outcome == "no_show" and task.done_at and not task.cancelled
    with pytest.raises(Refused, match="recorded already"):
        workflow.record_outcome(contact, actor=alice, outcome="completed", happened_on=today)


def test_scheduling_in_the_past_is_refused(at_follow_up, alice):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    with pytest.raises(Refused, match="cannot be in the past"):
        workflow.schedule_follow_up(at_follow_up, actor=alice, due_on=yesterday)


def test_contacts_are_refused_before_follow_up(assessed, alice):
    with pytest.raises(Refused, match="while the case is in follow-up"):
        workflow.record_follow_up(assessed, actor=alice, happened_on=datetime.date.today(),
                                  summary="Too early.")


def test_a_review_records_progress_on_each_goal_and_schedules_the_next(at_follow_up, alice):
    review = at_follow_up.follow_ups.get(kind="review")
    goal = selectors.current_plan(at_follow_up).plan_goals.get()
    workflow.record_outcome(review, actor=alice, outcome="completed",
                            happened_on=datetime.date.today(), summary="Good progress.",
                            progress={goal.pk: ("achieved", "Signed a tenancy.")})
    goal.refresh_from_db()
    assert goal.progress == "achieved"
    assert review.goal_progress.get().comment == "Signed a tenancy."
    following = at_follow_up.follow_ups.get(kind="review", outcome="scheduled")
    assert following.review_month == 12


def test_progress_for_a_goal_of_another_plan_is_refused(at_follow_up, alice, north, sam):
    review = at_follow_up.follow_ups.get(kind="review")
    with pytest.raises(Refused, match="out of date"):
        workflow.record_outcome(review, actor=alice, outcome="completed",
                                happened_on=datetime.date.today(), progress={999999: ("achieved",
                                                                                      "")})


def test_closing_cancels_what_was_scheduled_and_schedules_post_exit_reviews(at_follow_up, alice,
                                                                            sam):
    request_closure(at_follow_up, at_follow_up.caseworker, closure_reason="goals_met")
    closed = move(at_follow_up, "close", sam, reason="Done.")
    assert not closed.follow_ups.filter(kind="review", outcome="scheduled").exists()
    assert not Task.objects.filter(case=closed, kind="review_due", done_at__isnull=True).exists()
    reviews = list(closed.follow_ups.filter(kind="post_exit_review").order_by("due_on"))
    closed_on = timezone.localdate(closed.closed_at)  # the deployment's day, not UTC's
    assert [(r.review_month, r.due_on) for r in reviews] == [
        (6, add_months(closed_on, 6)), (12, add_months(closed_on, 12))
    ]
    tasks = Task.objects.filter(case=closed, kind="post_exit_review_due", owner=alice)
    assert sorted(t.due_on for t in tasks) == [r.due_on for r in reviews]


def test_post_exit_review_months_are_a_setting(settings, at_follow_up, sam):
    settings.CASEWORK_POST_EXIT_REVIEW_MONTHS = (3,)
    request_closure(at_follow_up, at_follow_up.caseworker, closure_reason="moved")
    move(at_follow_up, "close", sam, reason="Moved away.")
    assert list(at_follow_up.follow_ups.filter(kind="post_exit_review")
                .values_list("review_month", flat=True)) == [3]


def test_reopening_cancels_post_exit_reviews(at_follow_up, sam):
    request_closure(at_follow_up, at_follow_up.caseworker, closure_reason="goals_met")
    move(at_follow_up, "close", sam, reason="Done.")
    move(at_follow_up, "reopen", sam, reason="Came back.")
    assert not at_follow_up.follow_ups.filter(kind="post_exit_review",
                                              outcome="scheduled").exists()


def test_only_the_cases_staff_record_a_post_exit_review(at_follow_up, alice, bob, sam):
    from django.core.exceptions import PermissionDenied

    request_closure(at_follow_up, at_follow_up.caseworker, closure_reason="goals_met")
    move(at_follow_up, "close", sam, reason="Done.")
    review = at_follow_up.follow_ups.filter(kind="post_exit_review").first()
    with pytest.raises(PermissionDenied):
        workflow.record_outcome(review, actor=bob, outcome="completed",
                                happened_on=datetime.date.today(), summary="x")
    workflow.record_outcome(review, actor=alice, outcome="completed",
                            happened_on=datetime.date.today(), summary="Still housed.")
    assert review.outcome == "completed"


# One case, start to finish, through the pages -------------------------------------------------


def post(client, url_name, case, data, *extra):
    return client.post(reverse(url_name, args=[case.reference, *extra]), data)


def transition(client, case, name, **data):
    """Press the button as the page offers it: a forward move with its suggested reason."""
    case.refresh_from_db()
    data.setdefault("reason", str(CASE_TRANSITIONS[name].default_reason))
    return post(client, "case-transition", case,
                {"name": name, "expected_stage": case.stage, **data})


def refused_with(response, message):
    assert response.status_code == 400, response.status_code
    assert message in response.content.decode().replace("&#x27;", "'"), message


def test_a_case_from_intake_to_a_post_exit_review(client, alice, sam, north, instrument):
    service = ServiceFactory(name="Supported housing")
    with freeze_time(MONDAY) as clock:
        case = CaseFactory(team=north, caseworker=alice, pathway="reentry")
        today = datetime.date(2026, 11, 2)
        client.force_login(alice)

        # Assessment: refused without consent.
        refused_with(transition(client, case, "begin_assessment"),
                     "Record the person's consent before starting the assessment.")
        post(client, "case-consent", case,
             {"purpose": "support", "method": "written", "given_on": today.isoformat()})
        assert transition(client, case, "begin_assessment").status_code == 302
        assert Task.objects.get(case=case, kind="complete_assessment").due_on == datetime.date(
            2026, 11, 16)  # ten working days

        # Planning: refused without a completed assessment.
        refused_with(transition(client, case, "start_planning"),
                     "Complete an assessment, and have a supervisor sign it off, before "
                     "starting the service plan.")
        housing = factor(instrument, "housing_income", "housing")
        response = post(client, "case-assessment", case, {
            "action": "complete", "risk_level": "high", "needs_summary": "Needs housing.",
            f"rating_{housing.pk}": "high", f"evidence_{housing.pk}": "Sofa surfing.",
        })
        assert response.status_code == 302
        refused_with(transition(client, case, "start_planning"), "have a supervisor sign it off")
        client.force_login(sam)
        assert post(client, "case-assessment-sign-off", case, {},
                    case.assessments.get().pk).status_code == 302
        client.force_login(alice)
        assert transition(client, case, "start_planning").status_code == 302

        # Follow-up: refused until the plan is approved.
        need = selectors.assessed_needs(case)[0]
        post(client, "case-plan", case, {"goals": "Stable housing.", "need": need.pk,
                                         "services": [service.pk]})
        refused_with(transition(client, case, "start_follow_up"),
                     "The service plan must be approved and include at least one active "
                     "intervention.")
        plan = case.plans.get()
        client.force_login(sam)
        assert post(client, "case-plan-approve", case, {"revision": plan.revision},
                    plan.pk).status_code == 302
        client.force_login(alice)
        assert transition(client, case, "start_follow_up").status_code == 302

        # Follow-up contacts: one recorded now, one scheduled and then recorded.
        assert post(client, "case-follow-up", case, {
            "kind": "check_in", "mode": "visit", "happened_on": today.isoformat(),
            "summary": "Moved into the hostel.",
        }).status_code == 302
        next_week = today + datetime.timedelta(days=7)
        post(client, "case-follow-up-schedule", case,
             {"kind": "check_in", "mode": "phone", "due_on": next_week.isoformat()})
        contact = case.follow_ups.get(due_on=next_week)
        clock.move_to("2026-11-09 10:00")
        client.force_login(alice)  # sessions last 12 hours at most
        assert post(client, "case-follow-up-outcome", case, {
            "outcome": "completed", "happened_on": next_week.isoformat(), "mode": "phone",
            "summary": "Settling in.",
        }, contact.pk).status_code == 302

        # The 6-month review, with progress on the goal.
        clock.move_to("2027-05-03 10:00")
        client.force_login(alice)
        review = case.follow_ups.get(kind="review", outcome="scheduled")
        assert review.due_on == datetime.date(2027, 5, 2)
        goal = plan.plan_goals.get()
        page = client.get(reverse("case-follow-up-detail", args=[case.reference, review.pk]))
        assert "Progress on each goal" in page.content.decode()
        refused_with(post(client, "case-follow-up-outcome", case, {"outcome": "completed"},
                          review.pk), "Give the date it happened.")
        assert post(client, "case-follow-up-outcome", case, {
            "outcome": "completed", "happened_on": "2027-05-03", "summary": "Housed, working.",
            f"progress_{goal.pk}": "achieved", f"comment_{goal.pk}": "Tenancy signed.",
        }, review.pk).status_code == 302
        goal.refresh_from_db()
        assert goal.progress == "achieved"

        # Closure: the caseworker's request with a reason, the supervisor's approval.
        client.force_login(sam)
        refused_with(transition(client, case, "close", closure_reason="goals_met",
                                reason="Goals met."), "Closing needs a closure request")
        client.force_login(alice)
        assert post(client, "case-closure-request", case, {
            "closure_reason": "goals_met", "reason": "Goals met; agreed with the person.",
        }).status_code == 302
        client.force_login(sam)
        response = transition(client, case, "close", reason="")
        refused_with(response, "Say why: a reason is required for this action.")
        assert transition(client, case, "close",
                          reason="Goals met; agreed with the person.").status_code == 302
        case.refresh_from_db()
        assert case.stage == Case.Stage.CLOSED

        # Six months after closure, the caseworker records the post-exit review.
        clock.move_to("2027-11-03 10:00")
        client.force_login(alice)
        body = client.get(reverse("dashboard")).content.decode()
        assert "Post-exit review due" in body
        post_exit = case.follow_ups.get(kind="post_exit_review", review_month=6)
        assert post(client, "case-follow-up-outcome", case, {
            "outcome": "completed", "happened_on": "2027-11-03", "summary": "Still housed.",
        }, post_exit.pk).status_code == 302
        page = client.get(case.get_absolute_url()).content.decode()
        assert "Post-exit review, 6 months" in page and "Still housed." in page
        assert case.follow_ups.get(kind="post_exit_review", review_month=12).is_scheduled
        # Every stage change is on the timeline, newest first.
        timeline = selectors.case_timeline(case, alice)
        steps = [e.item.name for e in timeline if e.kind == "transition"]
        assert steps == ["close", "start_follow_up", "start_planning", "begin_assessment"]


def test_the_follow_up_page_is_one_read(client, at_follow_up, alice):
    from tests.casework.conftest import access_entries

    review = at_follow_up.follow_ups.get(kind="review")
    client.force_login(alice)
    before = access_entries().count()
    assert client.get(reverse("case-follow-up-detail",
                              args=[at_follow_up.reference, review.pk])).status_code == 200
    assert access_entries().count() == before + 1


def test_a_plan_review_can_be_scheduled_by_hand(at_follow_up, alice):
    soon = datetime.date.today() + datetime.timedelta(days=3)
    review = workflow.schedule_follow_up(at_follow_up, actor=alice, due_on=soon, kind="review")
    assert review.tasks.get().kind == "review_due"
    assert FollowUp.objects.filter(case=at_follow_up, kind="review").count() == 2


def test_unscheduled_contacts_need_a_summary(client, at_follow_up, alice):
    client.force_login(alice)
    response = post(client, "case-follow-up", at_follow_up,
                    {"kind": "check_in", "happened_on": datetime.date.today().isoformat()})
    refused_with(response, "This field is required.")


