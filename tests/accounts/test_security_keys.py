"""Security keys and passkeys: enrolment, sign-in, refusals, removal (real WebAuthn crypto)."""

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential
from freezegun import freeze_time

from audit import events
from casework.accounts import mfa
from tests.accounts import softkey
from tests.accounts.conftest import entries, password_only, second_factor
from tests.accounts.softkey import SoftKey

DASHBOARD = reverse("dashboard")


def _later():
    """Past the step-up window, within the idle limit."""
    return timezone.now() + datetime.timedelta(minutes=6)


@pytest.fixture
def danas_key(client, dana):
    """dana enrolled a key at her first sign-in, and signed out."""
    key = SoftKey()
    password_only(client, dana)
    assert softkey.register(client, key).status_code == 200
    client.post(reverse("logout"))
    return key


def test_a_new_account_can_enrol_a_security_key_at_first_sign_in(client, dana):
    password_only(client, dana)
    assert b"passkey-register-button" in client.get(reverse("mfa-setup")).content

    response = softkey.register(client, SoftKey())

    assert response.status_code == 200
    credential = WebAuthnCredential.objects.get(user=dana)
    assert response.json() == {"id": credential.pk}
    assert client.get(DASHBOARD).status_code == 200  # signed in with the key
    done = client.get(reverse("webauthn-added"))  # the recovery codes, shown once
    assert len(done.context["codes"]) == mfa.RECOVERY_CODE_COUNT
    assert client.get(reverse("webauthn-added")).status_code == 302
    assert entries(events.MFA_ENROLLED).filter(
        actor=dana, additional_data__factor="webauthn").count() == 1


def test_signing_in_with_the_key_opens_the_app(client, dana, danas_key):
    password_only(client, dana)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("mfa-verify"))
    assert b"passkey-verification-button" in client.get(reverse("mfa-verify")).content

    response = softkey.authenticate(client, danas_key)

    assert response.status_code == 200
    assert response.json()["redirect_url"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert entries(events.MFA_VERIFIED).filter(
        actor=dana, additional_data__factor="webauthn",
        additional_data__purpose="sign_in").count() == 1


def test_a_forged_signature_is_refused_and_recorded(client, dana, danas_key):
    password_only(client, dana)
    forger = ec.generate_private_key(ec.SECP256R1())

    response = softkey.authenticate(client, danas_key, signer=forger)

    assert response.status_code == 422
    assert client.get(DASHBOARD).status_code == 302
    assert entries(events.MFA_FAILED).filter(
        actor=dana, additional_data__factor="webauthn").count() == 1


def test_a_replayed_answer_is_refused(client, dana, danas_key):
    password_only(client, dana)
    answer = danas_key.assertion(softkey.begin_authentication(client).json())
    assert softkey.complete_authentication(client, answer).status_code == 200
    client.post(reverse("logout"))

    password_only(client, dana)
    softkey.begin_authentication(client)  # a new challenge; the old answer does not sign it
    assert softkey.complete_authentication(client, answer).status_code == 422
    assert client.get(DASHBOARD).status_code == 302


def test_an_answer_for_another_site_is_refused(client, dana, danas_key):
    password_only(client, dana)
    danas_key.origin = "https://casework.example.net"
    assert softkey.authenticate(client, danas_key).status_code == 422
    assert client.get(DASHBOARD).status_code == 302


def test_someone_elses_key_does_not_sign_you_in(client, dana, danas_key):
    from tests.accounts.conftest import with_password
    from tests.factories import UserFactory

    eve = with_password(UserFactory(username="eve"))
    password_only(client, eve)
    response = softkey.authenticate(client, danas_key)
    assert response.status_code in (403, 404)
    assert client.get(DASHBOARD).status_code == 302


def test_a_key_alone_never_signs_anyone_in(client, danas_key):
    response = softkey.begin_authentication(client)
    assert response.status_code == 302  # to the password sign-in page
    assert response["Location"].startswith(reverse("login"))


def test_the_password_alone_cannot_add_a_key_over_an_enrolled_factor(client, dana, danas_phone):
    password_only(client, dana)
    response = softkey.register(client, SoftKey())
    assert response.status_code == 403
    assert not WebAuthnCredential.objects.filter(user=dana).exists()
    assert entries(events.MFA_FAILED).filter(additional_data__purpose="enrolment").count() == 1


def test_adding_a_key_later_needs_a_recent_second_factor(client, dana, danas_phone):
    password_only(client, dana)
    second_factor(client, danas_phone)
    with freeze_time(_later()):  # minutes later, the session still open
        assert client.get(reverse("webauthn-add"))["Location"].startswith(reverse("mfa-verify"))
        assert softkey.register(client, SoftKey()).status_code == 403
    page = client.get(reverse("webauthn-add"))
    assert b"passkey-register-button" in page.content
    assert softkey.register(client, SoftKey()).status_code == 200
    assert client.get(reverse("webauthn-added"))["Location"] == reverse("account-security")
    assert WebAuthnCredential.objects.filter(user=dana).count() == 1


def test_your_keys_are_listed_and_removed_after_a_step_up(client, dana, danas_phone):
    password_only(client, dana)
    second_factor(client, danas_phone)
    softkey.register(client, SoftKey())
    credential = WebAuthnCredential.objects.get(user=dana)
    page = client.get(reverse("account-security"))
    assert list(page.context["keys"]) == [credential]
    remove = reverse("webauthn-remove", args=[credential.pk])

    with freeze_time(_later()):
        stale = client.post(remove)
    assert stale["Location"].startswith(reverse("mfa-verify"))
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()

    assert client.post(remove)["Location"] == reverse("account-security")
    assert not WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert entries(events.MFA_REMOVED).filter(actor=dana, additional_data__device=credential.pk
                                              ).count() == 1


def test_someone_elses_key_cannot_be_removed(client, dana, danas_key):
    from tests.factories import UserFactory

    credential = WebAuthnCredential.objects.get(user=dana)
    client.force_login(UserFactory(username="eve"))
    assert client.post(reverse("webauthn-remove", args=[credential.pk])).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_last_second_factor_cannot_be_removed(client, dana, danas_key):
    credential = WebAuthnCredential.objects.get(user=dana)
    client.force_login(dana)
    response = client.post(reverse("webauthn-remove", args=[credential.pk]), follow=True)
    assert b"This is your only second factor" in response.content
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert not entries(events.MFA_REMOVED).exists()
