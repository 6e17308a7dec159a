"""The agenda job: before each meeting, draft its agenda from the caseload. Takes ids only."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from mdt import workflow
from mdt.models import Meeting, Panel


@shared_task(acks_late=True)
def draft_agendas() -> int:
    """Schedule each active panel's next meeting and draft the agendas of meetings due soon.

    Safe to run again: drafting only adds cases that are new to the agenda, never restores what
    the chair removed, and stops at publication. Returns the number of meetings drafted.
    """
    now = timezone.now()
    for panel_id in Panel.objects.filter(is_active=True).values_list("pk", flat=True):
        workflow.schedule_meeting(Panel.objects.get(pk=panel_id))
    due = Meeting.objects.filter(
        panel__is_active=True,
        published_at__isnull=True,
        scheduled_for__gt=now,
        scheduled_for__lte=now + datetime.timedelta(days=settings.MDT_AGENDA_LEAD_DAYS),
    ).values_list("pk", flat=True)
    drafted = 0
    for meeting_id in list(due):
        draft_meeting_agenda.delay(meeting_id)
        drafted += 1
    return drafted


@shared_task(acks_late=True)
def draft_meeting_agenda(meeting_id: int) -> None:
    """Draft one meeting's agenda; does nothing once it is published."""
    meeting = Meeting.objects.select_related("panel", "minutes").filter(pk=meeting_id).first()
    if meeting is None or meeting.is_published:
        return
    workflow.draft_agenda(meeting)
