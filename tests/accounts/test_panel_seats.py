"""A seat on an MDT panel opens the agenda cases' summaries: it is a power like a role.

Seating someone waits for a second admin; ending a seat is immediate; each step is on the chain.
adam and eve are system admins; mo an MDT member.
"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit import events, sequencer
from casework import roles
from casework.accounts import powers
from casework.accounts.models import PowerRequest
from mdt import access
from mdt import workflow as mdt_workflow
from mdt.models import PanelMember
from tests.accounts.conftest import entries
from tests.factories import MeetingFactory, PanelFactory, UserFactory, seat


@pytest.fixture
def eve(db):
    return UserFactory(username="eve", roles=[roles.ADMIN], is_staff=True)


@pytest.fixture
def mo(db):
    return UserFactory(username="mo", roles=[roles.MDT])


@pytest.fixture
def panel(north):
    return PanelFactory(name="Central", teams=[north])


def _panel_form(panel, rows):
    data = {"name": panel.name, "teams": [t.pk for t in panel.teams.all()],
            "weekday": panel.weekday, "time": panel.time.strftime("%H:%M"), "is_active": "on",
            "members-TOTAL_FORMS": len(rows),
            "members-INITIAL_FORMS": sum(1 for r in rows if r.get("id")),
            "members-MIN_NUM_FORMS": 0, "members-MAX_NUM_FORMS": 1000}
    for i, row in enumerate(rows):
        data |= {f"members-{i}-{key}": value for key, value in row.items()}
        data[f"members-{i}-panel"] = panel.pk
    return data


def _change_panel(client, panel, rows):
    return client.post(reverse("admin:mdt_panel_change", args=[panel.pk]),
                       _panel_form(panel, rows))


def test_a_new_seat_waits_for_a_second_admin_and_opens_nothing(client, adam, mo, panel):
    meeting = MeetingFactory(panel=panel)
    client.force_login(adam)

    response = _change_panel(client, panel, [{"user": mo.pk, "role": "chair",
                                              "is_active": "on"}])

    assert response.status_code == 302
    assert not PanelMember.objects.filter(user=mo).exists()
    assert not access.visible_meetings(mo).filter(pk=meeting.pk).exists()
    pending = PowerRequest.objects.get()
    assert (pending.user, pending.panel, pending.panel_role) == (mo, panel, "chair")
    assert entries(events.POWER_REQUESTED).filter(actor=adam).count() == 1


def test_the_second_admins_approval_seats_the_member(client, adam, eve, mo, panel):
    meeting = MeetingFactory(panel=panel)
    client.force_login(adam)
    _change_panel(client, panel, [{"user": mo.pk, "role": "chair", "is_active": "on"}])
    pending = PowerRequest.objects.get()

    with pytest.raises(powers.ApprovalRefused):
        powers.approve(pending, actor=adam)  # not the one who asked
    client.force_login(eve)
    client.post(reverse("admin:casework_powerrequest_changelist"),
                {"action": "approve", "_selected_action": [pending.pk]})

    member = PanelMember.objects.get(user=mo)
    assert (member.panel, member.role, member.is_active) == (panel, "chair", True)
    assert access.visible_meetings(mo).filter(pk=meeting.pk).exists()
    approved = entries(events.POWER_APPROVED).get()
    assert (approved.actor, approved.additional_data["requested_by"]) == (eve, adam.pk)
    sequencer.seal()
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)  # raises on a broken chain


def test_a_new_role_on_the_panel_waits_too(client, adam, mo, panel):
    member = seat(panel, mo, "social_services")
    client.force_login(adam)
    _change_panel(client, panel, [{"id": member.pk, "user": mo.pk, "role": "chair",
                                   "is_active": "on"}])
    member.refresh_from_db()
    assert member.role == "social_services"
    assert PowerRequest.objects.get().panel_role == "chair"


def test_ending_a_seat_takes_effect_at_once(client, adam, mo, panel):
    meeting = MeetingFactory(panel=panel)
    member = seat(panel, mo)
    assert access.visible_meetings(mo).filter(pk=meeting.pk).exists()
    client.force_login(adam)

    _change_panel(client, panel, [{"id": member.pk, "user": mo.pk, "role": member.role}])

    member.refresh_from_db()
    assert not member.is_active
    assert not access.visible_meetings(mo).filter(pk=meeting.pk).exists()
    assert not PowerRequest.objects.exists()
    removed = entries(events.POWER_CHANGED).get(additional_data__change="panel_seat_removed")
    assert (removed.actor, removed.object_pk) == (adam, str(mo.pk))


def test_deleting_a_seat_is_on_the_record(client, adam, mo, panel):
    member = seat(panel, mo)
    client.force_login(adam)
    _change_panel(client, panel, [{"id": member.pk, "user": mo.pk, "role": member.role,
                                   "is_active": "on", "DELETE": "on"}])
    assert not PanelMember.objects.filter(pk=member.pk).exists()
    assert entries(events.POWER_CHANGED).filter(
        additional_data__change="panel_seat_removed").count() == 1


def test_an_admin_cannot_seat_itself(client, adam, panel):
    client.force_login(adam)
    response = _change_panel(client, panel, [{"user": adam.pk, "role": "chair",
                                              "is_active": "on"}])
    assert b"You cannot change your own memberships" in response.content
    assert not PowerRequest.objects.exists()
    with pytest.raises(powers.SelfChangeRefused):
        mdt_workflow.request_panel_seat(adam, panel, role="chair", actor=adam)


def test_only_mdt_members_and_supervisors_can_be_asked_for(client, adam, bob, panel):
    client.force_login(adam)
    response = _change_panel(client, panel, [{"user": bob.pk, "role": "chair",
                                              "is_active": "on"}])
    assert response.status_code == 302
    assert not PowerRequest.objects.exists()
    assert not PanelMember.objects.filter(user=bob).exists()
