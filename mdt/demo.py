"""Demo data for the MDT review: a panel with a drafted meeting (load_demo sends for it)."""

import datetime

from django.utils import timezone

from mdt import workflow
from mdt.models import Panel, PanelMember


def load_demo_panel(*, team, mdt_user, supervisor) -> Panel:
    """The North panel: the `mdt` user chairs it, the supervisor is its secretary; the next
    meeting has an agenda drafted from the demo caseload, ready for the chair to publish."""
    panel, _created = Panel.objects.get_or_create(name="North MDT panel")
    panel.teams.add(team)
    workflow.add_member(panel, mdt_user, role=PanelMember.Role.CHAIR)
    workflow.add_member(panel, supervisor, role=PanelMember.Role.SECRETARY)
    meeting = workflow.schedule_meeting(
        panel, at=panel.next_meeting_at(timezone.now() + datetime.timedelta(hours=1))
    )
    if not meeting.is_published:
        workflow.draft_agenda(meeting)
    return panel


def on_demo_caseload_loaded(sender, *, team, users, **kwargs) -> None:
    """load_demo's signal (casework.signals.demo_caseload_loaded): add the panel to the demo."""
    load_demo_panel(team=team, mdt_user=users["mdt"], supervisor=users["supervisor"])
