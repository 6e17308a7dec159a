"""Plan shape on PostgreSQL: "which cases may I see" is index lookups bounded by the answer.

A 50,000-case table is built with raw INSERT ... SELECT (tests/casework/scale_data.py) and
analysed, so the planner sees real row counts. A caseworker holding 150 cases must never make
PostgreSQL read the whole case table, whatever the query built on top of visible_cases.
"""

import re

import pytest

from casework import access, roles, selectors
from casework.models import TeamMembership
from tests.casework.scale_data import explain, fill_cases
from tests.factories import TeamFactory, UserFactory, join_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CASES = 50_000


@pytest.fixture
def big_table(django_user_model):
    """50,000 cases on 10 teams; 20 caseworkers hold 150 each; one supervisor per team."""
    teams = [TeamFactory(name=f"Scale {n}") for n in range(10)]
    workers = [UserFactory(username=f"scale-worker-{n}", roles=[roles.CASEWORKER])
               for n in range(20)]
    for n, worker in enumerate(workers):
        join_team(worker, teams[n % 10])
    supervisor = UserFactory(username="scale-supervisor", roles=[roles.SUPERVISOR])
    join_team(supervisor, teams[0], role=TeamMembership.Role.SUPERVISOR)
    fill_cases(cases=CASES, caseworkers=[w.pk for w in workers], teams=[t.pk for t in teams])
    return {"worker": workers[3], "supervisor": supervisor}


def assert_no_case_table_scan(plan: str):
    assert "Seq Scan on casework_case " not in plan + " ", plan


def test_it_answers_a_caseworkers_cases_without_reading_the_case_table(big_table):
    worker = big_table["worker"]
    cases = access.visible_cases(worker)
    assert cases.count() == 150
    assert_no_case_table_scan(explain(cases))


def test_it_lists_a_caseworkers_caseload_page_without_reading_the_case_table(big_table):
    page = selectors.caseload_queryset(big_table["worker"], selectors.CaseloadFilter())[:50]
    assert_no_case_table_scan(explain(page))


def test_it_finds_a_caseworkers_open_tasks_without_reading_the_case_table(big_table):
    from casework.models import Task

    tasks = Task.objects.filter(owner=big_table["worker"], case__in=access.visible_cases(
        big_table["worker"]))
    assert_no_case_table_scan(explain(tasks))


def test_it_reads_a_supervisors_first_team_page_in_order_from_the_team_index(big_table):
    """A 5,000-case team: the team view's first page walks case_team_age and stops at 50."""
    supervisor = big_table["supervisor"]
    cases = access.team_cases(supervisor)
    page = selectors.caseload_queryset(supervisor, selectors.CaseloadFilter(), cases=cases)[:50]
    plan = explain(page)
    assert "Limit" in plan.splitlines()[0], plan
    assert "Index Scan using case_team_age on casework_case" in plan, plan
    assert_no_case_table_scan(plan)


def test_it_checks_one_case_by_reference_through_the_unique_index(big_table):
    worker = big_table["worker"]
    reference = access.visible_cases(worker).values_list("reference", flat=True).first()
    plan = explain(access.visible_cases(worker).filter(reference=reference))
    assert_no_case_table_scan(plan)


def test_a_supervisors_dashboard_page_reads_each_arm_from_its_index(big_table):
    """The dashboard merges the supervisor's arms (selectors.MergedCaseload): every query a
    page makes is bounded by the page or answered from an index, never a sort of the team."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    supervisor = big_table["supervisor"]
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        page = selectors.caseload_page(request, supervisor, selectors.CaseloadFilter(),
                                       per_page=25)
    assert page.paginator.count == access.visible_cases(supervisor).open().count() > 1000
    case_queries = [q["sql"] for q in queries.captured_queries
                    if 'FROM "casework_case"' in q["sql"]]
    team_arm = 0
    with connection.cursor() as cursor:
        for sql in case_queries:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert_no_case_table_scan(plan)
            if sql.startswith('SELECT "casework_case"."id" AS "pk"') and "team_id" in sql:
                # In index order; an incremental sort only orders ties, page by page.
                assert "case_team_age" in plan, plan
                assert not re.search(r"(?<!Incremental )Sort  \(", plan), plan
                team_arm += 1
    assert team_arm == 1



def test_an_intake_coordinators_first_page_comes_from_the_stage_index(big_table):
    """The intake arm (access.SCREENING: at intake, never returned there) is read in order from
    case_stage_age and stops at the page; cases back at intake are filtered in the same scan.
    (The whole intake stage is 5% of this table, so an unbounded id list may be hashed; the
    pages people see never are.)"""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from casework.models import Case

    coordinator = UserFactory(username="scale-intake", roles=[roles.INTAKE])
    assert access.visible_cases(coordinator).count() == CASES // 20
    arm = Case.objects.filter(access.SCREENING).order_by("stage_entered_at")[:50]
    plan = explain(arm)
    assert "case_stage_age" in plan, plan
    assert_no_case_table_scan(plan)
    with CaptureQueriesContext(connection) as queries:
        selectors.caseload_page(RequestFactory().get("/"), coordinator,
                                selectors.CaseloadFilter(), per_page=25)
    paged = [q["sql"] for q in queries.captured_queries
             if 'FROM "casework_case"' in q["sql"] and "LIMIT" in q["sql"]]
    assert paged
    with connection.cursor() as cursor:
        for sql in paged:
            cursor.execute("EXPLAIN " + sql)
            assert_no_case_table_scan("\n".join(row[0] for row in cursor.fetchall()))
