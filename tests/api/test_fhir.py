"""FHIR R4 exchange of provider referrals: Task and ServiceRequest validate with fhir.resources
R4B, the IG's examples parse and map, a receiving system moves the referral through the same
workflow (timeline and audit log), another organisation's Task is 404, and consent or the
agreement gate what a read shows."""

import json
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from api.fhir import codes, mapping
from casework.models import Consent
from casework.selectors import case_timeline
from referrals.models import ProviderReferralEvent
from tests.api.conftest import caller

EXAMPLES = Path(__file__).parent / "fhir_examples"
FHIR = "/api/v1/fhir"


def _api(riverside_client):
    return caller(riverside_client[1], "Api-Key")


def _put_status(api, referral, status, *, reason="", outcome=""):
    task = api.get(f"{FHIR}/Task/{referral.reference}").json()
    task["status"] = status
    if reason:
        task["statusReason"] = {"coding": [codes.coding("provider-referral-reason", reason)]}
    if outcome:
        task["output"] = [{"type": {"text": "outcome"}, "valueCodeableConcept": {
            "coding": [codes.coding("provider-referral-outcome", outcome)]}}]
    return api.put(f"{FHIR}/Task/{referral.reference}", json.dumps(task),
                   content_type="application/fhir+json")


def test_the_task_and_service_request_validate_as_r4(riverside_client, riverside_referral):
    api = _api(riverside_client)
    task = api.get(f"{FHIR}/Task/{riverside_referral.reference}")
    request = api.get(f"{FHIR}/ServiceRequest/{riverside_referral.reference}")
    assert task.status_code == request.status_code == 200
    assert task["Content-Type"].startswith("application/fhir+json")
    parsed = Task.model_validate(task.json())
    assert parsed.status == "requested" and parsed.intent == "order"
    assert parsed.focus.reference == f"ServiceRequest/{riverside_referral.reference}"
    service_request = ServiceRequest.model_validate(request.json())
    assert service_request.status == "active"
    assert any("a mentor" in note.text for note in service_request.note)
    assert service_request.supportingInfo[0].reference.startswith("Consent/")


def test_the_igs_examples_parse_and_map():
    """The SDOH CC IG's own Task and ServiceRequest parse as R4B; their status maps."""
    task = json.loads((EXAMPLES / "SDOHCC-Task-OrderFulfillment-Example-1.json").read_text())
    request = json.loads(
        (EXAMPLES / "SDOHCC-ServiceRequest-HungerVitalSign-Example-1.json").read_text())
    assert Task.model_validate(task).status == "accepted"
    assert ServiceRequest.model_validate(request).intent == "order"
    assert task["status"] in codes.TASK_STATUSES
    assert mapping.ACTION_FOR_STATUS[task["status"]] == "accept"

    class Requested:  # the example Task as an update to a referral awaiting an answer
        reference = task["id"]
        status = "requested"

    assert mapping.change_asked(Requested, task) == {
        "action": "accept", "reason": "", "outcome": "", "note": ""}


def test_a_receiving_system_accepts_starts_and_completes(riverside_client, riverside_referral,
                                                        alice):
    api = _api(riverside_client)
    assert _put_status(api, riverside_referral, "accepted").status_code == 200
    assert _put_status(api, riverside_referral, "in-progress").status_code == 200
    done = _put_status(api, riverside_referral, "completed", outcome="goal_met")
    assert done.status_code == 200
    body = Task.model_validate(done.json())
    assert body.status == "completed"
    assert body.output[0].valueCodeableConcept.coding[0].code == "goal_met"

    riverside_referral.refresh_from_db()
    assert (riverside_referral.status, riverside_referral.outcome) == ("completed", "goal_met")
    account = riverside_client[0].account
    moves = list(ProviderReferralEvent.objects.filter(referral=riverside_referral)
                 .order_by("pk").values_list("name", "actor_id"))
    assert moves == [("send", alice.pk), ("accept", account.pk), ("start", account.pk),
                     ("complete", account.pk)]
    timeline = case_timeline(riverside_referral.case, alice)
    assert sum(entry.kind == "provider_referral" for entry in timeline) == 4
    changes = LogEntry.objects.filter(
        content_type__model="providerreferral", object_pk=str(riverside_referral.pk),
        action=LogEntry.Action.UPDATE, actor=account)
    assert changes.count() == 3


def test_a_receiving_system_fails_one_with_a_coded_reason(riverside_client, riverside_referral):
    api = _api(riverside_client)
    _put_status(api, riverside_referral, "accepted")
    failed = _put_status(api, riverside_referral, "failed", reason="could_not_contact")
    assert failed.status_code == 200
    assert failed.json()["statusReason"]["coding"][0]["code"] == "could_not_contact"
    riverside_referral.refresh_from_db()
    assert riverside_referral.status_reason == "could_not_contact"


