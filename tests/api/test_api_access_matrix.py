"""Who may reach which API route: every route of /api/v1/, every persona, by credential.

The web matrix (tests/test_url_access_matrix.py) leaves the `api` namespace to this one: here
each persona calls with a personal token holding every scope its role allows, and "riverside"
is pat's organisation's own system (an API client). The objects: a case alice holds (North, at
intake), a provider referral from another of her cases to pat's organisation, and a referral
pat sent in. Unseen objects are 404 like missing ones; only an accepted write changes anything.
"""

import json

import pytest
from django.urls import URLResolver, get_resolver

from casework import roles
from casework.models import Case
from providers.models import Service
from referrals.models import ProviderReferral, Referral
from tests.api.conftest import caller, token_for
from tests.factories import CaseFactory, ReferralFactory, ServiceFactory, UserFactory
from tests.matrix_kit import PERSONAS

pytestmark = pytest.mark.matrix

CALLERS = (*PERSONAS, "riverside")
CASE_STAFF = ("alice", "bob", "carol", "sam", "sofia", "ivy")
LISTS_SENT = ("alice", "bob", "carol", "sam", "sofia")
PROVIDER = ("pat", "riverside")
DIRECTORY = (*CASE_STAFF, "mo", "adam")
# Personas whose tokens carry provider-referrals:read (so the policy, not the scope, answers).
PR_SCOPED = (*CASE_STAFF, *PROVIDER)


def answers(default, *groups, **exceptions):
    """Anonymous gets 401; everyone else `default`, then each group (`only`), then the named."""
    table = dict.fromkeys(CALLERS, default)
    table["anonymous"] = 401
    for group in groups:
        table.update(group)
    table.update(exceptions)
    return table


def only(personas, status):
    return dict.fromkeys(personas, status)


MATRIX = {
    "api:schema": {"GET": answers(200)},
    "api:docs": {"GET": answers(200)},
    "api:referral-list": {
        "GET": answers(403, only((*CASE_STAFF, *PROVIDER), 200)),
        "POST": answers(403, only(PROVIDER, 201)),
    },
    # What pat sent: only pat; other referrers 404; roles that cannot refer 403.
    "api:referral-detail": {"GET": answers(403, only((*CASE_STAFF, "riverside"), 404), pat=200)},
    "api:provider-referral-list": {
        "GET": answers(403, only((*LISTS_SENT, *PROVIDER), 200)),
    },
    "api:provider-referral-detail": {
        "GET": answers(403, only(PR_SCOPED, 404), alice=200, sam=200, pat=200, riverside=200),
    },
    # Accepting is the provider's: the sender's side sees it but may not (403).
    "api:provider-referral-action": {
        "POST": answers(403, only(PR_SCOPED, 404), alice=403, sam=403, pat=200, riverside=200),
    },
    "api:directory-organizations": {"GET": answers(403, only(DIRECTORY, 200))},
    "api:directory-services": {"GET": answers(403, only(DIRECTORY, 200))},
    "api:directory-locations": {"GET": answers(403, only(DIRECTORY, 200))},
    "api:directory-service-capacity": {"PATCH": answers(403, adam=200)},
    "api:my-tasks": {"GET": answers(200, riverside=403)},
    "api:my-notifications": {"GET": answers(200, riverside=403)},
    "api:case-list": {"GET": answers(403, only(CASE_STAFF, 200))},
    # At intake: its caseworker, the team's supervisor and intake; other case staff 404.
    "api:case-detail": {"GET": answers(403, only(CASE_STAFF, 404), alice=200, sam=200,
                                       ivy=200)},
    "api:audit-entries": {"GET": answers(403, audrey=200)},
    # Only a signed-in session makes or revokes tokens; a credential never does.
    "api:token-list": {"GET": answers(403, anonymous=403), "POST": answers(403, anonymous=403)},
    "api:token-revoke": {"DELETE": answers(403, anonymous=403)},
    "api:fhir-task-search": {"GET": answers(403, only((*LISTS_SENT, *PROVIDER), 200))},
    "api:fhir-task": {
        "GET": answers(403, only(PR_SCOPED, 404), alice=200, sam=200, pat=200, riverside=200),
        "PUT": answers(403, only(PR_SCOPED, 404), alice=403, sam=403, pat=200, riverside=200),
        "PATCH": answers(403, only(PR_SCOPED, 404), alice=403, sam=403, pat=200,
                         riverside=200),
    },
    "api:fhir-service-request": {
        "GET": answers(403, only(PR_SCOPED, 404), alice=200, sam=200, pat=200, riverside=200),
    },
    "api:fhir-code-system": {"GET": answers(403, only(PR_SCOPED, 200))},
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def api_routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from api_routes(entry, namespace)
        elif prefix.startswith("api:"):
            yield f"{prefix}{entry.name}"


def test_every_api_route_has_access_rules():
    assert set(api_routes()) == set(MATRIX)


def test_every_row_names_every_caller():
    for route, row in MATRIX.items():
        for method, table in row.items():
            assert tuple(table) == CALLERS, (route, method)


@pytest.fixture
def world(people, north, riverside, riverside_client, riverside_referral):
    people = {name: user for name, user in people.items() if user is not None}
    alice, pat = people["alice"], people["pat"]
    keys = {name: ("Token", token_for(user)) for name, user in people.items()}
    keys["riverside"] = ("Api-Key", riverside_client[1])
    keys["anonymous"] = None
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.INTAKE)
    sent_in = ReferralFactory(entered_by=pat, channel=Referral.Channel.PARTNER)
    service = ServiceFactory()
    return {"keys": keys, "case": case, "referral": riverside_referral, "sent_in": sent_in,
            "service": service, "people": people}


