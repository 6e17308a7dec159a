"""Sign-ins, failed sign-ins, sign-outs and refused accesses are on the audit record."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from audit import events
from tests.factories import UserFactory

PASSWORD = "a-long-enough-passphrase"


def last_event(name):
    return LogEntry.objects.filter(additional_data__event=name).latest("pk")


@pytest.mark.django_db
def test_a_sign_in_and_a_sign_out_are_recorded(client):
    user = UserFactory(username="signer", password=PASSWORD)
    client.post(reverse("login"), {"username": "signer", "password": PASSWORD})
    entry = last_event(events.LOGIN)
    assert entry.actor == user and entry.remote_addr == "127.0.0.1" and entry.cid
    client.post(reverse("logout"))
    assert last_event(events.LOGOUT).actor == user


@pytest.mark.django_db
def test_a_failed_sign_in_is_recorded_against_the_account(client):
    user = UserFactory(username="signer", password=PASSWORD)
    client.post(reverse("login"), {"username": "signer", "password": "wrong"})
    entry = last_event(events.LOGIN_FAILED)
    assert entry.object_pk == str(user.pk) and entry.actor is None


@pytest.mark.django_db
def test_an_unknown_account_is_recorded_without_what_was_typed(client):
    client.post(reverse("login"), {"username": "Hunter2Secret", "password": "wrong"})
    entry = last_event(events.LOGIN_FAILED)
    assert entry.object_repr == "unknown account"
    assert "Hunter2Secret" not in str(entry.additional_data) + entry.object_repr


@pytest.mark.django_db
def test_a_refused_case_page_is_recorded_even_though_the_request_rolled_back(
    client, bob, alices_case
):
    client.force_login(bob)
    assert client.get(alices_case.get_absolute_url()).status_code == 404
    entry = last_event(events.REFUSED)
    assert entry.actor == bob
    assert entry.object_repr == alices_case.reference
    assert entry.content_type.model == "case"
    assert entry.additional_data["status"] == 404
    assert entry.additional_data["route"] == "case-detail"


@pytest.mark.django_db
def test_a_refused_page_is_recorded_too(client, alice):
    client.force_login(alice)
    assert client.get(reverse("audit-log")).status_code == 403
    assert last_event(events.REFUSED).additional_data["route"] == "audit-log"
