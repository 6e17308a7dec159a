"""The caseload: only what you may see, and a constant number of queries however long it is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import selectors
from tests.factories import CaseFactory


def _dashboard_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_it_costs_the_same_number_of_queries_for_5_and_50_cases(client, alice, north):
    CaseFactory.create_batch(5, team=north, caseworker=alice)
    five = _dashboard_queries(client, alice)
    CaseFactory.create_batch(45, team=north, caseworker=alice)
    fifty = _dashboard_queries(client, alice)
    assert five == fifty
    assert len(selectors.caseload_for(alice)) == 50


@pytest.mark.django_db
def test_the_supervisor_team_view_is_constant_too(client, sam, alice, bob, north):
    CaseFactory.create_batch(3, team=north, caseworker=alice)
    CaseFactory.create_batch(2, team=north, caseworker=bob)
    five = _dashboard_queries(client, sam)
    CaseFactory.create_batch(45, team=north, caseworker=bob)
    fifty = _dashboard_queries(client, sam)
    assert five == fifty


@pytest.mark.django_db
def test_it_lists_only_the_caseworkers_own_cases(client, alice, bob, north):
    mine = CaseFactory(team=north, caseworker=alice)
    theirs = CaseFactory(team=north, caseworker=bob)
    client.force_login(alice)
    body = client.get(reverse("dashboard")).content.decode()
    assert mine.reference in body
    assert theirs.reference not in body


@pytest.mark.django_db
def test_it_flags_a_stage_past_its_time_limit_as_overdue(alice, north):
    from datetime import timedelta

    from django.utils import timezone

    old = CaseFactory(team=north, caseworker=alice,
                      stage_entered_at=timezone.now() - timedelta(days=10))
    fresh = CaseFactory(team=north, caseworker=alice)
    rows = {row.case.pk: row for row in selectors.caseload_for(alice)}
    assert rows[old.pk].is_overdue
    assert rows[old.pk].days_in_stage == 10
    assert not rows[fresh.pk].is_overdue
