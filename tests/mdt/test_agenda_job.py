"""The Celery job schedules each panel's next meeting and drafts agendas due soon."""

import datetime

from django.conf import settings
from django.utils import timezone

from mdt import tasks, workflow
from mdt.models import Meeting
from tests.mdt.conftest import north_case


def test_the_job_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["mdt-draft-agendas"]
    assert entry["task"] == "mdt.tasks.draft_agendas"
    from casework.celery import app

    app.loader.import_default_modules()
    assert "mdt.tasks.draft_agendas" in app.tasks


def test_the_job_drafts_the_next_meeting_and_a_rerun_adds_nothing(panel, north, alice, settings):
    settings.MDT_AGENDA_LEAD_DAYS = 7
    case = north_case(north, alice)

    tasks.draft_agendas.delay()

    meeting = Meeting.objects.get(panel=panel)
    assert meeting.scheduled_for > timezone.now()
    assert list(meeting.items.values_list("case_id", flat=True)) == [case.pk]
    assert meeting.agenda_drafted_at is not None
    tasks.draft_agendas.delay()
    assert Meeting.objects.get(panel=panel).items.count() == 1


def test_the_job_leaves_a_published_agenda_alone(panel, north, alice, mo, settings):
    settings.MDT_AGENDA_LEAD_DAYS = 7
    meeting = workflow.schedule_meeting(panel)
    workflow.add_item(meeting, actor=mo, reference=north_case(north, alice).reference)
    workflow.publish_agenda(meeting, actor=mo)
    north_case(north, alice)

    tasks.draft_agendas.delay()

    assert meeting.items.count() == 1


def test_meetings_far_ahead_are_not_drafted_yet(panel, north, alice, settings):
    settings.MDT_AGENDA_LEAD_DAYS = 0
    north_case(north, alice)
    tasks.draft_agendas.delay()
    assert Meeting.objects.get(panel=panel).items.count() == 0
    assert Meeting.objects.get(panel=panel).scheduled_for - timezone.now() <= datetime.timedelta(
        days=7
    )
