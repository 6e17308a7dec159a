"""The demo data behind `make run`: every role can sign in, and cases span every stage."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.management.commands.load_demo import DEMO_PASSWORD, USERS
from casework.models import Case


@pytest.fixture
def demo(db, settings):
    # Hashing strength is tested in test_settings; here it would only cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_each_demo_role_signs_in_through_the_login_form(demo, client):
    for username, _role in USERS:
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(reverse("dashboard")).status_code == 200
        client.post(reverse("logout"))


def test_demo_cases_cover_every_stage_and_each_caseworker_has_cases_the_other_cannot_see(demo, client):
    assert set(Case.objects.values_list("stage", flat=True)) == set(Case.Stage.values)
    mine = Case.objects.filter(caseworker__username="caseworker").first()
    client.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD})
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_loading_twice_changes_nothing(demo):
    before = Case.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Case.objects.count() == before
