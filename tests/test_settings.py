"""Configuration: secrets from the environment, hardened sessions, passwords and lockout."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "s" * 60,
    "FIELD_ENCRYPTION_KEYS": "a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmc=",
    "BLIND_INDEX_KEY": "b" * 40,
    "AUDIT_CHAIN_KEY": "c" * 40,
    "AUDIT_ANCHOR_SIGNING_KEY": "2XJYDH4xD7jH4u2kVhc9b9nq0QJjU0I7Qm0r8o3Zf1Q=",
    "ALLOWED_HOSTS": "casework.example.org",
    "PATH": os.environ["PATH"],
}


def start_django(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "casework.settings"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_production_starts_with_every_secret_from_the_environment():
    assert start_django(PRODUCTION).returncode == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = start_django(env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_refuses_debug():
    result = start_django({**PRODUCTION, "DJANGO_DEBUG": "1"})
    assert result.returncode != 0 and "DJANGO_DEBUG must be off" in result.stderr


def test_production_refuses_a_blind_index_key_equal_to_the_secret_key():
    result = start_django({**PRODUCTION, "BLIND_INDEX_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0 and "must differ from SECRET_KEY" in result.stderr


def test_sessions_are_short_and_hashes_are_strong():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_RENEW_SECONDS <= 60
    assert settings.SESSION_ABSOLUTE_SECONDS <= 12 * 3600
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"]


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012345"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_passphrases_are_accepted():
    validate_password("correct horse battery staple " * 3)


@pytest.mark.django_db
def test_a_session_ends_after_its_absolute_lifetime_however_active(client, alice, settings):
    client.force_login(alice)
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session["authenticated_at"] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("dashboard")).status_code == 302  # logged out, not just redirected


@pytest.mark.django_db
def test_the_login_page_shows_the_system_use_notice(client):
    body = client.get(reverse("login")).content.decode()
    assert "Authorised use only" in body and "Every access is recorded" in body


def _sign_in(client, password, address):
    return client.post(reverse("login"), {"username": "lockme", "password": password},
                       REMOTE_ADDR=address)


@pytest.mark.django_db
def test_five_failures_lock_that_user_name_from_that_address_for_the_cool_off(client):
    import datetime

    from django.utils import timezone
    from freezegun import freeze_time

    UserFactory(username="lockme", password="a-long-enough-passphrase")
    for _ in range(5):
        _sign_in(client, "wrong", "192.0.2.10")
    response = _sign_in(client, "a-long-enough-passphrase", "192.0.2.10")
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()

    # Another address is not locked: a stranger cannot lock someone out from elsewhere.
    assert _sign_in(Client(), "a-long-enough-passphrase", "198.51.100.7").status_code == 302
    with freeze_time(timezone.now() + datetime.timedelta(minutes=16)):
        assert _sign_in(client, "a-long-enough-passphrase", "192.0.2.10").status_code == 302


@pytest.mark.django_db
def test_an_admin_releases_a_lock_on_the_record(client, adam):
    from auditlog.models import LogEntry

    UserFactory(username="lockme", password="a-long-enough-passphrase")
    for _ in range(5):
        _sign_in(client, "wrong", "192.0.2.10")
    admin = Client()
    admin.force_login(adam)
    page = admin.get(reverse("account-lockouts"))
    assert page.status_code == 200 and b"lockme" in page.content
    attempt = page.context["page"].object_list[0]

    assert admin.post(reverse("account-lockout-release", args=[attempt.pk])).status_code == 302

    assert _sign_in(client, "a-long-enough-passphrase", "192.0.2.10").status_code == 302
    entry = LogEntry.objects.get(additional_data__event="lockout_released")
    assert entry.actor == adam and entry.additional_data["address"] == "192.0.2.10"


@pytest.mark.django_db
def test_unknown_and_known_users_get_the_same_answer(client):
    UserFactory(username="known", password="a-long-enough-passphrase")
    known = client.post(reverse("login"), {"username": "known", "password": "wrong"})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert known.status_code == unknown.status_code == 200
    assert "not correct" in known.content.decode() and "not correct" in unknown.content.decode()


@pytest.mark.django_db
def test_logging_out_ends_the_session_on_the_server(client, alice):
    client.force_login(alice)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("logout"))
    assert '"cookies"' in response["Clear-Site-Data"]
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # replay the old cookie
    assert client.get(reverse("dashboard")).status_code == 302
