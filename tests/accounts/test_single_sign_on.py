"""Single sign-on with an OpenID Connect provider: off by default, no roles from the provider,
and the second factor is still ours. The provider is a real one on 127.0.0.1 (oidc_stub.py)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.urls import reverse

from audit import events
from casework import roles
from casework.accounts import oidc
from tests.accounts.conftest import entries
from tests.accounts.oidc_stub import CLIENT_ID, CLIENT_SECRET, StubProvider
from tests.factories import UserFactory

SIGN_IN = reverse("oidc-sign-in")
DASHBOARD = reverse("dashboard")


@pytest.fixture
def provider(settings):
    with StubProvider() as stub:
        settings.OIDC_ENABLED = True
        settings.OIDC_ISSUER = stub.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        oidc._discovery.cache_clear()
        yield stub
    oidc._discovery.cache_clear()


@pytest.fixture
def dana(db):
    return UserFactory(username="dana", email="dana@city.test", roles=[roles.CASEWORKER])


def _claims(**extra):
    return {"sub": "idp-0001", "email": "Dana@City.test", "email_verified": True, **extra}


def sign_in_at_provider(client, provider, claims):
    """The browser's round trip: our redirect, the provider's answer, our callback."""
    provider.claims = claims
    start = client.get(SIGN_IN)
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = requests.get(authorize, allow_redirects=False, timeout=5).headers["Location"]
    callback = urlsplit(back)
    assert callback.path == reverse("oidc-callback")
    return client.get(callback.path + "?" + callback.query)


def test_it_is_off_by_default(client, db):
    assert client.get(SIGN_IN).status_code == 404
    assert client.get(reverse("oidc-callback") + "?code=x&state=y").status_code == 404


def test_the_provider_stands_in_for_the_password_and_the_second_factor_follows(
        client, provider, dana):
    response = sign_in_at_provider(client, provider, _claims(amr=["pwd", "mfa"]))

    assert response.status_code == 302 and response["Location"] == DASHBOARD
    # Signed in as dana, but only half: our second factor is still asked for.
    assert client.get(DASHBOARD)["Location"].startswith(reverse("mfa-setup"))
    assert int(client.session["_auth_user_id"]) == dana.pk
    assert entries(events.LOGIN).filter(actor=dana).exists()


def test_no_role_comes_from_the_provider(client, provider, dana):
    sign_in_at_provider(client, provider, _claims(groups=[roles.ADMIN], roles=[roles.AUDITOR]))
    assert set(dana.groups.values_list("name", flat=True)) == {roles.CASEWORKER}
    assert not Group.objects.get(name=roles.ADMIN).user_set.exists()


def test_an_unknown_person_gets_no_account(client, provider, dana):
    from django.contrib.auth import get_user_model

    before = get_user_model().objects.count()
    response = sign_in_at_provider(client, provider, _claims(email="stranger@city.test"))

    assert response["Location"] == "/login/?sso=refused"
    assert get_user_model().objects.count() == before
    assert "_auth_user_id" not in client.session
    assert entries(events.OIDC_SIGN_IN_REFUSED).count() == 1


def test_an_unverified_address_is_not_trusted(client, provider, dana):
    response = sign_in_at_provider(client, provider, _claims(email_verified=False))
    assert response["Location"] == "/login/?sso=refused"
    assert "_auth_user_id" not in client.session


def test_a_token_for_another_client_is_refused(client, provider, dana):
    provider.audience = "some-other-app"
    response = sign_in_at_provider(client, provider, _claims())
    assert response["Location"] == "/login/?sso=refused"
    assert "_auth_user_id" not in client.session
    assert entries(events.OIDC_SIGN_IN_REFUSED).filter(additional_data__stage="token").exists()


def test_a_token_signed_with_another_key_is_refused(client, provider, dana):
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = sign_in_at_provider(client, provider, _claims())
    assert response["Location"] == "/login/?sso=refused"
    assert "_auth_user_id" not in client.session


def test_a_deactivated_account_cannot_sign_in(client, provider, dana):
    dana.is_active = False
    dana.save()
    response = sign_in_at_provider(client, provider, _claims())
    assert response["Location"] == "/login/?sso=refused"
    assert "_auth_user_id" not in client.session


def test_a_provider_that_cannot_be_reached_sends_you_back_to_the_sign_in_page(client, settings,
                                                                               db):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_TIMEOUT = 2
    oidc._discovery.cache_clear()
    response = client.get(SIGN_IN)
    assert response.status_code == 302 and response["Location"] == "/login/?sso=refused"


def test_a_signed_in_persons_requests_never_reach_the_provider(client, provider, dana):
    sign_in_at_provider(client, provider, _claims())
    provider.server.shutdown()  # the provider goes away; the session carries on
    oidc._discovery.cache_clear()
    assert client.get(reverse("mfa-setup")).status_code == 200