def test_json_patch_declines_with_a_reason(riverside_client, riverside_referral):
    api = _api(riverside_client)
    patch = [{"op": "replace", "path": "/status", "value": "rejected"},
             {"op": "add", "path": "/statusReason", "value": {
                 "coding": [codes.coding("provider-referral-reason", "no_capacity")]}}]
    response = api.patch(f"{FHIR}/Task/{riverside_referral.reference}", json.dumps(patch),
                         content_type="application/json-patch+json")
    assert response.status_code == 200, response.json()
    riverside_referral.refresh_from_db()
    assert (riverside_referral.status, riverside_referral.status_reason) == (
        "rejected", "no_capacity")


@pytest.mark.parametrize(("status", "reason"), [
    ("rejected", ""),  # a decline needs a coded reason
    ("completed", ""),  # not in progress yet
    ("draft", ""),  # not the receiver's to set
    ("bogus", ""),
])
def test_a_refused_update_is_an_operation_outcome_and_changes_nothing(
        status, reason, riverside_client, riverside_referral):
    api = _api(riverside_client)
    response = _put_status(api, riverside_referral, status, reason=reason)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    riverside_referral.refresh_from_db()
    assert riverside_referral.status == "requested"
    assert ProviderReferralEvent.objects.filter(referral=riverside_referral).count() == 1


def test_another_organisations_task_is_404_like_a_missing_one(riverside_client,
                                                              elsewhere_referral):
    api = _api(riverside_client)
    for url in (f"{FHIR}/Task/{elsewhere_referral.reference}",
                f"{FHIR}/ServiceRequest/{elsewhere_referral.reference}"):
        assert api.get(url).status_code == 404
    missing = api.get(f"{FHIR}/Task/PR-ZZZZZZZZ")
    assert missing.status_code == 404
    other = api.put(f"{FHIR}/Task/{elsewhere_referral.reference}",
                    json.dumps({"resourceType": "Task", "status": "accepted",
                                "intent": "order"}), content_type="application/fhir+json")
    assert other.status_code == 404 and other.json() == missing.json()
    elsewhere_referral.refresh_from_db()
    assert elsewhere_referral.status == "requested"


def test_task_search_lists_only_the_organisations_tasks(riverside_client, riverside_referral,
                                                       elsewhere_referral):
    bundle = _api(riverside_client).get(f"{FHIR}/Task?status=requested").json()
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "searchset" and parsed.total == 1
    assert [entry.resource.id for entry in parsed.entry] == [riverside_referral.reference]


def test_withdrawn_consent_leaves_no_personal_data_on_the_next_read(
        riverside_client, riverside_referral):
    api = _api(riverside_client)
    url = f"{FHIR}/ServiceRequest/{riverside_referral.reference}"
    assert "a mentor" in api.get(url).content.decode()
    Consent.objects.filter(case=riverside_referral.case).update(withdrawn_at=timezone.now())

    after = api.get(url)

    assert after.status_code == 200
    body = after.content.decode()
    assert "a mentor" not in body and "note" not in after.json()
    assert "supportingInfo" not in after.json()
    # ...and the provider cannot move it any more.
    assert _put_status(api, riverside_referral, "accepted").status_code == 403


def test_a_lapsed_agreement_gates_it_too(riverside_client, riverside_referral, riverside):
    riverside.agreement_status = "ended"
    riverside.save()
    response = _api(riverside_client).get(
        f"{FHIR}/ServiceRequest/{riverside_referral.reference}")
    assert "a mentor" not in response.content.decode()


def test_reading_the_shared_summary_is_an_access_entry(riverside_client, riverside_referral):
    _api(riverside_client).get(f"{FHIR}/ServiceRequest/{riverside_referral.reference}")
    read = LogEntry.objects.filter(action=LogEntry.Action.ACCESS,
                                   additional_data__part="provider summary").get()
    assert read.object_repr == riverside_referral.case.reference
    assert read.actor == riverside_client[0].account


@pytest.mark.parametrize("name", sorted(codes.LOCAL))
def test_the_local_code_systems_are_published(name, riverside_client):
    response = _api(riverside_client).get(f"{FHIR}/CodeSystem/{name}")
    system = CodeSystem.model_validate(response.json())
    assert system.url == codes.system_url(name)
    assert {concept.code for concept in system.concept} == set(codes.LOCAL[name][1].values)
