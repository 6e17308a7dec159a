"""Demo data for the MDT review: a panel with a drafted meeting (called by load_demo)."""

import datetime

from django.utils import timezone

from casework.panels import services
from casework.panels.models import Panel, PanelMember


def load_demo_panel(*, team, mdt_user, supervisor) -> Panel:
    """The North panel: the `mdt` user chairs it, the supervisor is its secretary; the next
    meeting has an agenda drafted from the demo caseload, ready for the chair to publish."""
    panel, _created = Panel.objects.get_or_create(name="North MDT panel")
    panel.teams.add(team)
    services.add_member(panel, mdt_user, role=PanelMember.Role.CHAIR)
    services.add_member(panel, supervisor, role=PanelMember.Role.SECRETARY)
    meeting = services.schedule_meeting(
        panel, at=panel.next_meeting_at(timezone.now() + datetime.timedelta(hours=1))
    )
    if not meeting.is_published:
        services.draft_agenda(meeting)
    return panel
