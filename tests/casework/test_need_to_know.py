"""Need-to-know through the whole life of a case (casework.access.SCREENING).

Intake coordinators see a case while screening it: at intake, the first time. A case that comes
back to intake (reopened after closure, resumed after an escalation) stays with its team, its
last caseworker and its supervisors; an intake coordinator gets the same 404 on it, and on its
earlier assessments, plans, notes, post-exit reviews and timeline, as on a case that does not
exist. One row per stage and path, every persona.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import access, roles, workflow
from casework.models import Assessment, Case, CaseNote, FollowUp, ServicePlan, TeamMembership
from tests.factories import CaseFactory, TeamFactory, UserFactory, join_team
from tests.matrix_kit import LOGIN, PERSONAS, signed_in

pytestmark = [pytest.mark.matrix, pytest.mark.django_db]

S = Case.Stage
# How each case under test got where it is: a stage set directly, or the reopen/resume path.
PATHS = {
    "intake": (S.INTAKE, None),
    "assessment": (S.ASSESSMENT, None),
    "service_plan": (S.SERVICE_PLAN, None),
    "follow_up": (S.FOLLOW_UP, None),
    "escalated": (S.ESCALATED, None),
    "closed": (S.CLOSED, None),
    "screened_out": (S.SCREENED_OUT, None),
    "reopened": (S.CLOSED, "reopen"),
    "resumed": (S.ESCALATED, "resume"),
    "reopened after screening out": (S.SCREENED_OUT, "reopen"),
}
# The case is alice's on North: she and North's supervisor see it at every stage (closed too:
# post-exit reviews); intake only while screening it for the first time; nobody else ever.
STAFF = signed_in(404, alice=200, sam=200)
CASE_PAGE = {path: STAFF for path in PATHS} | {"intake": signed_in(404, alice=200, sam=200,
                                                                      ivy=200)}
# The earlier records of a case that came back to intake: the same for every content page.
RETURNED = ("reopened", "resumed", "reopened after screening out")
CONTENT_ROUTES = ("case-assessment-detail", "case-plan-detail", "case-note-detail",
                  "case-follow-up-detail", "case-detail")


def case_on(path, people, north):
    """Alice's case with a history (an assessment, a plan, a note, a post-exit review), taken
    along `path`."""
    stage, transition = PATHS[path]
    alice, sam = people["alice"], people["sam"]
    closed = stage in Case.CLOSED_STAGES
    case = CaseFactory(team=north, caseworker=alice, stage=stage,
                       closure_reason="goals_met" if stage == S.CLOSED else "",
                       closed_at=timezone.now() if closed else None)
    now = timezone.now()
    records = {
        "case-assessment-detail": Assessment.objects.create(
            case=case, version=1, risk_level="low", needs_summary="Earlier needs.",
            completed_by=alice, completed_at=now).pk,
        "case-plan-detail": ServicePlan.objects.create(
            case=case, created_by=alice, approved_by=sam, approved_at=now).pk,
        "case-note-detail": CaseNote.objects.create(case=case, author=alice,
                                                    text="Earlier note.").pk,
        "case-follow-up-detail": FollowUp.objects.create(
            case=case, kind="post_exit_review", due_on=timezone.localdate(),
            outcome="completed", summary="Earlier review.", recorded_by=alice).pk,
    }
    if transition:
        workflow.take_transition(case, transition, actor=sam, reason="Back for another look.")
        case.refresh_from_db()
    return case, records


def url_for(route, case, records):
    extra = [records[route]] if route in records else []
    return reverse(route, args=[case.reference, *extra])


CASE_PAGE_CELLS = [(path, persona) for path in PATHS for persona in PERSONAS]


@pytest.mark.parametrize(("path", "persona"), CASE_PAGE_CELLS,
                         ids=[f"{p}-{who}" for p, who in CASE_PAGE_CELLS])
def test_the_case_page_at_each_stage_for_each_persona(path, persona, people, north, client):
    case, _ = case_on(path, people, north)
    if people[persona] is not None:
        client.force_login(people[persona])
    response = client.get(case.get_absolute_url())
    expected = CASE_PAGE[path][persona]
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == expected


CONTENT_CELLS = [(path, route, persona) for path in RETURNED for route in CONTENT_ROUTES
                 for persona in ("alice", "sam", "ivy", "bob", "sofia")]


@pytest.mark.parametrize(("path", "route", "persona"), CONTENT_CELLS,
                         ids=[f"{p}-{r}-{who}" for p, r, who in CONTENT_CELLS])
def test_a_case_back_at_intake_keeps_its_history_from_intake(path, route, persona, people,
                                                              north, client):
    """The earlier assessments, plans, notes, post-exit reviews and the timeline stay with the
    case's caseworker and supervisor; intake (and everyone else) gets 404."""
    case, records = case_on(path, people, north)
    assert case.stage == S.INTAKE
    client.force_login(people[persona])
    response = client.get(url_for(route, case, records))
    assert response.status_code == (200 if persona in ("alice", "sam") else 404)


@pytest.mark.parametrize("path", RETURNED)
def test_a_case_back_at_intake_is_in_nobodys_intake_list(path, people, north):
    case, _ = case_on(path, people, north)
    assert not access.visible_cases(people["ivy"]).filter(pk=case.pk).exists()
    assert access.visible_cases(people["sam"]).filter(pk=case.pk).exists()
    assert access.visible_cases(people["alice"]).filter(pk=case.pk).exists()


def test_a_first_time_intake_case_is_screened_by_intake(people, north, client):
    case, _ = case_on("intake", people, north)
    client.force_login(people["ivy"])
    assert client.get(case.get_absolute_url()).status_code == 200
    assert access.relation_to_case(people["ivy"], case) == "intake"


@pytest.mark.parametrize("stage", list(S))
@pytest.mark.parametrize("returned", [False, True])
def test_the_rule_is_the_same_on_the_table_and_for_one_case(stage, returned, north):
    """SCREENING (the intake arm of every list) and in_screening (one case in hand) agree."""
    case = CaseFactory(team=north, stage=stage, returned_at=timezone.now() if returned else None)
    on_table = Case.objects.filter(access.SCREENING, pk=case.pk).exists()
    assert on_table == access.in_screening(case) == (stage == S.INTAKE and not returned)


def test_reopen_and_resume_mark_the_return_and_nothing_else_does(people, north):
    sam = people["sam"]
    case = CaseFactory(team=north, caseworker=people["alice"], stage=S.ESCALATED)
    workflow.take_transition(case, "resume", actor=sam, reason="Risk handled.")
    assert case.returned_at == case.stage_entered_at
    fresh = CaseFactory(team=north, stage=S.INTAKE)
    assert fresh.returned_at is None


def test_a_supervisor_of_many_teams_sees_each_teams_cases_and_no_others(north, client):
    """More teams than a compiled query has placeholders: the reach is compiled for the
    request instead, and answers the same."""
    teams = [TeamFactory(name=f"Team {i}") for i in range(40)]
    boss = UserFactory(username="boss", roles=[roles.SUPERVISOR])
    for team in teams:
        join_team(boss, team, TeamMembership.Role.SUPERVISOR)
    theirs = [CaseFactory(team=team, stage=Case.Stage.ASSESSMENT) for team in teams[::13]]
    other = CaseFactory(team=north, stage=Case.Stage.ASSESSMENT)
    assert set(access.visible_cases(boss)) == set(theirs)
    assert access.access_case(boss, theirs[-1].reference) == theirs[-1]
    client.force_login(boss)
    assert client.get(reverse("case-detail", args=[other.reference])).status_code == 404
