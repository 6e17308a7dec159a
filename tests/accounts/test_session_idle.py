"""The idle limit: a session ends SESSION_COOKIE_AGE after its last renewal, and a signed-in
request renews it when the last renewal is older than SESSION_RENEW_SECONDS (not every time:
saving the session is a write of its own)."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time


def stored_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_a_request_within_the_renewal_interval_does_not_rewrite_the_session(client, alice):
    client.force_login(alice)
    client.get(reverse("dashboard"))
    first = stored_expiry(client)
    client.get(reverse("dashboard"))
    assert stored_expiry(client) == first


@pytest.mark.django_db
def test_activity_renews_the_idle_limit_and_idleness_signs_out(client, alice, settings):
    start = timezone.now()
    with freeze_time(start) as clock:
        client.force_login(alice)
        client.get(reverse("dashboard"))
        clock.tick(settings.SESSION_COOKIE_AGE - 60)  # active again just before the limit
        assert client.get(reverse("dashboard")).status_code == 200
        renewed = stored_expiry(client)
        assert renewed >= timezone.now() + timezone.timedelta(
            seconds=settings.SESSION_COOKIE_AGE - settings.SESSION_RENEW_SECONDS
        )
        clock.tick(settings.SESSION_COOKIE_AGE + 1)  # then idle past it
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
