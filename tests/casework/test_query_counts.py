"""The caseload, the case timeline and the supervisor's view cost the same number of queries
with 5 items as with 50. The figures are printed (pytest -s) for the record."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import (
    Assessment,
    CaseNote,
    CaseTransition,
    FollowUp,
    Intervention,
    PlanGoal,
    ServicePlan,
    Task,
)
from tests.factories import CaseFactory, ServiceFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


def count_queries(client, user, url):
    client.force_login(user)
    client.get(url)  # warm per-process caches (content types, the instrument)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def busy_cases(n, team, caseworker, author):
    """Cases with what a real caseload has: an assessment, a plan awaiting approval, tasks."""
    today = timezone.localdate()
    for case in CaseFactory.create_batch(n, team=team, caseworker=caseworker,
                                         stage="service_plan"):
        Assessment.objects.create(case=case, risk_level="high", needs_summary="n",
                                  completed_by=author, completed_at=timezone.now())
        plan = ServicePlan.objects.create(case=case, created_by=author)
        goal = PlanGoal.objects.create(plan=plan, description="g")
        Intervention.objects.create(goal=goal, service=ServiceFactory())
        Task.objects.create(case=case, owner=caseworker, kind="other", title="t",
                            due_on=today - datetime.timedelta(days=1))


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_the_dashboard_is_constant(request, client, alice, bob, sam, north, persona):
    user = request.getfixturevalue(persona)
    busy_cases(5, north, alice, alice)
    five = count_queries(client, user, reverse("dashboard"))
    busy_cases(45, north, alice, alice)
    fifty = count_queries(client, user, reverse("dashboard"))
    print(f"\ndashboard ({persona}): {five} queries for 5 cases, {fifty} for 50")
    assert five == fifty


def test_the_dashboard_with_filters_and_sorting_is_constant(client, alice, north):
    url = reverse("dashboard") + "?stage=service_plan&risk=high&overdue=on&sort=next_due"
    busy_cases(5, north, alice, alice)
    five = count_queries(client, alice, url)
    busy_cases(45, north, alice, alice)
    assert count_queries(client, alice, url) == five


def test_the_supervisors_view_is_constant(client, alice, bob, sam, north):
    busy_cases(3, north, alice, alice)
    busy_cases(2, north, bob, bob)
    five = count_queries(client, sam, reverse("team-overview"))
    busy_cases(25, north, alice, alice)
    busy_cases(20, north, bob, bob)
    fifty = count_queries(client, sam, reverse("team-overview"))
    print(f"\nteam overview: {five} queries for 5 cases, {fifty} for 50")
    assert five == fifty


def fill_timeline(case, n, alice, sam):
    """n of each kind of timeline entry: transitions, notes with addenda, contacts, tasks."""
    today = timezone.localdate()
    for i in range(n):
        CaseTransition.objects.create(case=case, name="replan", source="follow_up",
                                      target="service_plan", actor=sam, reason=f"r{i}")
        note = workflow.write_note(case, actor=alice, text=f"Note {i}.")
        if i % 2:
            workflow.add_addendum(note, actor=sam, text=f"Addendum {i}.")
        if i % 3 == 0:
            workflow.write_note(case, actor=alice, text=f"Restricted {i}.",
                                sensitivity="restricted")
        FollowUp.objects.create(case=case, kind="check_in", happened_on=today, summary=f"c{i}",
                                recorded_by=alice, recorded_at=timezone.now())
        Task.objects.create(case=case, owner=alice, kind="other", title=f"t{i}", due_on=today)
    assert CaseNote.objects.filter(case=case).count() >= n


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_the_case_page_and_its_timeline_are_constant(request, client, alice, sam, north,
                                                     persona):
    case = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    fill_timeline(case, 5, alice, sam)
    five = count_queries(client, request.getfixturevalue(persona), case.get_absolute_url())
    fill_timeline(case, 45, alice, sam)
    fifty = count_queries(client, request.getfixturevalue(persona), case.get_absolute_url())
    print(f"\ncase page ({persona}): {five} queries with 5 of each entry, {fifty} with 50")
    assert five == fifty
