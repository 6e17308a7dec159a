"""The meeting page costs the same number of queries for a 5-item and a 40-item agenda."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mdt import workflow
from mdt.models import Decision
from tests.factories import AgendaItemFactory
from tests.mdt.conftest import north_case


def _meeting_with(meeting, north, alice, mo, sasha, count):
    for _ in range(count):
        item = AgendaItemFactory(meeting=meeting, case=north_case(north, alice),
                                 reasons=["new_case", "stuck_stage"])
        if item.pk % 2:
            Decision.objects.create(item=item, kind="continue", rationale="Test.",
                                    recorded_by=sasha)
            workflow.Action.objects.create(
                item=item, description="Test.", owner=alice, created_by=sasha,
                due_on=timezone.localdate() + datetime.timedelta(days=3),
            )
    workflow.publish_agenda(meeting, actor=mo)


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_meeting_page_is_constant_in_queries(panel, north, alice, mo, sasha, client):
    small = workflow.schedule_meeting(panel, at=timezone.now() + datetime.timedelta(days=1))
    large = workflow.schedule_meeting(panel, at=timezone.now() + datetime.timedelta(days=8))
    _meeting_with(small, north, alice, mo, sasha, 5)
    _meeting_with(large, north, alice, mo, sasha, 40)
    client.force_login(sasha)  # the secretary's view has the most on it
    queries_for(client, reverse("mdt-meeting", args=[small.pk]))  # warm the session

    at_5 = queries_for(client, reverse("mdt-meeting", args=[small.pk]))
    at_40 = queries_for(client, reverse("mdt-meeting", args=[large.pk]))

    assert at_5 == at_40, (at_5, at_40)
    assert at_40 <= 20
    print(f"meeting page: {at_5} queries at 5 items, {at_40} at 40")
