"""The supervisor's view: workloads, reassignment (access moves with the case), and everything
awaiting their approval."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import access, selectors, workflow
from casework.models import Assessment, ServicePlan, Task
from tests.factories import CaseFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


def assess(case, risk, author):
    return Assessment.objects.create(case=case, risk_level=risk, needs_summary="n",
                                     version=case.assessments.count() + 1,
                                     completed_by=author, completed_at=timezone.now())


@pytest.fixture
def team(alice, bob, sam, north, south, carol):
    a1 = CaseFactory(team=north, caseworker=alice, stage="assessment")
    a2 = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    assess(a2, "high", alice)
    b1 = CaseFactory(team=north, caseworker=bob, stage="follow_up")
    assess(b1, "low", bob)
    CaseFactory(team=north, caseworker=bob, stage="closed")  # closed: not a workload
    unassigned = CaseFactory(team=north)
    CaseFactory(team=south, caseworker=carol)  # another team
    Task.objects.create(case=a1, owner=alice, kind="other", title="t",
                        due_on=timezone.localdate() - datetime.timedelta(days=1))
    return {"a1": a1, "a2": a2, "b1": b1, "unassigned": unassigned}


def test_workloads_count_open_cases_by_stage_and_risk(team, sam):
    overview = selectors.team_overview(sam)
    rows = {getattr(row.caseworker, "username", None): row for row in overview.workload}
    assert set(rows) == {"alice", "bob", None}
    alice = rows["alice"]
    assert alice.total == 2 and alice.by_stage == {"assessment": 1, "follow_up": 1}
    assert alice.by_risk == {"high": 1, "": 1} and alice.overdue_tasks == 1
    assert rows["bob"].total == 1 and rows["bob"].by_risk == {"low": 1}
    assert rows[None].total == 1


def test_the_team_page(client, team, sam):
    client.force_login(sam)
    response = client.get(reverse("team-overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-caseworker="alice"' in body and 'data-caseworker="bob"' in body
    assert team["a1"].reference in body and team["unassigned"].reference in body


@pytest.mark.parametrize("persona", ["alice", "ivy", "mo", "audrey", "adam"])
def test_only_supervisors_see_the_team_page(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("team-overview")).status_code == 403


def test_each_supervisor_sees_their_own_team_only(client, team, sofia):
    client.force_login(sofia)
    body = client.get(reverse("team-overview")).content.decode()
    assert team["a1"].reference not in body and 'data-caseworker="alice"' not in body


def test_reassignment_from_the_team_page_moves_access_and_tasks(client, team, alice, bob, sam):
    case = team["a1"]
    client.force_login(sam)
    response = client.post(reverse("case-assign", args=[case.reference]),
                           {"caseworker": bob.pk, "back": "team"})
    assert response.status_code == 302 and response["Location"] == reverse("team-overview")
    case.refresh_from_db()
    assert case.caseworker == bob
    assert case in access.visible_cases(bob) and case not in access.visible_cases(alice)
    assert set(case.tasks.filter(done_at__isnull=True).values_list("owner__username",
                                                                   flat=True)) == {"bob"}
    client.force_login(alice)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_refused_reassignment_from_the_team_page_says_why(client, team, carol, sam):
    client.force_login(sam)
    response = client.post(reverse("case-assign", args=[team["a1"].reference]),
                           {"caseworker": carol.pk, "back": "team"}, follow=True)
    assert "Choose a caseworker from the case" in response.content.decode().replace("&#x27;", "'")
    team["a1"].refresh_from_db()
    assert team["a1"].caseworker.username == "alice"


def test_everything_awaiting_approval(client, team, alice, bob, sam, instrument):
    plan = ServicePlan.objects.create(case=team["a2"], created_by=alice)
    own_plan = ServicePlan.objects.create(case=team["b1"], created_by=sam)
    assessment = assess(team["b1"], "moderate", bob)
    signed = Assessment.objects.filter(case=team["a2"]).get()
    workflow.sign_off_assessment(signed, actor=sam)
    overview = selectors.team_overview(sam)
    assert overview.plans_to_approve == [plan, own_plan]
    assert assessment.pk in {a.pk for a in overview.assessments_to_sign_off}
    assert signed.pk not in {a.pk for a in overview.assessments_to_sign_off}
    client.force_login(sam)
    body = client.get(reverse("team-overview")).content.decode()
    assert body.count('data-approval="plan"') == 2
    assert "yours: another supervisor approves it" in body
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "items await your approval." in dashboard
