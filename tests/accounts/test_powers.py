"""Nobody raises their own powers; powerful grants need a second admin; all of it on the chain.

adam and eve are system admins; bob a caseworker, sam North's supervisor.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from audit import events
from casework import roles
from casework.accounts import powers
from casework.accounts.models import PowerRequest
from casework.models import TeamMembership
from tests.accounts.conftest import entries
from tests.factories import UserFactory


@pytest.fixture
def eve(db):
    return UserFactory(username="eve", roles=[roles.ADMIN], is_staff=True)


def group(name):
    return Group.objects.get(name=name)


def change_user(client, user, *, groups, is_superuser=False, is_staff=False, is_active=True):
    """Post the admin site's user form, as a browser would (the flags included, in case)."""
    data = {"username": user.username, "email": user.email, "first_name": "", "last_name": "",
            "groups": [g.pk for g in groups]}
    data |= {flag: "on" for flag, on in [("is_superuser", is_superuser), ("is_staff", is_staff),
                                         ("is_active", is_active)] if on}
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def verify_chain():
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)  # raises CommandError on a broken chain
    return out.getvalue()


def test_an_admin_cannot_grant_itself_superuser_or_a_group(client, adam):
    client.force_login(adam)
    response = change_user(client, adam, groups=[group(roles.ADMIN), group(roles.AUDITOR),
                                                 group(roles.COMPARTMENT_LAW_ENFORCEMENT)],
                           is_superuser=True, is_staff=True)
    assert response.status_code == 302
    adam.refresh_from_db()
    assert not adam.is_superuser
    assert set(adam.groups.values_list("name", flat=True)) == {roles.ADMIN}
    assert not PowerRequest.objects.exists()


def test_the_superuser_flag_is_not_settable_in_the_admin_site(client, adam, bob):
    client.force_login(adam)
    change_user(client, bob, groups=[group(roles.CASEWORKER)], is_superuser=True, is_staff=True)
    bob.refresh_from_db()
    assert not bob.is_superuser and not bob.is_staff


def test_a_powerful_grant_waits_for_a_second_admin_then_applies(client, adam, eve, bob):
    client.force_login(adam)
    change_user(client, bob, groups=[group(roles.CASEWORKER), group(roles.AUDITOR)])

    request = PowerRequest.objects.get()
    assert (request.user, request.group.name, request.status) == (bob, roles.AUDITOR, "pending")
    assert not roles.has(bob, roles.AUDITOR), "a pending request gave the power"
    assert entries(events.POWER_REQUESTED).filter(actor=adam).count() == 1

    changelist = reverse("admin:casework_powerrequest_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert request.status == "pending", "the admin who asked approved it"

    client.force_login(eve)
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", eve)
    bob = type(bob).objects.get(pk=bob.pk)
    assert roles.has(bob, roles.AUDITOR)
    approved = entries(events.POWER_APPROVED).get()
    assert approved.actor == eve and approved.additional_data["requested_by"] == adam.pk
    added = entries(events.POWER_CHANGED).filter(additional_data__change="group_added")
    assert added.filter(additional_data__groups=[roles.AUDITOR]).count() == 1
    assert verify_chain().startswith("OK: ")


def test_nobody_approves_a_grant_for_themselves(adam, eve):
    request = powers.request_power(eve, actor=adam, group=group(roles.AUDITOR))
    with pytest.raises(powers.ApprovalRefused):
        powers.approve(request, actor=eve)
    assert not roles.has(eve, roles.AUDITOR)


def test_a_removal_takes_effect_at_once_and_ends_the_sessions(client, adam, sam):
    from django.test import Client

    sams_browser = Client()
    sams_browser.force_login(sam)
    client.force_login(adam)

    change_user(client, sam, groups=[])

    assert not sam.groups.exists()
    assert sams_browser.get(reverse("team-overview"))["Location"].startswith(reverse("login"))
    removed = entries(events.POWER_CHANGED).get(additional_data__change="group_removed")
    assert removed.additional_data["groups"] == [roles.SUPERVISOR] and removed.actor == adam


def test_an_ordinary_role_is_given_by_another_admin_at_once(client, adam, bob):
    client.force_login(adam)
    change_user(client, bob, groups=[group(roles.CASEWORKER), group(roles.MDT)])
    assert bob.groups.filter(name=roles.MDT).exists()
    assert not PowerRequest.objects.exists()


def _team_form(team, rows):
    data = {"name": team.name, "memberships-TOTAL_FORMS": len(rows),
            "memberships-INITIAL_FORMS": sum(1 for r in rows if r.get("id")),
            "memberships-MIN_NUM_FORMS": 0, "memberships-MAX_NUM_FORMS": 1000}
    for i, row in enumerate(rows):
        data |= {f"memberships-{i}-{key}": value for key, value in row.items()}
        data[f"memberships-{i}-team"] = team.pk
    return data


def test_an_admin_cannot_make_itself_a_team_supervisor(client, adam, north, alice):
    client.force_login(adam)
    url = reverse("admin:casework_team_change", args=[north.pk])
    existing = TeamMembership.objects.get(user=alice)
    rows = [{"id": existing.pk, "user": alice.pk, "role": "member"},
            {"user": adam.pk, "role": "supervisor"}]

    response = client.post(url, _team_form(north, rows))

    assert response.status_code == 200
    assert b"You cannot change your own memberships" in response.content
    assert not TeamMembership.objects.filter(user=adam).exists()
    assert not PowerRequest.objects.exists()


def test_a_new_team_supervisor_waits_for_a_second_admin(client, adam, eve, north, alice):
    client.force_login(adam)
    existing = TeamMembership.objects.get(user=alice)
    rows = [{"id": existing.pk, "user": alice.pk, "role": "supervisor"}]

    client.post(reverse("admin:casework_team_change", args=[north.pk]), _team_form(north, rows))

    existing.refresh_from_db()
    assert existing.role == "member"
    request = PowerRequest.objects.get()
    assert (request.user, request.team) == (alice, north)

    powers.approve(request, actor=eve)
    existing.refresh_from_db()
    assert existing.role == "supervisor"


def test_user_creation_and_superusers_are_on_the_record(db):
    """createsuperuser, the installation's one way to a superuser, goes through this too."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("installer", "i@test.invalid", "x")
    created = entries(events.POWER_CHANGED).get(additional_data__change="user_created",
                                                object_pk=str(user.pk))
    assert created.additional_data["is_superuser"] is True
    user.is_active = False
    user.save()
    assert entries(events.POWER_CHANGED).filter(additional_data__change="is_active").exists()
