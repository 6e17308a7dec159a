"""Minutes are drafted, finalised and locked; a finalised record is only ever annotated."""

import pytest
from django.urls import reverse

from casework.workflow import TransitionRefused
from mdt import workflow
from mdt.models import Annotation, MinutesLocked


@pytest.fixture
def decided(published, sasha):
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="Test minutes.")
    return published


def test_minutes_need_a_decision_on_every_item(published, sasha):
    workflow.save_minutes(published.meeting, actor=sasha, text="Test.")
    with pytest.raises(TransitionRefused, match="decision on every agenda item"):
        workflow.finalise_minutes(published.meeting, actor=sasha)


def test_finalised_minutes_cannot_be_edited_through_the_services(decided, sasha):
    meeting = decided.meeting
    workflow.finalise_minutes(meeting, actor=sasha)

    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.save_minutes(meeting, actor=sasha, text="Changed.")
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.finalise_minutes(meeting, actor=sasha)
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.add_action(decided, actor=sasha, description="x", owner=decided.case.caseworker,
                            due_on=meeting.scheduled_for.date())
    meeting.minutes.refresh_from_db()
    assert meeting.minutes.text == "Test minutes."


def test_finalised_minutes_cannot_be_edited_by_any_save(decided, sasha):
    minutes = workflow.finalise_minutes(decided.meeting, actor=sasha)
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
    workflow.finalise_minutes(meeting, actor=sasha)

    workflow.annotate(meeting, actor=mo, text="The school called back.")

    assert Annotation.objects.get().author == mo
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.annotate(meeting, actor=mia, text="Ordinary members do not annotate.")


def test_the_secretary_drafts_and_finalises_on_the_page(decided, sasha, client):
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
