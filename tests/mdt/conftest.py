"""MDT personas on top of the shared ones (tests/conftest.py).

The North panel reviews the North team's cases. mo chairs it, sasha (an MDT member) is its
secretary, mia (an MDT member) sits for education, and sam (North's supervisor) sits for social
services, so as a supervisor he may also chair and minute. The meeting is on 2 Dec 2026 10:00.
"""

import datetime

import pytest
from django.utils import timezone

from casework import roles
from mdt import workflow
from mdt.models import PanelMember
from tests.factories import AgendaItemFactory, CaseFactory, PanelFactory, UserFactory, seat

# A Wednesday, at the panels' default time (settings.MDT_MEETING_WEEKDAY and _TIME).
MEETING_AT = timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 0))
# An hour into it: minutes are finalised only once the meeting has started.
UNDER_WAY = MEETING_AT + datetime.timedelta(hours=1)


@pytest.fixture
def sasha(db):
    return UserFactory(username="sasha", roles=[roles.MDT])


@pytest.fixture
def mia(db):
    return UserFactory(username="mia", roles=[roles.MDT])


@pytest.fixture
def panel(north, mo, sasha, mia, sam):
    panel = PanelFactory(name="North MDT", teams=[north])
    seat(panel, mo, PanelMember.Role.CHAIR)
    seat(panel, sasha, PanelMember.Role.SECRETARY)
    seat(panel, mia, PanelMember.Role.EDUCATION)
    seat(panel, sam, PanelMember.Role.SOCIAL_SERVICES)
    return panel


@pytest.fixture
def meeting(panel):
    return workflow.schedule_meeting(panel, at=MEETING_AT)


@pytest.fixture
def item(meeting, alices_case):
    """alice's North case on the meeting's draft agenda."""
    return AgendaItemFactory(meeting=meeting, case=alices_case)


@pytest.fixture
def published(item, mo):
    """The agenda with alice's case, published by the chair a minute ago."""
    workflow.publish_agenda(item.meeting, actor=mo, now=timezone.now() - datetime.timedelta(minutes=1))
    item.meeting.refresh_from_db()
    return item


def north_case(north, alice, **kwargs):
    return CaseFactory(team=north, caseworker=alice, **kwargs)