def request_for(route, method, world):
    """The URL and body of a request that the route accepts from someone allowed."""
    referral = world["referral"].reference
    urls = {
        "api:schema": "/api/v1/schema/", "api:docs": "/api/v1/docs/",
        "api:referral-list": "/api/v1/referrals/",
        "api:referral-detail": f"/api/v1/referrals/{world['sent_in'].reference}/",
        "api:provider-referral-list": "/api/v1/provider-referrals/",
        "api:provider-referral-detail": f"/api/v1/provider-referrals/{referral}/",
        "api:provider-referral-action": f"/api/v1/provider-referrals/{referral}/actions/",
        "api:directory-organizations": "/api/v1/directory/organizations/",
        "api:directory-services": "/api/v1/directory/services/",
        "api:directory-locations": "/api/v1/directory/locations/",
        "api:directory-service-capacity":
            f"/api/v1/directory/services/{world['service'].pk}/capacity/",
        "api:my-tasks": "/api/v1/me/tasks/", "api:my-notifications": "/api/v1/me/notifications/",
        "api:case-list": "/api/v1/cases/",
        "api:case-detail": f"/api/v1/cases/{world['case'].reference}/",
        "api:audit-entries": "/api/v1/audit/entries/",
        "api:token-list": "/api/v1/tokens/", "api:token-revoke": "/api/v1/tokens/ABCDEFGH/",
        "api:fhir-task-search": "/api/v1/fhir/Task",
        "api:fhir-task": f"/api/v1/fhir/Task/{referral}",
        "api:fhir-service-request": f"/api/v1/fhir/ServiceRequest/{referral}",
        "api:fhir-code-system": "/api/v1/fhir/CodeSystem/provider-referral-reason",
    }
    bodies = {
        "api:referral-list": {"source": "school", "referrer_name": "Test Referrer",
                              "referrer_contact": "referrer@example.org",
                              "first_name": "Testfirst", "last_name": "Testlast",
                              "pathway": "prevention", "urgency": "routine",
                              "concern": "Test concern.", "awareness": "consents",
                              "concerns": ["other"]},
        "api:provider-referral-action": {"action": "accept"},
        "api:directory-service-capacity": {"capacity_status": "waitlist", "open_places": 2},
        "api:token-list": {"name": "x", "scopes": ["me:read"], "days": 1},
        "api:fhir-task": {"resourceType": "Task", "id": referral, "status": "accepted",
                          "intent": "order"},
    }
    body = bodies.get(route)
    if route == "api:fhir-task" and method == "PATCH":
        body = [{"op": "replace", "path": "/status", "value": "accepted"}]
    return urls[route], body


