"""A supervisor's or intake coordinator's caseload is merged from the arms of their reach
(access.visible_case_arms): it must list exactly what visible_cases holds, count each case
once however many arms reach it, and page in order without overlap or gap."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.emergency import EmergencyAccess
from casework import access, roles, selectors
from casework.models import Case
from tests.factories import CaseFactory, TeamFactory, UserFactory, join_team


def page_refs(user, number, *, filters=None):
    request = RequestFactory().get("/", {"page": number})
    page = selectors.caseload_page(request, user, filters or selectors.CaseloadFilter())
    return page, [row.case.reference for row in page.object_list]


def aged(case, days):
    Case.objects.filter(pk=case.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=days)
    )
    return case


@pytest.fixture
def wide_reach(sam, alice, north, south):
    """sam supervises north; also holds a grant on a south case, which is in one more arm
    for one north case too, and break-glass on another south case."""
    team_cases = [aged(CaseFactory(team=north, caseworker=alice), days) for days in range(60)]
    shared = aged(CaseFactory(team=south), 30.5)
    assign_perm(access.VIEW_CASE, sam, shared)
    assign_perm(access.VIEW_CASE, sam, team_cases[7])  # reached twice: counted once
    emergency = aged(CaseFactory(team=south), 0.5)
    EmergencyAccess.objects.create(case=emergency, user=sam, reason="r",
                                   expires_at=timezone.now() + datetime.timedelta(hours=1))
    CaseFactory(team=south)  # out of reach
    return sam


@pytest.mark.django_db
def test_the_merged_pages_are_exactly_the_visible_cases_in_order(wide_reach):
    expected = list(
        selectors.caseload_queryset(wide_reach, selectors.CaseloadFilter())
        .values_list("reference", flat=True)
    )
    first, refs1 = page_refs(wide_reach, 1)
    second, refs2 = page_refs(wide_reach, 2)
    assert first.paginator.count == len(expected) == 62
    assert refs1 + refs2 == expected  # same order, no overlap, nothing missing


@pytest.mark.django_db
def test_filters_apply_to_every_arm(wide_reach, south):
    page, refs = page_refs(wide_reach, 1, filters=selectors.CaseloadFilter(sort="reference"))
    expected = sorted(access.visible_cases(wide_reach).open().values_list("reference", flat=True))
    assert refs == expected[: len(refs)] and page.paginator.count == len(expected)


@pytest.mark.django_db
def test_an_intake_coordinator_who_also_supervises_sees_both_reaches(alice, north, south):
    both = UserFactory(username="iris", roles=[roles.INTAKE, roles.SUPERVISOR])
    join_team(both, north, role="supervisor")
    in_intake = CaseFactory(team=south, stage=Case.Stage.INTAKE)
    on_team = CaseFactory(team=north, caseworker=alice)
    CaseFactory(team=TeamFactory(), stage=Case.Stage.ASSESSMENT)  # neither
    page, refs = page_refs(both, 1)
    assert sorted(refs) == sorted([in_intake.reference, on_team.reference])
    assert page.paginator.count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "sam", "ivy", "mo", "pat", "audrey", "adam"])
def test_the_arms_reach_exactly_what_visible_cases_does(request, who, wide_reach, ivy):
    user = request.getfixturevalue(who)
    CaseFactory(stage=Case.Stage.INTAKE)
    arms = access.visible_case_arms(user)
    reached = set()
    for arm in arms:
        reached |= set(Case.objects.filter(arm).values_list("pk", flat=True))
    assert reached == set(access.visible_cases(user).values_list("pk", flat=True))
