"""Agenda and minutes export to PDF, marked confidential on every page, and every export is
on the access log (one entry per case shown)."""

import base64
import datetime
import re
import zlib

from auditlog.models import LogEntry
from django.urls import reverse

from mdt import workflow
from mdt.models import Annotation
from tests.factories import AgendaItemFactory
from tests.mdt.conftest import UNDER_WAY, north_case


def page_texts(content: bytes) -> list[bytes]:
    """The decompressed content streams of a reportlab PDF, one per page."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.S)
    texts = []
    for raw in streams:
        data = raw.strip()
        if data.endswith(b"~>"):  # reportlab writes ASCII85 over Flate
            data = base64.a85decode(data[:-2].replace(b"\n", b"").replace(b"\r", b""))
        try:
            texts.append(zlib.decompress(data))
        except zlib.error:
            texts.append(data)
    return [text for text in texts if b"BT" in text]


def page_count(content: bytes) -> int:
    return int(re.search(rb"/Count (\d+)", content).group(1))


def exports(part):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__part=part)


def test_the_agenda_pdf_is_confidential_on_every_page_and_logged(published, north, alice, mia,
                                                                  client):
    meeting = published.meeting
    # Enough items for several pages.
    for _ in range(30):
        AgendaItemFactory(meeting=meeting, case=north_case(north, alice), reasons=["new_case"],
                          detail="Test detail " * 10)
    client.force_login(mia)

    response = client.get(reverse("mdt-agenda-pdf", args=[meeting.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content
    assert content.startswith(b"%PDF")
    pages = page_texts(content)
    assert page_count(content) > 1
    assert len(pages) == page_count(content)
    assert all(b"CONFIDENTIAL" in page for page in pages)
    entries = exports("mdt agenda pdf")
    assert entries.count() == 31  # one per case shown
    assert {entry.additional_data["meeting"] for entry in entries} == {meeting.pk}
    assert all(entry.actor == mia for entry in entries)


def test_the_agenda_pdf_leaves_out_an_item_the_member_is_conflicted_on(published, mia, client):
    workflow.declare_conflict(published, actor=mia)
    client.force_login(mia)
    response = client.get(reverse("mdt-agenda-pdf", args=[published.meeting_id]))
    assert response.status_code == 200
    assert exports("mdt agenda pdf").count() == 0


def test_the_minutes_pdf_works_and_is_logged(published, sasha, client):
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="Test minutes <b>&")
    workflow.finalise_minutes(published.meeting, actor=sasha, now=UNDER_WAY)
    client.force_login(sasha)

    response = client.get(reverse("mdt-minutes-pdf", args=[published.meeting_id]))

    assert response.status_code == 200
    assert all(b"CONFIDENTIAL" in page for page in page_texts(response.content))
    entry = exports("mdt minutes pdf").get()
    assert entry.object_pk == str(published.case_id)


def test_no_pdf_before_the_agenda_is_published(item, mo, client):
    client.force_login(mo)
    assert client.get(reverse("mdt-agenda-pdf", args=[item.meeting_id])).status_code == 404


def test_every_time_in_the_minutes_pdf_is_in_the_one_zone_the_page_names(published, sasha, mo,
                                                                        client, settings):
    settings.TIME_ZONE = "America/Chicago"
    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="Test minutes.")
    workflow.finalise_minutes(published.meeting, actor=sasha, now=UNDER_WAY)  # 11:00 in Chicago
    annotation = workflow.annotate(published.meeting, actor=mo, text="Later note.")
    Annotation.objects.filter(pk=annotation.pk).update(
        written_at=datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC))  # 09:30 there
    client.force_login(sasha)

    text = b"".join(page_texts(
        client.get(reverse("mdt-minutes-pdf", args=[published.meeting_id])).content))

    assert b"All times are in the America/Chicago time zone." in text
    assert b"2026-12-02 10:00" in text  # the meeting
    assert b"Finalised 2026-12-02 11:00." in text
    assert b"2026-12-03 09:30" in text  # the annotation, not its UTC 15:30
    assert b"15:30" not in text and b"17:00" not in text