def state():
    return {
        "provider_referrals": list(ProviderReferral.objects.order_by("pk")
                                   .values_list("status", "status_reason")),
        "referrals": Referral.objects.count(),
        "capacity": list(Service.objects.order_by("pk").values_list("capacity_status",
                                                                     "open_places")),
    }


def send(key, method, url, body):
    api = caller(key[1], key[0]) if key else caller()
    if method == "GET":
        return api.get(url)
    content_type = {"PATCH": "application/json-patch+json"}.get(method, "application/json") \
        if url.startswith("/api/v1/fhir/") else "application/json"
    data = json.dumps(body) if body is not None else None
    return getattr(api, method.lower())(url, data, content_type=content_type)


@pytest.mark.parametrize(("route", "method"), [
    (route, method) for route, row in MATRIX.items() for method in row
])
def test_api_access(route, method, world):
    """Each caller gets the answer in MATRIX, and only an accepted write changes anything."""
    url, body = request_for(route, method, world)
    wrong = []
    for persona, expected in MATRIX[route][method].items():
        before = state()
        response = send(world["keys"][persona], method, url, body)
        changed = state() != before
        if response.status_code != expected:
            wrong.append((persona, expected, response.status_code, response.content[:300]))
        if method in WRITES and changed != (200 <= expected < 300):
            wrong.append((persona, "changed" if changed else "unchanged"))
        if changed:  # put the world back for the next caller
            ProviderReferral.objects.filter(pk=world["referral"].pk).update(
                status="requested", status_reason="")
    assert wrong == []


@pytest.mark.parametrize("route", ["api:provider-referral-detail", "api:fhir-task",
                                   "api:case-detail"])
def test_an_unseen_object_answers_like_a_missing_one(route, world):
    """bob (same team, not assigned) gets the very same answer for a real and a made-up id."""
    url, _body = request_for(route, "GET", world)
    real_id = url.rstrip("/").rsplit("/", 1)[1]
    missing_id = real_id[:-4] + "ZZZZ"
    key = world["keys"]["bob"]
    real, missing = send(key, "GET", url, None), send(key, "GET", url.replace(real_id,
                                                                              missing_id), None)
    assert real.status_code == missing.status_code == 404
    assert real.content == missing.content


def test_an_auditors_token_reads_no_case_content(world):
    key = world["keys"]["audrey"]
    for route in ("api:case-list", "api:case-detail", "api:provider-referral-detail",
                  "api:fhir-service-request"):
        url, _body = request_for(route, "GET", world)
        assert send(key, "GET", url, None).status_code in (403, 404), route


def test_a_caseworkers_token_sees_exactly_their_caseload(world, alice, north, carol):
    other = CaseFactory(team=north, caseworker=carol)
    rows = send(world["keys"]["alice"], "GET", "/api/v1/cases/", None).json()["results"]
    references = {row["reference"] for row in rows}
    mine = set(Case.objects.filter(caseworker=alice).exclude(stage="closed")
               .values_list("reference", flat=True))
    assert references == mine and other.reference not in references


def test_a_provider_role_account_without_membership_sees_no_referral(world):
    stranger = UserFactory(username="stan", roles=[roles.PROVIDER])
    key = ("Token", token_for(stranger))
    assert send(key, "GET", "/api/v1/provider-referrals/", None).json()["results"] == []
    url, _body = request_for("api:fhir-task", "GET", world)
    assert send(key, "GET", url, None).status_code == 404
