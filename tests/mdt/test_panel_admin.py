"""The system admin seats panels in the admin site; meetings and minutes are not there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from casework import roles
from casework.accounts import powers
from casework.accounts.models import PowerRequest
from mdt.models import AgendaItem, Decision, Meeting, Minutes, Panel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_sets_up_a_panel_with_its_members(client, adam, mo, north):
    client.force_login(adam)
    assert client.get(reverse("admin:mdt_panel_add")).status_code == 200
    response = client.post(reverse("admin:mdt_panel_add"), {
        "name": "North panel", "teams": [north.pk], "weekday": 2, "time": "10:00",
        "is_active": "on",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
        "members-0-user": mo.pk, "members-0-role": "chair", "members-0-is_active": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    panel = Panel.objects.get(name="North panel")
    # A seat opens the agenda cases' summaries: it waits for a second admin (powers.py).
    assert not panel.members.exists()
    eve = UserFactory(username="eve", roles=[roles.ADMIN], is_staff=True)
    powers.approve(PowerRequest.objects.get(panel=panel), actor=eve)
    assert list(panel.members.values_list("user", "role")) == [(mo.pk, "chair")]


@pytest.mark.parametrize("model", [Meeting, AgendaItem, Decision, Minutes])
def test_meeting_records_have_no_admin_page(model):
    assert model not in admin.site._registry
