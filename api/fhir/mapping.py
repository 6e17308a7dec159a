"""A provider referral as FHIR R4 resources (SDOH Clinical Care IG, referral management):

    ProviderReferral        ServiceRequest (what is asked, of whom, the shared summary)
                            Task (its life: status, statusReason, output), focus = the request

The field-by-field mapping table is in docs/api.md ("FHIR mapping").

Nothing here reads what the access policy did not already hand over: the resources are built
from a referral that casework.access returned, with `side` and `sharing_active` set.
"""

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from api.fhir import codes
from casework.refusals import Refused
from referrals.models import ProviderReferral, covering_consents

Status = ProviderReferral.Status

# The action of referrals.outgoing that takes a referral to each Task.status a receiving
# system may set (in-progress is `resume` when the referral is on hold).
ACTION_FOR_STATUS = {
    Status.ACCEPTED: "accept",
    Status.REJECTED: "reject",
    Status.IN_PROGRESS: "start",
    Status.ON_HOLD: "hold",
    Status.COMPLETED: "complete",
    Status.FAILED: "fail",
    Status.CANCELLED: "cancel",
}
# ServiceRequest.status for each referral status (request-status: draft, active, revoked,
# completed).
REQUEST_STATUS = {
    Status.DRAFT: "draft", Status.REQUESTED: "active", Status.ACCEPTED: "active",
    Status.IN_PROGRESS: "active", Status.ON_HOLD: "on-hold", Status.COMPLETED: "completed",
    Status.FAILED: "revoked", Status.REJECTED: "revoked", Status.CANCELLED: "revoked",
}


def _base() -> str:
    return settings.SITE_URL.rstrip("/")


def _identifier(referral) -> dict:
    return {"system": f"{_base()}/provider-referral", "value": referral.reference}


def _subject(referral) -> dict:
    # The provider never learns the case or the person's record: the referral stands for them.
    return {"identifier": {"system": f"{_base()}/provider-referral-subject",
                           "value": referral.reference}}


def _organization(referral) -> dict:
    return {"reference": f"Organization/{referral.organization.hsds_id}",
            "display": referral.organization.name}


def _instant(value):
    return timezone.localtime(value).isoformat() if value else None


def is_shared(referral) -> bool:
    return referral.side == "sender" or bool(getattr(referral, "sharing_active", False))


def task_for(referral) -> dict:
    """The referral's Task, validated with fhir.resources R4B."""
    task = {
        "resourceType": "Task",
        "id": referral.reference,
        "meta": {"profile": [codes.TASK_PROFILE],
                 "lastUpdated": _instant(referral.status_changed_at)},
        "identifier": [_identifier(referral)],
        "status": referral.status,
        "intent": "order",
        "code": {"coding": [{"system": codes.TASK_CODE_SYSTEM, "code": "fulfill",
                             "display": "Fulfill the focal request"}]},
        "focus": {"reference": f"ServiceRequest/{referral.reference}"},
        "for": _subject(referral),
        "authoredOn": _instant(referral.sent_at),
        "lastModified": _instant(referral.status_changed_at),
        "owner": _organization(referral),
    }
    if referral.status_reason:
        task["statusReason"] = {"coding": [codes.coding("provider-referral-reason",
                                                        referral.status_reason)]}
    if referral.outcome:
        task["output"] = [{
            "type": {"coding": [{"system": codes.SDOHCC_TEMPORARY, "code": "resulting-activity",
                                 "display": "Resulting Activity"}]},
            "valueCodeableConcept": {"coding": [codes.coding("provider-referral-outcome",
                                                             referral.outcome)]},
        }]
    return _valid(Task, task)


