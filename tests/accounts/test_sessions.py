"""Sessions end when they should: your password change, your own "sign out the others", an admin's
action, and any change of your roles (a grant as well as a removal)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit import events
from casework import roles
from casework.accounts import powers
from tests.accounts.conftest import PASSWORD, entries, with_password
from tests.factories import UserFactory

DASHBOARD = reverse("dashboard")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(DASHBOARD).status_code == 200
    return client


def signed_out(client) -> bool:
    return client.get(DASHBOARD)["Location"].startswith(reverse("login"))


@pytest.fixture
def eve(db):
    return UserFactory(username="eve", roles=[roles.ADMIN], is_staff=True)


def test_changing_your_password_ends_your_other_sessions_but_not_this_one(dana):
    with_password(dana)
    here, elsewhere = browser(dana), browser(dana)

    response = here.post(reverse("password-change"),
                         {"old_password": PASSWORD, "new_password": "a new long passphrase 77"})

    assert response["Location"] == reverse("account-security")
    assert here.get(DASHBOARD).status_code == 200
    assert signed_out(elsewhere)
    assert entries(events.PASSWORD_CHANGED).filter(actor=dana).count() == 1
    assert entries(events.SESSIONS_ENDED).get(actor=dana).additional_data["count"] == 1


def test_a_wrong_current_password_changes_nothing(dana):
    with_password(dana)
    here, elsewhere = browser(dana), browser(dana)
    response = here.post(reverse("password-change"),
                         {"old_password": "not it", "new_password": "a new long passphrase 77"})
    assert response.status_code == 400
    assert elsewhere.get(DASHBOARD).status_code == 200
    dana.refresh_from_db()
    assert dana.check_password(PASSWORD)


def test_you_can_sign_out_all_your_other_sessions(dana):
    here, elsewhere = browser(dana), browser(dana)
    assert here.get(reverse("account-security")).context["other_sessions"] == 1
    here.post(reverse("account-sessions-end"))
    assert signed_out(elsewhere)
    assert here.get(DASHBOARD).status_code == 200


def test_an_admin_can_end_a_users_sessions(client, adam, dana):
    danas = browser(dana)
    client.force_login(adam)
    response = client.post(reverse("admin:auth_user_changelist"),
                           {"action": "end_sessions", "_selected_action": [dana.pk]})
    assert response.status_code == 302
    assert signed_out(danas)
    ended = entries(events.SESSIONS_ENDED).get(object_pk=str(dana.pk))
    assert ended.actor == adam


def test_an_ordinary_role_given_ends_the_users_sessions(adam, dana):
    danas = browser(dana)
    powers.change_groups(dana, [*dana.groups.all(), Group.objects.get(name=roles.MDT)],
                         actor=adam)
    assert signed_out(danas)


def test_an_approved_powerful_role_ends_the_users_sessions(adam, eve, dana):
    danas = browser(dana)
    (pending,) = powers.change_groups(
        dana, [*dana.groups.all(), Group.objects.get(name=roles.SUPERVISOR)], actor=adam)
    assert danas.get(DASHBOARD).status_code == 200  # a pending request changes nothing
    powers.approve(pending, actor=eve)
    assert signed_out(danas)


def test_a_role_removed_ends_the_users_sessions(adam, dana):
    danas = browser(dana)
    powers.change_groups(dana, [], actor=adam)
    assert signed_out(danas)


# Resetting someone's factors (lost phone and codes) -------------------------------------------


def test_an_admin_resets_a_users_second_factors_and_they_enrol_again(client, adam, dana,
                                                                       danas_phone):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.accounts import mfa

    mfa.new_recovery_codes(dana, actor=dana)
    danas = browser(dana)
    client.force_login(adam)
    client.post(reverse("admin:auth_user_changelist"),
                {"action": "reset_second_factors", "_selected_action": [dana.pk]})

    assert not TOTPDevice.objects.filter(user=dana).exists()
    assert mfa.recovery_codes_left(dana) == 0
    assert signed_out(danas)
    removed = entries(events.MFA_REMOVED).get(object_pk=str(dana.pk))
    assert (removed.actor, removed.additional_data["factor"]) == (adam, "all")


def test_nobody_resets_their_own_second_factors(client, adam):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=adam, name="Phone", confirmed=True)
    client.force_login(adam)
    client.post(reverse("admin:auth_user_changelist"),
                {"action": "reset_second_factors", "_selected_action": [adam.pk]})
    assert TOTPDevice.objects.filter(user=adam).exists()
    assert not entries(events.MFA_REMOVED).exists()


def test_the_admin_site_shows_no_second_factor_secrets():
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
