"""Minutes are recorded per agenda item, plus general notes; a member who declared a conflict
on an item never reads its minutes (404 on its route, withheld on the minutes page and in the
PDF), finalised item minutes never change, and every read and change is on the record.

sasha is the North panel's secretary, mia sits for education, mo chairs. alice's case is on the
published agenda (`published`); a second North case is added where a test needs two items.
"""

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.workflow import TransitionRefused
from mdt import workflow
from mdt.models import Decision, ItemMinutes, Meeting, Minutes, MinutesLocked
from tests.factories import AgendaItemFactory
from tests.mdt.conftest import UNDER_WAY, north_case
from tests.mdt.test_pdf import page_texts

SECRET = "Item canary: the school reported a fight."


def minutes_url(meeting_id):
    return reverse("mdt-minutes", args=[meeting_id])


def item_url(item):
    return reverse("mdt-item-minutes", args=[item.pk])


@pytest.fixture
def two_items(published, north, alice, mo):
    """alice's case and a second North case, both on the published agenda."""
    meeting = published.meeting
    second = AgendaItemFactory(meeting=meeting, case=north_case(north, alice),
                               order=published.order + 1)
    return published, second


def test_item_minutes_are_saved_and_shown_beside_the_general_notes(published, sasha, mia,
                                                                    client):
    client.force_login(sasha)
    response = client.post(minutes_url(published.meeting_id), {
        "text": "General: next meeting in a week.", "revision": "0",
        f"item-{published.pk}-text": SECRET, f"item-{published.pk}-revision": "-1",
    })
    assert response.status_code == 302

    row = ItemMinutes.objects.get(item=published)
    assert (row.text, row.updated_by, row.revision) == (SECRET, sasha, 0)
    assert Minutes.objects.get(meeting=published.meeting).text == \
        "General: next meeting in a week."
    page = client.get(minutes_url(published.meeting_id)).content.decode()
    assert "General notes" in page and SECRET in page

    client.force_login(mia)  # an ordinary member reads it while the window is open
    page = client.get(minutes_url(published.meeting_id)).content.decode()
    assert SECRET in page and 'name="item-' not in page
    assert SECRET in client.get(item_url(published)).content.decode()


def test_the_item_route_saves_one_item_and_leaves_unchanged_ones_alone(two_items, sasha,
                                                                        client):
    first, second = two_items
    workflow.save_item_minutes(second, actor=sasha, text="Second item.")
    client.force_login(sasha)

    response = client.post(item_url(first), {
        f"item-{first.pk}-text": "First item.", f"item-{first.pk}-revision": "-1",
    })

    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{first.pk}")
    assert ItemMinutes.objects.get(item=first).text == "First item."
    assert ItemMinutes.objects.get(item=second).revision == 0  # untouched
    # Saving the whole page again with the same texts changes nothing.
    client.post(minutes_url(first.meeting_id), {
        "text": "", "revision": "1",
        f"item-{first.pk}-text": "First item.", f"item-{first.pk}-revision": "0",
        f"item-{second.pk}-text": "Second item.", f"item-{second.pk}-revision": "0",
    })
    assert list(ItemMinutes.objects.order_by("item__order").values_list("revision", flat=True)) \
        == [0, 0]


def test_a_conflicted_member_gets_404_on_that_items_minutes_and_never_sees_its_text(
    two_items, sasha, mia, client
):
    first, second = two_items
    workflow.save_item_minutes(first, actor=sasha, text=SECRET)
    workflow.save_item_minutes(second, actor=sasha, text="Nothing to hide here.")
    workflow.record_decision(first, actor=sasha, kind="continue", rationale="Rationale canary.")
    workflow.declare_conflict(first, actor=mia)
    client.force_login(mia)

    assert client.get(item_url(first)).status_code == 404
    assert client.get(item_url(second)).status_code == 200
    page = client.get(minutes_url(first.meeting_id)).content.decode()
    assert SECRET not in page and "Rationale canary." not in page
    assert "Nothing to hide here." in page
    assert "You declared a conflict of interest on this item: it is not shown to you." in page
    assert item_url(first) not in page

    response = client.get(reverse("mdt-minutes-pdf", args=[first.meeting_id]))
    assert response.status_code == 200
    pdf = b"".join(page_texts(response.content))
    assert b"item canary" not in pdf.lower() and b"Rationale canary" not in pdf
    assert b"Nothing to hide here." in pdf
    assert b"You declared a conflict of interest on" in pdf

    # Another member without a conflict reads both, in the PDF too.
    other = Client()
    other.force_login(sasha)
    pdf = b"".join(page_texts(
        other.get(reverse("mdt-minutes-pdf", args=[first.meeting_id])).content))
    assert b"Item canary" in pdf


