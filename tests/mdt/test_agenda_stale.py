"""No lost update on the agenda: the chair acts only on the agenda their page showed. A change
since (another chair, or the agenda job) makes add, remove, draft and publish answer 409 with
the agenda as saved and a typed reason kept, and nothing changes."""

import re

from django.test import Client
from django.urls import reverse

from mdt import workflow
from mdt.models import AgendaItem, Meeting
from tests.mdt.conftest import north_case


def revision_in(page, form_id):
    body = page.content.decode()
    body = body[body.index(f'id="{form_id}"'):]
    return re.search(r'name="revision" value="(\d+)"', body).group(1)


def chairs(mo, sam):
    first, second = Client(), Client()
    first.force_login(mo)
    second.force_login(sam)  # a supervisor on the panel chairs too
    return first, second


def test_the_second_case_added_from_a_stale_agenda_is_refused_and_its_reason_kept(
    item, mo, sam, north, alice
):
    meeting = item.meeting
    one, two = north_case(north, alice), north_case(north, alice)
    url = reverse("mdt-meeting", args=[meeting.pk])
    add = reverse("mdt-item-add", args=[meeting.pk])
    mo_client, sam_client = chairs(mo, sam)
    mos_page, sams_page = mo_client.get(url), sam_client.get(url)

    added = mo_client.post(add, {"reference": one.reference, "reason": "Mo: risk went up.",
                                 "revision": revision_in(mos_page, "add-item-form")})
    refused = sam_client.post(add, {"reference": two.reference, "reason": "Sam: plan stalled.",
                                    "revision": revision_in(sams_page, "add-item-form")})

    assert added.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Sam: plan stalled." in body and two.reference in body  # kept in the form
    assert one.reference in body  # the agenda as saved
    assert not AgendaItem.objects.filter(meeting=meeting, case=two).exists()


def test_publishing_an_agenda_changed_since_the_page_is_refused(item, mo, sam):
    meeting = item.meeting
    url = reverse("mdt-meeting", args=[meeting.pk])
    mo_client, sam_client = chairs(mo, sam)
    mos_page, sams_page = mo_client.get(url), sam_client.get(url)

    removed = sam_client.post(reverse("mdt-item-remove", args=[item.pk]),
                              {"revision": revision_in(sams_page, "agenda")})
    refused = mo_client.post(reverse("mdt-publish", args=[meeting.pk]),
                             {"revision": revision_in(mos_page, "chair-tools")})

    assert removed.status_code == 302
    assert refused.status_code == 409
    assert "Someone else changed this since you opened the page" in refused.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).published_at is None


def test_the_agenda_job_adding_a_case_makes_the_chairs_page_stale(meeting, mo, north, alice):
    """The job drafts from the caseload; a chair who opened the page before must look again."""
    from tests.factories import CaseFactory

    client = Client()
    client.force_login(mo)
    page = client.get(reverse("mdt-meeting", args=[meeting.pk]))
    before = Meeting.objects.get(pk=meeting.pk).revision
    AgendaItem.objects.create(meeting=meeting, case=CaseFactory(team=north, caseworker=alice))
    workflow.draft_agenda(meeting)  # renumbers: the agenda changed
    assert Meeting.objects.get(pk=meeting.pk).revision == before + 1
    refused = client.post(reverse("mdt-publish", args=[meeting.pk]),
                          {"revision": revision_in(page, "chair-tools")})
    assert refused.status_code == 409


def test_a_draft_that_changes_nothing_leaves_open_pages_current(item, mo):
    meeting = Meeting.objects.get(pk=item.meeting_id)
    workflow.draft_agenda(meeting)
    seen = Meeting.objects.get(pk=meeting.pk).revision
    workflow.draft_agenda(meeting)
    assert Meeting.objects.get(pk=meeting.pk).revision == seen
