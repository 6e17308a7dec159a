"""The code systems the FHIR resources use: the SDOH Clinical Care IG's where they exist, and
the project's own coded reasons, outcomes and service categories as published local code
systems (served at /api/v1/fhir/CodeSystem/<id>), generated from the models' choices so the
two can never drift apart."""

from django.conf import settings
from fhir.resources.R4B.codesystem import CodeSystem

from providers.models import Service
from referrals.models import ProviderReferral

TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
SDOHCC_TEMPORARY = "http://hl7.org/fhir/us/sdoh-cc/CodeSystem/sdohcc-temporary-codes"
TASK_PROFILE = "http://hl7.org/fhir/us/sdoh-cc/StructureDefinition/SDOHCC-TaskForReferralManagement"
SERVICE_REQUEST_PROFILE = "http://hl7.org/fhir/us/sdoh-cc/StructureDefinition/SDOHCC-ServiceRequest"

# FHIR R4 Task.status: the provider referral's statuses are this vocabulary (referrals.models).
TASK_STATUSES = frozenset(ProviderReferral.Status.values)

LOCAL = {
    "provider-referral-reason": (
        "Why a provider referral was declined, not completed or cancelled (Task.statusReason)",
        ProviderReferral.Reason,
    ),
    "provider-referral-outcome": (
        "How a completed provider referral ended (Task.output)", ProviderReferral.Outcome,
    ),
    "service-category": ("The directory's service categories (ServiceRequest.category)",
                         Service.Category),
}


def system_url(name: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/api/v1/fhir/CodeSystem/{name}"


def coding(name: str, code: str) -> dict:
    choices = LOCAL[name][1]
    return {"system": system_url(name), "code": code, "display": str(choices(code).label)}


def code_from(concept: dict | None, name: str) -> str | None:
    """The code of `concept` in local system `name` ("" when it has none, None when absent)."""
    if not concept:
        return None
    for entry in concept.get("coding") or ():
        if entry.get("system") == system_url(name):
            return entry.get("code") or ""
    return ""


def code_system(name: str) -> dict:
    """The CodeSystem resource for local system `name`, validated with fhir.resources R4B."""
    title, choices = LOCAL[name]
    resource = {
        "resourceType": "CodeSystem",
        "id": name,
        "url": system_url(name),
        "name": "".join(part.title() for part in name.split("-")),
        "title": title,
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(choices.values),
        "concept": [{"code": value, "display": str(label)} for value, label in choices.choices],
    }
    return CodeSystem.model_validate(resource).model_dump(mode="json", by_alias=True,
                                                           exclude_none=True)
