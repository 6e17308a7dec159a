"""Minutes are drafted, finalised and locked; a finalised record is only ever annotated."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.workflow import TransitionRefused
from mdt import workflow
from mdt.models import Annotation, Meeting, MinutesLocked
from tests.mdt.conftest import MEETING_AT, UNDER_WAY


@pytest.fixture
def decided(published, sasha):
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="Test minutes.")
    return published


def test_minutes_need_a_decision_on_every_item(published, sasha):
    workflow.save_minutes(published.meeting, actor=sasha, text="Test.")
    with pytest.raises(TransitionRefused, match="decision on every agenda item"):
        workflow.finalise_minutes(published.meeting, actor=sasha, now=UNDER_WAY)


def test_finalised_minutes_cannot_be_edited_through_the_services(decided, sasha):
    meeting = decided.meeting
    workflow.finalise_minutes(meeting, actor=sasha, now=UNDER_WAY)

    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.save_minutes(meeting, actor=sasha, text="Changed.")
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.finalise_minutes(meeting, actor=sasha, now=UNDER_WAY)
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.add_action(decided, actor=sasha, description="x", owner=decided.case.caseworker,
                            due_on=meeting.scheduled_for.date())
    meeting.minutes.refresh_from_db()
    assert meeting.minutes.text == "Test minutes."


def test_finalised_minutes_cannot_be_edited_by_any_save(decided, sasha):
    minutes = workflow.finalise_minutes(decided.meeting, actor=sasha, now=UNDER_WAY)
    minutes.text = "Rewritten history."
    with pytest.raises(MinutesLocked):
        minutes.save()
    with pytest.raises(MinutesLocked):
        minutes.delete()
    minutes.refresh_from_db()
    minutes.save()  # an identical re-save (key rotation) is allowed


def test_annotations_come_only_after_finalisation(decided, sasha, mo, mia):
    meeting = decided.meeting
    with pytest.raises(TransitionRefused, match="once finalised"):
        workflow.annotate(meeting, actor=mo, text="Too early.")
    workflow.finalise_minutes(meeting, actor=sasha, now=UNDER_WAY)

    workflow.annotate(meeting, actor=mo, text="The school called back.")

    assert Annotation.objects.get().author == mo
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.annotate(meeting, actor=mia, text="Ordinary members do not annotate.")


def started(meeting):
    """Say the meeting began an hour ago (the pages finalise at the real time)."""
    Meeting.objects.filter(pk=meeting.pk).update(
        scheduled_for=timezone.now() - datetime.timedelta(hours=1))


def test_the_secretary_drafts_and_finalises_on_the_page(decided, sasha, client):
    started(decided.meeting)
    client.force_login(sasha)
    url = reverse("mdt-minutes", args=[decided.meeting_id])
    assert client.post(url, {"text": "Final text."}).status_code == 302
    assert client.post(reverse("mdt-finalise", args=[decided.meeting_id])).status_code == 302

    response = client.post(url, {"text": "Edited afterwards."})

    assert response.status_code == 400
    assert "The minutes are finalised" in response.content.decode()
    decided.meeting.minutes.refresh_from_db()
    assert decided.meeting.minutes.text == "Final text."
    assert decided.meeting.minutes.is_locked


def test_minutes_are_not_finalised_before_the_meeting_starts(decided, sasha):
    with pytest.raises(TransitionRefused, match="has not started yet"):
        workflow.finalise_minutes(decided.meeting, actor=sasha,
                                  now=MEETING_AT - datetime.timedelta(minutes=5))
    decided.meeting.minutes.refresh_from_db()
    assert not decided.meeting.minutes.is_locked


def test_finalise_saves_the_text_typed_with_it(decided, sasha, client):
    started(decided.meeting)
    client.force_login(sasha)
    minutes = decided.meeting.minutes
    minutes.refresh_from_db()

    response = client.post(reverse("mdt-finalise", args=[decided.meeting_id]), {
        "text": "Typed but never saved as a draft.", "revision": minutes.revision})

    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.is_locked and minutes.text == "Typed but never saved as a draft."


def test_a_refused_finalise_keeps_the_typed_text_on_the_page_and_saves_nothing(
    published, sasha, client
):
    """No decision yet and the meeting still ahead: refused, and the text is shown again."""
    client.force_login(sasha)

    response = client.post(reverse("mdt-finalise", args=[published.meeting_id]),
                           {"text": "Half-written minutes."})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Half-written minutes." in page
    assert "has not started yet" in page and "decision on every agenda item" in page
    published.meeting.minutes.refresh_from_db()
    assert published.meeting.minutes.text == ""
    assert not published.meeting.minutes.is_locked


def test_the_finalise_button_posts_the_minutes_form(decided, sasha, client):
    client.force_login(sasha)
    page = client.get(reverse("mdt-minutes", args=[decided.meeting_id])).content.decode()
    form = page[page.index('id="minutes-form"'):]
    form = form[:form.index("</form>")]
    finalise = reverse("mdt-finalise", args=[decided.meeting_id])
    assert f'formaction="{finalise}"' in form
