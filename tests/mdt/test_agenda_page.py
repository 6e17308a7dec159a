"""The chair shapes and publishes the agenda; members see it only once published."""

from django.urls import reverse

from mdt.models import AgendaItem
from tests.mdt.conftest import north_case


def meeting_url(meeting):
    return reverse("mdt-meeting", args=[meeting.pk])


def test_the_chair_adds_removes_and_publishes(meeting, north, alice, mo, client):
    case = north_case(north, alice)
    client.force_login(mo)

    response = client.post(reverse("mdt-item-add", args=[meeting.pk]),
                           {"reference": case.reference, "reason": "Asked by the school."})
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting, case=case)
    assert item.reasons == ["manual"] and item.source == "manual"
    assert client.post(reverse("mdt-item-remove", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.removed
    response = client.post(reverse("mdt-publish", args=[meeting.pk]))
    assert response.status_code == 400
    assert "at least one case" in response.content.decode()

    client.post(reverse("mdt-item-add", args=[meeting.pk]), {"reference": case.reference})
    assert client.post(reverse("mdt-publish", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_published and meeting.published_by == mo


def test_an_unknown_reference_is_refused_with_a_clear_message(meeting, carols_case, mo, client):
    """carol's case is South's: not one the North panel reviews."""
    client.force_login(mo)
    response = client.post(reverse("mdt-item-add", args=[meeting.pk]),
                           {"reference": carols_case.reference})
    assert response.status_code == 400
    assert "No open case of the panel" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_ordinary_members_may_not_shape_the_agenda(item, mia, client):
    client.force_login(mia)
    assert client.post(reverse("mdt-publish", args=[item.meeting_id])).status_code == 403
    assert client.post(reverse("mdt-item-remove", args=[item.pk])).status_code == 403


def test_members_open_the_agenda_summaries_only_once_published(item, mia, mo, client):
    """Before publication a member sees references and reasons (to declare conflicts)."""
    summary = f'href="{reverse("mdt-item", args=[item.pk])}"'
    client.force_login(mia)
    page = client.get(meeting_url(item.meeting)).content.decode()
    assert item.case.reference in page and summary not in page
    client.force_login(mo)
    client.post(reverse("mdt-publish", args=[item.meeting_id]))
    client.force_login(mia)
    assert summary in client.get(meeting_url(item.meeting)).content.decode()


def test_a_meeting_of_another_panel_is_a_404(item, sofia, client):
    client.force_login(sofia)
    assert client.get(meeting_url(item.meeting)).status_code == 404
