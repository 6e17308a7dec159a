"""The provider portal: provider staff see only their organisation's referrals and only the
shared summary, never a case; every read of a summary is on the access log.

pat works for the mentoring organisation; quinn for another provider.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Assessment, Case, CaseNote
from referrals import outgoing
from tests.factories import (
    CaseFactory,
    ServiceFactory,
    sent_provider_referral,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def housing(quinn):
    org = quinn.provider_memberships.get().organization
    return ServiceFactory(organization=org, name="Housing help", category="housing")


@pytest.fixture
def case(alice, north):
    return CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)


@pytest.fixture
def referral(case, mentoring, alice):
    return sent_provider_referral(case, mentoring, by=alice)


def test_provider_staff_see_only_their_organisations_referrals(
    client, case, referral, housing, alice, pat, quinn
):
    elsewhere = sent_provider_referral(case, housing, by=alice)
    client.force_login(pat)
    body = client.get(reverse("provider-referral-portal")).content.decode()
    assert referral.reference in body and elsewhere.reference not in body


@pytest.mark.parametrize("route", ["provider-referral-detail", "provider-referral-act",
                                   "provider-referral-attendance"])
def test_another_organisations_staff_get_404(client, referral, quinn, route):
    client.force_login(quinn)
    url = reverse(route, args=[referral.reference])
    response = client.get(url) if route == "provider-referral-detail" else client.post(
        url, {"action": "accept", "expected_status": "requested"})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == "requested"


def test_provider_staff_never_reach_a_case_an_assessment_or_a_note(client, referral, alice, pat):
    case = referral.case
    assessment = Assessment.objects.create(case=case, completed_by=alice, risk_level="low",
                                           completed_at=timezone.now())
    note = CaseNote.objects.create(case=case, author=alice, text="Test note.")
    client.force_login(pat)
    for url in (
        reverse("case-detail", args=[case.reference]),
        reverse("case-assessment-detail", args=[case.reference, assessment.pk]),
        reverse("case-note-detail", args=[case.reference, note.pk]),
        reverse("case-plan", args=[case.reference]),
        reverse("provider-referral-new", args=[case.reference]),
    ):
        response = client.get(url) if "note" in url or "assessment" in url or url.endswith(
            f"{case.reference}/") else client.post(url, {})
        assert response.status_code in (404, 405), url
        assert response.status_code != 200


def test_every_read_of_the_summary_is_on_the_access_log(client, referral, pat):
    client.force_login(pat)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = client.get(referral.get_absolute_url())
    client.get(referral.get_absolute_url())
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")[before:]
    assert len(entries) == 2
    entry = entries[0]
    assert entry.actor == pat
    assert entry.object_repr == referral.case.reference  # logged against the case
    assert entry.additional_data["part"] == "provider summary"
    assert entry.additional_data["record"] == f"providerreferral {referral.pk}"
    assert entry.additional_data["relation"] == "provider"
    assert entry.cid == response["X-Request-ID"]


def test_a_withdrawn_referral_is_not_logged_as_read(client, referral, alice, pat):
    from casework import workflow

    workflow.withdraw_consent(referral.case.consents.get(), actor=alice)
    client.force_login(pat)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    client.get(referral.get_absolute_url())
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


def test_the_provider_accepts_and_records_attendance_and_outcome_through_the_pages(
    client, referral, pat
):
    client.force_login(pat)
    act = reverse("provider-referral-act", args=[referral.reference])
    assert client.post(act, {"action": "accept", "expected_status": "requested"}).status_code == 302
    assert client.post(act, {"action": "start", "expected_status": "accepted"}).status_code == 302
    attendance = reverse("provider-referral-attendance", args=[referral.reference])
    today = timezone.localdate()
    assert client.post(attendance, {"on": today.isoformat(), "attended": "yes"}).status_code == 302
    future = (today + datetime.timedelta(days=3)).isoformat()
    assert client.post(attendance, {"on": future, "attended": "no"}).status_code == 400
    response = client.post(act, {"action": "complete", "expected_status": "in-progress"})
    assert response.status_code == 400 and "Choose the outcome." in response.content.decode()
    assert client.post(act, {"action": "complete", "expected_status": "in-progress",
                             "outcome": "goal_met"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("completed", "goal_met")
    assert list(referral.attendance.values_list("attended", flat=True)) == [True]


def test_the_caseworker_cannot_record_attendance(client, referral, pat, alice):
    outgoing.accept(referral, actor=pat)
    client.force_login(alice)
    response = client.post(reverse("provider-referral-attendance", args=[referral.reference]),
                           {"on": timezone.localdate().isoformat(), "attended": "yes"})
    assert response.status_code == 403
    assert referral.attendance.count() == 0


def test_the_portal_links_to_the_partner_referral_form(client, pat, mentoring):
    client.force_login(pat)
    body = client.get(reverse("provider-referral-portal")).content.decode()
    assert reverse("referral-partner-new") in body
    assert client.get(reverse("referral-partner-new")).status_code == 200


def test_overdue_referrals_show_first_on_both_sides(client, referral, case, mentoring, alice,
                                                     pat):
    on_time = sent_provider_referral(case, mentoring, by=alice, consent=False)
    referral.respond_by = timezone.now() - datetime.timedelta(hours=1)
    referral.save(update_fields=["respond_by"])
    for user, route, table in ((pat, "provider-referral-portal", "portal-referrals"),
                               (alice, "provider-referral-sent", "sent-referrals")):
        client.force_login(user)
        body = client.get(reverse(route)).content.decode()
        overdue_table = body.split('id="overdue-referrals"')[1].split("</table>")[0]
        assert referral.reference in overdue_table, user
        assert on_time.reference not in overdue_table, user


def _portal_queries(client, user, route):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(route)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("route,who", [("provider-referral-portal", "pat"),
                                       ("provider-referral-sent", "alice")])
def test_the_lists_cost_the_same_at_two_sizes(client, case, mentoring, alice, pat, route, who):
    user = {"pat": pat, "alice": alice}[who]
    sent_provider_referral(case, mentoring, by=alice)
    small = _portal_queries(client, user, route)
    for _ in range(10):
        sent_provider_referral(case, mentoring, by=alice, consent=False)
    large = _portal_queries(client, user, route)
    assert large == small, (small, large)


def test_the_portal_list_is_one_query_for_the_referrals(pat, case, mentoring, alice):
    from referrals import provider_selectors

    for _ in range(3):
        sent_provider_referral(case, mentoring, by=alice)
    pat.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        rows = provider_selectors.portal_rows(pat)
    assert len(rows) == 3 and all(row.shared for row in rows)
    assert len(queries) == 2  # the user's roles (cached after), then the list itself
