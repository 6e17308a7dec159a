"""The intake inbox: for intake coordinators and supervisors, most urgent and oldest first,
with the time left against the deadline, at a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from referrals import selectors, workflow
from referrals.models import Referral
from tests.factories import ReferralFactory


@pytest.mark.parametrize("persona", ["ivy", "sam", "sofia"])
@pytest.mark.django_db
def test_intake_and_supervisors_see_the_inbox(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("referral-inbox")).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "carol", "mo", "pat", "audrey", "adam", "root"])
@pytest.mark.django_db
def test_nobody_else_does(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("referral-inbox")).status_code == 403


@pytest.mark.django_db
def test_it_orders_by_urgency_then_age_and_shows_only_what_awaits_a_decision(client, ivy):
    now = timezone.now()
    old_routine = ReferralFactory(urgency="routine", received_at=now - datetime.timedelta(days=3))
    new_routine = ReferralFactory(urgency="routine", received_at=now - datetime.timedelta(hours=1))
    priority = ReferralFactory(urgency="priority", received_at=now - datetime.timedelta(hours=2))
    immediate = ReferralFactory(urgency="immediate", received_at=now)
    escalated = ReferralFactory(urgency="immediate", received_at=now - datetime.timedelta(days=1),
                                status=Referral.Status.ESCALATED)
    decided = ReferralFactory(status=Referral.Status.DECLINED)
    client.force_login(ivy)
    body = client.get(reverse("referral-inbox")).content.decode()
    order = [escalated, immediate, priority, old_routine, new_routine]
    positions = [body.index(r.reference) for r in order]
    assert positions == sorted(positions)
    assert decided.reference not in body
    assert body.count("usa-tag bg-secondary-dark") == 2  # immediate risk flagged


@pytest.mark.django_db
def test_it_shows_the_time_left_and_what_is_overdue(client, ivy):
    with freeze_time("2026-03-02 09:00:00"):  # Monday; due Wednesday 09:00
        late = ReferralFactory()
    with freeze_time("2026-03-04 08:00:00"):
        fresh = ReferralFactory()  # due Friday 08:00
    with freeze_time("2026-03-04 15:00:00"):
        rows = {row.referral.pk: row for row in selectors.intake_inbox(ivy)}
        client.force_login(ivy)
        body = client.get(reverse("referral-inbox")).content.decode()
    assert rows[late.pk].is_overdue and rows[late.pk].days_and_hours == (0, 6)
    assert not rows[fresh.pk].is_overdue and rows[fresh.pk].days_and_hours == (1, 17)
    assert "Overdue by 0 d 6 h" in body and "1 d 17 h left" in body


@pytest.mark.django_db
def test_it_reports_decisions_against_the_deadline(ivy):
    with freeze_time("2026-03-02 09:00:00"):
        in_time, late = ReferralFactory(), ReferralFactory()
    with freeze_time("2026-03-03 09:00:00"):
        workflow.screen_referral(in_time, "decline", actor=ivy, reason="No.")
    with freeze_time("2026-03-05 09:00:00"):
        workflow.screen_referral(late, "decline", actor=ivy, reason="No.")
        performance = selectors.screening_performance(ivy)
    assert (performance.decided, performance.in_time, performance.percent_in_time) == (2, 1, 50)


def _inbox_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("referral-inbox")).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_it_costs_the_same_number_of_queries_for_5_and_50_referrals(client, ivy):
    ReferralFactory.create_batch(5)
    five = _inbox_queries(client, ivy)
    ReferralFactory.create_batch(45, urgency="priority")
    fifty = _inbox_queries(client, ivy)
    assert five == fifty
    assert len(selectors.intake_inbox(ivy)) == 50


@pytest.mark.django_db
def test_the_dashboard_lists_what_the_inbox_lists_escalated_referrals_included(client, ivy):
    """One inbox: the dashboard's "awaiting a case" list is the intake queue, not a copy."""
    escalated = ReferralFactory(urgency="immediate", status=Referral.Status.ESCALATED)
    new = ReferralFactory(urgency="routine")
    decided = ReferralFactory(status=Referral.Status.DECLINED)
    client.force_login(ivy)
    listed = list(client.get(reverse("dashboard")).context["inbox"])
    assert listed == list(selectors.intake_queue(ivy)) == [escalated, new]
    assert decided not in listed
