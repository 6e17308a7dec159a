"""Sign-in through the real pages: password first, then the second factor."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.accounts import mfa

PASSWORD = "a long test passphrase 2026"


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def authenticator_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def password_only(client, user):
    """Sign in with the password through the login page: half signed in."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return client


def code_for(device) -> str:
    device.refresh_from_db()
    code, wait = mfa.next_code(device)
    assert wait == 0
    return code


def second_factor(client, device):
    return client.post(reverse("mfa-verify"), {"code": code_for(device)})


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """Real sign-ins hash the password each time: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dana(db):
    """A caseworker with a password and an authenticator app."""
    from casework import roles
    from tests.factories import UserFactory

    return with_password(UserFactory(username="dana", roles=[roles.CASEWORKER]))


@pytest.fixture
def danas_phone(dana):
    return authenticator_for(dana)


def entries(event):
    """The audit entries recording `event`."""
    from auditlog.models import LogEntry

    return LogEntry.objects.filter(additional_data__event=event)
