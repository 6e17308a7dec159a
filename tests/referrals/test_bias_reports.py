"""Bias-incident reports: a public form (anonymous allowed), staff triage, and a landscape for
the management team where small numbers are suppressed."""

import datetime
import logging
import re

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from referrals import selectors, workflow
from referrals.models import BiasIncident, BiasIncidentTriage
from tests.factories import ReferralFactory

URL = "/referrals/bias-report/"

VALID = {
    "kind": "harassment",
    "motivation": "religion",
    "occurred_on": "2026-11-20",
    "neighbourhood": "Riverside",
    "reported_to_police": "no",
    "description": "Shouted at outside the community centre.",
    "contact_name": "",
    "contact_details": "",
}


@pytest.fixture(autouse=True)
def _today():
    with freeze_time("2026-11-25 12:00:00"):
        yield


def _incident(**fields):
    data = {"kind": "threat", "motivation": "race", "occurred_on": datetime.date(2026, 11, 1),
            "neighbourhood": "Harbor", "reported_to_police": "yes", **fields}
    return BiasIncident.objects.create(**data)


# The public form ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_is_public_and_says_to_call_911(client):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Call 911" in body and "anonymously" in body
    for label in ("Race, ethnicity or ancestry", "Religion", "Sexual orientation", "Disability",
                  "Gender", "Gender identity"):
        assert label in body


@pytest.mark.django_db
def test_an_anonymous_report_creates_one_record_and_shows_a_reference(client):
    response = client.post(URL, VALID)
    assert response.status_code == 302 and response["Location"] == reverse("bias-report-sent")
    incident = BiasIncident.objects.get()
    assert incident.is_anonymous and incident.status == "received"
    assert (incident.kind, incident.motivation, incident.neighbourhood) == (
        "harassment", "religion", "Riverside")
    page = client.get(response["Location"]).content.decode()
    assert re.search(rf'id="reference">{incident.reference}<', page)
    assert "community centre" not in page  # nothing echoed back


