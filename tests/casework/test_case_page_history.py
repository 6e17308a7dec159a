"""A case page with a long history costs what a short one costs: the timeline shows the newest
entries with "Show older entries", and the lists beside it are bounded."""

import datetime

import pytest
from django.utils import timezone

from casework.models import Assessment, FollowUp, Task
from casework.selectors import TIMELINE_PAGE
from tests.casework.test_query_counts import count_queries, fill_timeline
from tests.factories import (
    CaseFactory,
    ServiceFactory,
    partner_organization,
    sent_provider_referral,
)

pytestmark = pytest.mark.django_db


def long_history(case, n, alice, sam, service):
    """n of every kind of record: what years of casework leave on one case."""
    fill_timeline(case, n, alice, sam)
    today = timezone.localdate()
    for i in range(n):
        Assessment.objects.create(case=case, risk_level="moderate", needs_summary="n",
                                  completed_by=alice, completed_at=timezone.now(),
                                  version=case.assessments.count() + 1)
        FollowUp.objects.create(case=case, kind="check_in", due_on=today + datetime.timedelta(i),
                                outcome=FollowUp.Outcome.SCHEDULED)
        Task.objects.create(case=case, owner=alice, kind="other", title=f"open {i}",
                            due_on=today + datetime.timedelta(days=i))
        sent_provider_referral(case, service, by=alice)


@pytest.fixture
def service(pat):
    return ServiceFactory(organization=partner_organization(staff=[pat]), category="mentoring")


def test_the_case_page_costs_the_same_with_a_long_history(client, alice, sam, north, service):
    case = CaseFactory(team=north, caseworker=alice, stage="service_plan")
    long_history(case, 3, alice, sam, service)
    short = count_queries(client, alice, case.get_absolute_url())
    long_history(case, 40, alice, sam, service)
    long = count_queries(client, alice, case.get_absolute_url())
    older = count_queries(client, alice, case.get_absolute_url() + "?timeline=3")
    print(f"\ncase page: {short} queries with 3 of each record, {long} with 43, {older} for "
          "three timeline pages")
    assert short == long == older


def test_the_timeline_shows_the_newest_entries_and_offers_older_ones(client, alice, sam, north,
                                                                     service):
    case = CaseFactory(team=north, caseworker=alice, stage="service_plan")
    long_history(case, 20, alice, sam, service)
    client.force_login(alice)
    first = client.get(case.get_absolute_url()).content.decode()
    timeline = first[first.index('id="timeline"'):]
    assert timeline.count("<li data-kind=") == TIMELINE_PAGE
    assert 'data-kind="opened"' not in timeline  # the oldest entry is on a later page
    assert '?timeline=2#timeline-heading' in first
    everything = client.get(case.get_absolute_url() + "?timeline=100").content.decode()
    assert 'data-kind="opened"' in everything and 'id="timeline-older"' not in everything


def test_a_bad_timeline_page_number_shows_the_first_page(client, alice, north):
    case = CaseFactory(team=north, caseworker=alice)
    client.force_login(alice)
    for value in ("0", "-1", "x", "99999999999999999999"):
        assert client.get(case.get_absolute_url(), {"timeline": value}).status_code == 200


def test_restricted_notes_stay_out_of_every_timeline_page(client, alice, sam, ivy, north):
    """Ivy (intake) sees the case at intake but not its restricted notes, on any page."""
    from casework import workflow

    case = CaseFactory(team=north, caseworker=alice, stage="intake")
    for i in range(TIMELINE_PAGE + 5):
        workflow.write_note(case, actor=alice, text=f"Restricted {i}.", sensitivity="restricted")
    client.force_login(ivy)
    body = client.get(case.get_absolute_url() + "?timeline=5").content.decode()
    assert "Restricted" not in body