def test_a_conflicted_secretary_cannot_write_that_items_minutes(published, sasha, client):
    workflow.declare_conflict(published, actor=sasha)
    with pytest.raises(PermissionDenied):
        workflow.save_item_minutes(published, actor=sasha, text="Not mine to write.")
    client.force_login(sasha)
    response = client.post(item_url(published), {f"item-{published.pk}-text": "x"})
    assert response.status_code == 404
    assert not ItemMinutes.objects.exists()


def test_an_ordinary_member_may_read_but_not_write_item_minutes(published, mia, client):
    client.force_login(mia)
    response = client.post(item_url(published), {f"item-{published.pk}-text": "Mine."})
    assert response.status_code == 403
    assert not ItemMinutes.objects.exists()


def test_finalising_saves_the_typed_item_minutes_then_locks_them(published, sasha, client):
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    Meeting.objects.filter(pk=published.meeting_id).update(
        scheduled_for=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(sasha)

    response = client.post(reverse("mdt-finalise", args=[published.meeting_id]), {
        "text": "General notes.", "revision": "0",
        f"item-{published.pk}-text": "Typed, never saved as a draft.",
        f"item-{published.pk}-revision": "-1",
    })

    assert response.status_code == 302
    row = ItemMinutes.objects.get(item=published)
    assert row.text == "Typed, never saved as a draft."
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.save_item_minutes(published, actor=sasha, text="Rewritten.")
    row.text = "Rewritten history."
    with pytest.raises(MinutesLocked):
        row.save()
    with pytest.raises(MinutesLocked):
        row.delete()
    assert client.post(item_url(published), {
        f"item-{published.pk}-text": "Late.", f"item-{published.pk}-revision": "0",
    }).status_code == 400
    assert ItemMinutes.objects.get(item=published).text == "Typed, never saved as a draft."
    page = client.get(minutes_url(published.meeting_id)).content.decode()
    assert 'name="item-' not in page  # no form once finalised


def test_a_refused_finalise_saves_no_item_minutes_and_keeps_them_on_the_page(published, sasha,
                                                                             client):
    client.force_login(sasha)  # no decision yet, and the meeting is still ahead
    response = client.post(reverse("mdt-finalise", args=[published.meeting_id]), {
        "text": "General.", f"item-{published.pk}-text": "Half-written item minutes.",
        f"item-{published.pk}-revision": "-1",
    })
    assert response.status_code == 400
    assert "Half-written item minutes." in response.content.decode()
    assert not ItemMinutes.objects.exists()


def test_finalising_with_item_minutes_written_elsewhere_keeps_them(published, sasha):
    workflow.save_item_minutes(published, actor=sasha, text="Drafted.")
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="General.")
    workflow.finalise_minutes(published.meeting, actor=sasha, now=UNDER_WAY)
    assert ItemMinutes.objects.get(item=published).text == "Drafted."


def _revision(page: str, item) -> str:
    return re.search(rf'name="item-{item.pk}-revision" value="(-?\d+)"', page).group(1)


def test_a_stale_item_edit_is_409_and_keeps_the_typed_text(published, sasha, sam):
    url = minutes_url(published.meeting_id)
    secretary, supervisor = Client(), Client()
    secretary.force_login(sasha)
    supervisor.force_login(sam)  # a supervisor on the panel may minute too
    secretary_page = secretary.get(url).content.decode()
    supervisor_page = supervisor.get(url).content.decode()
    field = f"item-{published.pk}-text"

    saved = secretary.post(item_url(published), {
        field: "Secretary version.",
        f"item-{published.pk}-revision": _revision(secretary_page, published)})
    refused = supervisor.post(item_url(published), {
        field: "Supervisor version.",
        f"item-{published.pk}-revision": _revision(supervisor_page, published)})

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Supervisor version." in body  # kept in the form
    assert f'id="saved-item-{published.pk}"' in body and "Secretary version." in body
    assert ItemMinutes.objects.get(item=published).text == "Secretary version."

    # The same through Save draft: nothing of the page is saved, general notes included.
    refused = supervisor.post(url, {
        "text": "Supervisor general notes.", "revision": "0", field: "Again mine.",
        f"item-{published.pk}-revision": _revision(supervisor_page, published)})
    assert refused.status_code == 409
    assert "Again mine." in refused.content.decode()
    published.meeting.minutes.refresh_from_db()
    assert published.meeting.minutes.text == ""