@pytest.mark.django_db
def test_contact_details_are_optional_and_encrypted(client):
    client.post(URL, {**VALID, "contact_name": "Canaryreporter",
                      "contact_details": "canary-reporter@example.invalid"})
    incident = BiasIncident.objects.get()
    assert not incident.is_anonymous and incident.contact_name == "Canaryreporter"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_biasincident")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "Canaryreporter" not in row and "community centre" not in row


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": ""}, "This field is required."),
        ({"motivation": "politics"}, "Select a valid choice."),
        ({"occurred_on": "2026-12-01"}, "cannot be in the future"),
        ({"occurred_on": "2015-01-01"}, "within the last five years"),
        ({"neighbourhood": "12 Main Street"}, "Select a valid choice."),  # never an address
        ({"reported_to_police": ""}, "This field is required."),
        ({"description": "x" * 5001}, "at most 5000 characters"),
    ],
)
@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_and_creates_nothing(client, change, message):
    response = client.post(URL, {**VALID, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BiasIncident.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_is_refused(client):
    assert client.post(URL, {**VALID, "website": "x"}).status_code == 400
    assert not BiasIncident.objects.exists()


@pytest.mark.django_db
def test_it_is_rate_limited(client, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = (2, 3600)
    assert client.post(URL, VALID).status_code == 302
    assert client.post(URL, VALID).status_code == 302
    assert client.post(URL, VALID).status_code == 429
    assert BiasIncident.objects.count() == 2
    assert LogEntry.objects.filter(additional_data__form="bias").count() == 1
    # The referral form has its own allowance.
    assert client.get("/referrals/public/").status_code == 200


@pytest.mark.django_db
def test_nothing_personal_reaches_the_url_the_logs_or_the_audit_log(client, caplog):
    caplog.set_level(logging.DEBUG)
    canaries = {"contact_name": "Zorblecanary", "contact_details": "zorble@example.invalid",
                "description": "CANARY-BIAS-9012 happened"}
    response = client.post(URL, {**VALID, **canaries})
    audit = " ".join(f"{e.object_repr} {e.changes}" for e in LogEntry.objects.all())
    for canary in canaries.values():
        for place in (response["Location"], caplog.text, audit):
            assert canary not in place


# Triage ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_triage_each_report_with_a_history(client, ivy):
    incident = _incident()
    client.force_login(ivy)
    url = reverse("bias-triage", args=[incident.reference])
    assert client.post(url, {"action": "log", "note": "Pattern in Harbor."}).status_code == 302
    assert client.post(url, {"action": "refer_to_police"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "referred_to_police"
    steps = list(BiasIncidentTriage.objects.order_by("at", "pk")
                 .values_list("name", "source", "target", "actor__username"))
    assert steps == [("log", "received", "logged", "ivy"),
                     ("refer_to_police", "logged", "referred_to_police", "ivy")]
    # Out of order: logging it again is refused and changes nothing.
    refused = client.post(url, {"action": "log"})
    assert refused.status_code == 400
    assert "not possible" in refused.content.decode()
    page = client.get(reverse("bias-detail", args=[incident.reference])).content.decode()
    assert "Pattern in Harbor." in page
    assert LogEntry.objects.get_for_object(incident).filter(action=LogEntry.Action.ACCESS,
                                                            actor=ivy).exists()


@pytest.mark.django_db
def test_a_report_can_be_turned_into_a_referral(client, sam):
    incident = _incident()
    referral = ReferralFactory()
    client.force_login(sam)
    url = reverse("bias-triage", args=[incident.reference])
    missing = client.post(url, {"action": "make_referral"})
    assert missing.status_code == 400 and "Enter the reference" in missing.content.decode()
    wrong = client.post(url, {"action": "make_referral", "referral_reference": "R-ZZZZZZZZ"})
    assert wrong.status_code == 400
    assert client.post(url, {"action": "make_referral",
                             "referral_reference": referral.reference}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "referral" and incident.referral == referral
    assert client.post(url, {"action": "close"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed"


@pytest.mark.parametrize("persona", ["alice", "mo", "pat", "audrey", "adam"])
@pytest.mark.django_db
def test_only_intake_and_supervisors_triage(request, persona):
    incident = _incident()
    with pytest.raises(Exception) as error:
        workflow.triage_bias_incident(incident, "log", actor=request.getfixturevalue(persona))
    assert error.type.__name__ == "PermissionDenied"
    assert not BiasIncidentTriage.objects.exists()


def _list_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("bias-list")).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_triage_list_costs_the_same_for_5_and_50_reports(client, ivy):
    for _ in range(5):
        _incident()
    five = _list_queries(client, ivy)
    for _ in range(45):
        _incident()
    assert _list_queries(client, ivy) == five


# The landscape ---------------------------------------------------------------------------------


def _cells(body, table_id) -> dict[str, str]:
    table = body[body.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td data-count>([^<]+)</td>', table))


@pytest.mark.django_db
def test_the_landscape_shows_counts_with_cells_under_5_as_less_than_5(client, sam):
    for _ in range(7):
        _incident(motivation="race", kind="assault", occurred_on=datetime.date(2026, 10, 3))
    for _ in range(4):
        _incident(motivation="religion", kind="assault", occurred_on=datetime.date(2026, 10, 9))
    for _ in range(6):
        _incident(motivation="disability", kind="vandalism",
                  occurred_on=datetime.date(2026, 11, 2))
    _incident(motivation="gender", kind="online", occurred_on=datetime.date(2026, 11, 3))
    _incident(motivation="race", occurred_on=datetime.date(2025, 10, 31))  # outside 12 months
    client.force_login(sam)
    body = client.get(reverse("bias-landscape")).content.decode()

    by_motivation = _cells(body, "by-motivation")
    assert by_motivation["Race, ethnicity or ancestry"] == "7"
    assert by_motivation["Disability"] == "6"
    assert by_motivation["Religion"] == "&lt;5"  # 4
    assert by_motivation["Gender"] == "&lt;5"  # 1
    assert by_motivation["Sexual orientation"] == "&lt;5"  # 0 is a small number too
    by_kind = _cells(body, "by-kind")
    assert by_kind["Physical assault"] == "11" and by_kind["Vandalism or graffiti"] == "6"
    assert by_kind["Online abuse"] == "&lt;5"
    by_month = _cells(body, "by-month")
    assert by_month["Oct 2026"] == "11" and by_month["Nov 2026"] == "7"
    assert by_month["Sep 2026"] == "&lt;5"
    assert "18 in all" in body
    # No single report, reference or neighbourhood is on the page.
    assert "B-" not in body and "Harbor" not in body


@pytest.mark.django_db
def test_a_single_small_cell_cannot_be_worked_out_from_the_total(client, sam):
    """Motivation 7 + 3 with total 10: hiding only the 3 would give it away as 10 - 7."""
    for _ in range(7):
        _incident(motivation="race", kind="threat")
    for _ in range(3):
        _incident(motivation="religion", kind="threat")
    for _ in range(5):
        _incident(motivation="disability", kind="threat", occurred_on=datetime.date(2026, 10, 1))
    landscape = selectors.bias_landscape()
    shown = {cell.label: cell.shown for cell in landscape.by_motivation}
    # Religion (3) and every other small category are "<5" already, so there are many
    # suppressed cells here: nothing more to withhold.
    assert shown["Religion"] == "<5" and shown["Race, ethnicity or ancestry"] == "7"
    cells = selectors.suppress([("a", 7), ("b", 3), ("c", 12)])
    assert [c.shown for c in cells] == ["—", "<5", "12"]  # the next smallest is withheld
    assert [c.shown for c in selectors.suppress([("a", 5), ("b", 9)])] == ["5", "9"]
    assert [c.shown for c in selectors.suppress([("a", 4), ("b", 0)])] == ["<5", "<5"]


@pytest.mark.django_db
def test_with_fewer_than_5_reports_everything_is_suppressed(client, sam):
    for _ in range(3):
        _incident()
    landscape = selectors.bias_landscape()
    assert landscape.total == "<5"
    assert {cell.shown for cell in landscape.by_month + landscape.by_motivation +
            landscape.by_kind} == {"<5"}


@pytest.mark.django_db
def test_the_landscape_costs_three_queries_whatever_the_number_of_reports(sam):
    for _ in range(30):
        _incident()
    with CaptureQueriesContext(connection) as queries:
        selectors.bias_landscape()
    assert len(queries) == 3


@pytest.mark.parametrize("persona", ["sam", "sofia"])
@pytest.mark.django_db
def test_the_management_team_sees_the_landscape(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("bias-landscape")).status_code == 200


@pytest.mark.parametrize("persona", ["ivy", "alice", "mo", "pat", "audrey", "adam"])
@pytest.mark.django_db
def test_nobody_else_does(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("bias-landscape")).status_code == 403


@pytest.mark.django_db
def test_reports_are_not_in_the_timezone_trap(client):
    """occurred_on is a date: a report late on the last day of a month counts in that month."""
    with freeze_time("2026-10-31 23:30:00"):
        _incident(occurred_on=timezone.localdate())
    landscape = selectors.bias_landscape()
    assert {str(c.label): c.count for c in landscape.by_month}["2026-10-01"] == 1