def service_request_for(referral) -> dict:
    """The referral's ServiceRequest: the summary and consent only while sharing stands."""
    request = {
        "resourceType": "ServiceRequest",
        "id": referral.reference,
        "meta": {"profile": [codes.SERVICE_REQUEST_PROFILE]},
        "identifier": [_identifier(referral)],
        "status": REQUEST_STATUS[referral.status],
        "intent": "order",
        "code": {"text": referral.service.name},
        "subject": _subject(referral),
        "authoredOn": _instant(referral.sent_at),
        "performer": [_organization(referral)],
    }
    if referral.service.category:
        request["category"] = [{"coding": [codes.coding("service-category",
                                                        referral.service.category)]}]
    if is_shared(referral):
        notes = [f"{label}: {value}" for label, value in _summary(referral)]
        if notes:
            request["note"] = [{"text": text} for text in notes]
        consent = covering_consents(
            case=referral.case_id, organization=referral.organization_id,
            category=referral.service.category, on=timezone.localdate(),
        ).order_by("-given_on", "-pk").values_list("pk", flat=True).first()
        if consent is not None:
            request["supportingInfo"] = [{"reference": f"Consent/{consent}",
                                          "display": "Consent to share in force"}]
    return _valid(ServiceRequest, request)


def _summary(referral):
    labels = dict(ProviderReferral.Share.choices)
    for name in referral.shared_fields:
        value = getattr(referral, f"shared_{name}", "")
        if value:
            yield str(labels[name]), value


def _valid(model, resource: dict) -> dict:
    return model.model_validate(resource).model_dump(mode="json", by_alias=True,
                                                     exclude_none=True)


class TaskUpdateRefused(Refused):
    """The Task sent cannot be applied; `messages` say what to change (an OperationOutcome)."""


def change_asked(referral, resource: dict) -> dict | None:
    """What a PUT Task asks of the referral: the outgoing action and its reason, outcome and
    note, or None when its status is unchanged. Raise TaskUpdateRefused for what cannot be."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Task":
        raise TaskUpdateRefused(["The body must be a Task resource."])
    if resource.get("id") not in (None, referral.reference):
        raise TaskUpdateRefused(["Task.id must be the id in the URL."])
    try:
        task = Task.model_validate(resource)
    except Exception as error:  # pydantic's ValidationError: name the fields, not the values
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()}) \
            if hasattr(error, "errors") else []
        raise TaskUpdateRefused([f"Not a valid FHIR R4 Task (check: {', '.join(fields)})."]) \
            from None
    status = task.status
    if status not in codes.TASK_STATUSES:
        raise TaskUpdateRefused([f"Task.status must be one of: {', '.join(ACTION_FOR_STATUS)}."])
    if status == referral.status:
        return None
    action = ACTION_FOR_STATUS.get(status)
    if action is None:
        raise TaskUpdateRefused([f"A receiving organisation cannot set Task.status {status}."])
    if action == "start" and referral.status == Status.ON_HOLD:
        action = "resume"
    reason = codes.code_from(resource.get("statusReason"), "provider-referral-reason") or ""
    outcome = ""
    for output in resource.get("output") or ():
        outcome = codes.code_from(output.get("valueCodeableConcept"),
                                  "provider-referral-outcome") or outcome
    note = " ".join(n.get("text", "") for n in resource.get("note") or () if isinstance(n, dict))
    return {"action": action, "reason": reason, "outcome": outcome, "note": note.strip()}


def apply_json_patch(document: dict, operations) -> dict:
    """RFC 6902 JSON Patch on a Task, for the fields a receiving system may change."""
    allowed = ("/status", "/statusReason", "/output", "/note", "/businessStatus")
    if not isinstance(operations, list):
        raise TaskUpdateRefused(["A JSON Patch body is a list of operations."])
    result = dict(document)
    for operation in operations:
        if not isinstance(operation, dict):
            raise TaskUpdateRefused(["Each JSON Patch operation is an object."])
        op, path = operation.get("op"), operation.get("path", "")
        if not isinstance(path, str) or not path.startswith(allowed):
            raise TaskUpdateRefused([f"Only {', '.join(allowed)} may be patched."])
        key = path[1:].split("/", 1)[0]
        if op in ("add", "replace") and "value" in operation and "/" not in path[1:]:
            result[key] = operation["value"]
        elif op in ("add",) and path.endswith("/-") and path.count("/") == 2:
            result[key] = [*result.get(key, []), operation.get("value")]
        elif op == "remove" and "/" not in path[1:]:
            result.pop(key, None)
        else:
            raise TaskUpdateRefused(["Supported operations: add, replace, remove on a field."])
    return result