def test_item_minutes_changes_and_reads_are_on_the_audit_record(published, sasha, mia, client):
    row_type = ContentType.objects.get_for_model(ItemMinutes)
    client.force_login(sasha)
    client.post(item_url(published), {f"item-{published.pk}-text": SECRET,
                                      f"item-{published.pk}-revision": "-1"})
    client.post(item_url(published), {f"item-{published.pk}-text": "Changed.",
                                      f"item-{published.pk}-revision": "0"})
    row = ItemMinutes.objects.get(item=published)

    changes = LogEntry.objects.filter(content_type=row_type, object_id=row.pk)
    assert list(changes.order_by("pk").values_list("action", flat=True)) == [
        LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert all(SECRET not in str(entry.changes) for entry in changes)  # masked
    assert changes.filter(actor=sasha).count() == 2

    client.force_login(mia)
    client.get(item_url(published))
    client.get(minutes_url(published.meeting_id))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=mia,
                                    object_id=published.case_id)
    assert {entry.additional_data["part"] for entry in reads} == {"mdt item minutes",
                                                                  "mdt minutes"}
    assert all(entry.additional_data["item_minutes"] == row.pk for entry in reads)


def test_nobody_outside_the_panel_reads_item_minutes(published, sasha, alice, client):
    workflow.save_item_minutes(published, actor=sasha, text=SECRET)
    client.force_login(alice)  # the case's own caseworker does not sit on the panel
    assert client.get(item_url(published)).status_code == 404


# Query counts -----------------------------------------------------------------------------

AUDIT_TABLES = ("auditlog_logentry", "audit_unsealedentry")


def _minutes_page_queries(client, meeting) -> tuple[int, int]:
    """(queries of the page, of them its audit entries' writes: one read entry per case)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(minutes_url(meeting.pk))
    assert response.status_code == 200
    audit = sum(1 for q in queries if any(table in q["sql"] for table in AUDIT_TABLES))
    return len(queries), audit


def _agenda(panel, north, alice, mo, sasha, count, days):
    meeting = workflow.schedule_meeting(panel, at=timezone.now() + datetime.timedelta(days=days))
    for _ in range(count):
        item = AgendaItemFactory(meeting=meeting, case=north_case(north, alice))
        Decision.objects.create(item=item, kind="continue", rationale="Test.",
                                recorded_by=sasha)
        workflow.Action.objects.create(item=item, description="Test.", owner=alice,
                                       created_by=sasha,
                                       due_on=timezone.localdate() + datetime.timedelta(days=3))
    workflow.publish_agenda(meeting, actor=mo)
    for item in meeting.items.all():
        workflow.save_item_minutes(item, actor=sasha, text="Test item minutes.")
    return meeting


def test_the_minutes_page_is_constant_in_queries(panel, north, alice, mo, sasha, mia, client):
    small = _agenda(panel, north, alice, mo, sasha, 5, 1)
    large = _agenda(panel, north, alice, mo, sasha, 40, 8)
    workflow.declare_conflict(large.items.first(), actor=mia)
    for user in (sasha, mia):  # the secretary's page has a form per item
        client.force_login(user)
        client.get(minutes_url(small.pk))  # warm the session and the content types
        at_5, audit_5 = _minutes_page_queries(client, small)
        at_40, audit_40 = _minutes_page_queries(client, large)
        shown_40 = 40 if user == sasha else 39
        # The page's reads are the same; the audit record holds one read entry per case shown.
        assert at_5 - audit_5 == at_40 - audit_40, (user, at_5, audit_5, at_40, audit_40)
        assert audit_5 * shown_40 == audit_40 * 5, (user, audit_5, audit_40)
        print(f"minutes page ({user.username}): {at_5 - audit_5} queries + {audit_5} audit "
              f"writes at 5 items, {at_40 - audit_40} + {audit_40} at 40")
