"""API clients need two admins; keys are hashed, scoped, expiring, revocable, rate limited and
every use is on the record. Personal tokens need a fresh second factor."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from api import credentials, scopes
from api.models import ApiClient, ApiClientRequest, PersonalToken
from audit import events
from casework.accounts.powers import ApprovalRefused
from tests.api.conftest import caller, token_for

URL = "/api/v1/provider-referrals/"


def _request(org, actor):
    return credentials.request_client(
        org, name="EHR", scopes=[scopes.PROVIDER_REFERRALS_READ],
        expires_on=timezone.localdate() + datetime.timedelta(days=30), actor=actor,
    )


def test_it_makes_no_key_until_a_second_admin_approves(riverside, adam):
    request = _request(riverside, adam)
    assert request.status == ApiClientRequest.Status.PENDING
    assert ApiClient.objects.count() == 0
    with pytest.raises(ApprovalRefused):
        credentials.approve_client(request, actor=adam)
    assert ApiClient.objects.count() == 0


def test_it_refuses_requests_from_non_admins(riverside, pat, sam):
    for person in (pat, sam):
        with pytest.raises(PermissionDenied):
            _request(riverside, person)


def test_an_approved_client_acts_as_its_organisation(riverside_client, riverside_referral,
                                                     riverside):
    client, key = riverside_client
    assert client.hashed_key != key and key not in client.id  # only the hash is stored
    assert client.account.provider_memberships.get().organization == riverside
    assert not client.account.has_usable_password()

    response = caller(key, "Api-Key").get(URL)

    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [
        riverside_referral.reference]


def test_each_use_is_on_the_record_with_its_actor(riverside_client, riverside_referral):
    client, key = riverside_client
    caller(key, "Api-Key").get(URL)
    use = LogEntry.objects.filter(additional_data__event=events.API_REQUEST).get()
    assert use.actor == client.account
    assert use.additional_data["route"] == "api:provider-referral-list"
    assert use.additional_data["status"] == 200


@pytest.mark.parametrize("spoil", ["wrong", "revoked", "expired", "inactive"])
def test_a_bad_key_is_refused_with_one_answer(spoil, riverside_client, adam):
    client, key = riverside_client
    if spoil == "wrong":
        key = key[:-2] + "xx"
    elif spoil == "revoked":
        credentials.revoke(client, actor=adam)
    elif spoil == "expired":
        client.expiry_date = timezone.now() - datetime.timedelta(seconds=1)
        client.save()
    else:
        client.account.is_active = False
        client.account.save()
    response = caller(key, "Api-Key").get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired key."}


def test_a_scope_narrows_a_credential(riverside_client, riverside_referral, adam, admin2,
                                      riverside):
    request = _request(riverside, adam)  # read only
    _client, key = credentials.approve_client(request, actor=admin2)
    api = caller(key, "Api-Key")
    assert api.get(URL).status_code == 200
    action = f"{URL}{riverside_referral.reference}/actions/"
    assert api.post(action, {"action": "accept"}, format="json").status_code == 403
    riverside_referral.refresh_from_db()
    assert riverside_referral.status == "requested"


def test_a_client_cannot_read_cases_even_with_a_token_shape(riverside_client, alices_case):
    _client, key = riverside_client
    assert caller(key, "Api-Key").get("/api/v1/cases/").status_code == 403


def test_personal_token_needs_a_fresh_second_factor(alice):
    with pytest.raises(PermissionDenied):
        credentials.create_personal_token(actor=alice, name="x", scopes=[scopes.ME_READ],
                                          days=5, second_factor_fresh=False)
    assert PersonalToken.objects.count() == 0


def test_personal_token_cannot_ask_beyond_the_role(alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        credentials.create_personal_token(actor=alice, name="x", scopes=[scopes.AUDIT_READ],
                                          days=5, second_factor_fresh=True)


def test_token_page_makes_a_token_only_within_the_step_up_window(client, alice, settings):
    client.force_login(alice)  # second factor checked just now
    data = {"name": "my script", "scopes": [scopes.ME_READ], "days": 7}
    made = client.post("/api/v1/tokens/", data, content_type="application/json")
    assert made.status_code == 201
    key = made.json()["key"]
    assert caller(key).get("/api/v1/me/tasks/").status_code == 200

    settings.MFA_STEP_UP_SECONDS = -1  # the check is now too old
    stale = client.post("/api/v1/tokens/", data, content_type="application/json")
    assert stale.status_code == 403
    assert PersonalToken.objects.count() == 1


def test_a_token_cannot_make_tokens(alice):
    key = token_for(alice)
    response = caller(key).post("/api/v1/tokens/", {"name": "x", "scopes": ["me:read"],
                                                    "days": 1}, format="json")
    assert response.status_code in (401, 403)
    assert PersonalToken.objects.count() == 1


def test_revoking_a_token_stops_it_at_once(client, alice):
    key = token_for(alice)
    client.force_login(alice)
    prefix = key.split(".")[0]
    assert client.delete(f"/api/v1/tokens/{prefix}/").status_code == 204
    assert caller(key).get("/api/v1/me/tasks/").status_code == 401


def test_it_rate_limits_each_credential(alice, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    from api.throttling import CredentialRateThrottle

    cache.clear()
    rates = {"credential": "3/min"}
    CredentialRateThrottle.THROTTLE_RATES = rates
    try:
        api = caller(token_for(alice))
        answers = [api.get("/api/v1/me/tasks/").status_code for _ in range(4)]
    finally:
        CredentialRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
    assert answers == [200, 200, 200, 429]
