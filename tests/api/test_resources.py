"""REST resources behave as the pages: field-by-field 400 that changes nothing, case reads on
the access log, writes through the workflow and audited, and lists whose query count does not
grow with their length."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Case
from referrals.models import ProviderReferral, ProviderReferralEvent, Referral
from tests.api.conftest import caller, token_for
from tests.factories import CaseFactory, ServiceFactory, sent_provider_referral

GOOD_REFERRAL = {"source": "school", "referrer_name": "Test Referrer",
                 "referrer_contact": "referrer@example.org", "first_name": "Testfirst",
                 "last_name": "Testlast", "pathway": "prevention", "urgency": "routine",
                 "concern": "Test concern.", "awareness": "consents", "concerns": ["other"]}


def test_a_partner_system_sends_a_referral_and_reads_back_status_only(riverside_client):
    api = caller(riverside_client[1], "Api-Key")
    made = api.post("/api/v1/referrals/", GOOD_REFERRAL, format="json")
    assert made.status_code == 201
    referral = Referral.objects.get()
    assert (referral.channel, referral.entered_by) == ("partner", riverside_client[0].account)
    read = api.get(f"/api/v1/referrals/{referral.reference}/").json()
    assert set(read) == {"reference", "received_at", "pathway", "urgency", "acknowledgement"}
    assert "Testfirst" not in str(read)


def test_bad_input_is_a_field_by_field_400_that_changes_nothing(riverside_client):
    api = caller(riverside_client[1], "Api-Key")
    bad = {**GOOD_REFERRAL, "pathway": "nowhere", "date_of_birth": "not a date"}
    del bad["first_name"]
    response = api.post("/api/v1/referrals/", bad, format="json")
    assert response.status_code == 400
    assert {"pathway", "date_of_birth", "first_name"} <= set(response.json())
    assert Referral.objects.count() == 0


def test_a_case_read_is_an_access_entry(alice, alices_case):
    response = caller(token_for(alice)).get(f"/api/v1/cases/{alices_case.reference}/")
    assert response.status_code == 200
    assert response.json()["person"] == alices_case.person.full_name
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS,
                                    additional_data__part="case page").get()
    assert (entry.object_repr, entry.actor) == (alices_case.reference, alice)
    assert entry.additional_data["relation"] == "assigned"


def test_the_caseload_list_shows_no_names_and_writes_no_read(alice, alices_case):
    response = caller(token_for(alice)).get("/api/v1/cases/")
    assert [row["reference"] for row in response.json()["results"]] == [alices_case.reference]
    assert alices_case.person.first_name not in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__part="case page").exists()


def test_a_provider_action_goes_through_the_workflow_and_is_audited(riverside_client,
                                                                   riverside_referral):
    api = caller(riverside_client[1], "Api-Key")
    url = f"/api/v1/provider-referrals/{riverside_referral.reference}/actions/"
    refused = api.post(url, {"action": "reject"}, format="json")  # no reason
    assert refused.status_code == 400 and "detail" in refused.json()
    stale = api.post(url, {"action": "accept", "expected_status": "accepted"}, format="json")
    assert stale.status_code == 409
    accepted = api.post(url, {"action": "accept", "expected_status": "requested"},
                        format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    event = ProviderReferralEvent.objects.filter(referral=riverside_referral).latest("pk")
    assert (event.name, event.actor) == ("accept", riverside_client[0].account)


def _count_queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/v1/provider-referrals/", "/api/v1/fhir/Task"])
def test_provider_lists_cost_the_same_at_one_or_many(url, riverside_client, alice, north,
                                                    riverside):
    api = caller(riverside_client[1], "Api-Key")
    service = ServiceFactory(organization=riverside, category="mentoring")

    def more(n):
        for _ in range(n):
            case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)
            sent_provider_referral(case, service, by=alice)

    more(1)
    one = _count_queries(api, url)
    more(6)
    assert ProviderReferral.objects.count() == 7
    assert _count_queries(api, url) == one


def test_the_caseload_costs_the_same_at_one_or_many(alice, north):
    api = caller(token_for(alice))
    CaseFactory(team=north, caseworker=alice)
    one = _count_queries(api, "/api/v1/cases/")
    for _ in range(6):
        CaseFactory(team=north, caseworker=alice)
    assert _count_queries(api, "/api/v1/cases/") == one


def test_the_auditor_searches_the_log_and_is_audited(audrey, alice, alices_case):
    caller(token_for(alice)).get(f"/api/v1/cases/{alices_case.reference}/")
    response = caller(token_for(audrey)).get(
        f"/api/v1/audit/entries/?reference={alices_case.reference}&action=access")
    assert response.status_code == 200
    assert [row["actor"] for row in response.json()["results"]] == ["alice"]
    assert LogEntry.objects.filter(additional_data__event="audit_looked", actor=audrey).exists()




def test_the_browsable_api_needs_a_session_past_the_second_factor(client, alice, alices_case):
    from casework.accounts import mfa

    client.force_login(alice)  # password and second factor
    page = client.get("/api/v1/cases/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and alices_case.reference in page.content.decode()

    session = client.session
    session.pop(mfa.SESSION_VERIFIED_AT)
    session.save()
    refused = client.get("/api/v1/cases/", HTTP_ACCEPT="application/json")
    assert refused.status_code == 401
