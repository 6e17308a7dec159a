"""Members declare conflicts from the agenda before any summary opens; conflicts are minuted.

mia (education) sits on the North panel; alice's case is on the draft agenda.
"""

from auditlog.models import LogEntry
from django.urls import reverse

from mdt import workflow
from mdt.models import ConflictDeclaration
from tests.mdt.test_pdf import page_texts


def summary_reads(user):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=user,
                                   additional_data__part="mdt summary")


def test_a_member_sees_the_draft_agenda_as_references_and_reasons_only(item, mia, client):
    client.force_login(mia)
    page = client.get(reverse("mdt-meeting", args=[item.meeting_id])).content.decode()

    assert item.case.reference in page
    assert "Added by the chair" in page  # the item's reason
    assert item.case.get_stage_display() not in page
    assert item.case.person.first_name not in page
    assert f'href="{reverse("mdt-item", args=[item.pk])}"' not in page  # no summary link yet
    assert reverse("mdt-conflict", args=[item.pk]) in page


def test_a_member_declares_a_conflict_before_publication_without_opening_the_summary(
    item, mia, mo, client
):
    client.force_login(mia)
    response = client.post(reverse("mdt-conflict", args=[item.pk]))
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(item=item, user=mia).exists()

    workflow.publish_agenda(item.meeting, actor=mo)
    assert client.get(reverse("mdt-item", args=[item.pk])).status_code == 404
    assert not summary_reads(mia).exists()


def test_conflicts_are_in_the_minutes_and_their_pdf(published, mia, sasha, client):
    workflow.declare_conflict(published, actor=mia)
    client.force_login(sasha)

    page = client.get(reverse("mdt-minutes", args=[published.meeting_id])).content.decode()
    section = page[page.index('id="conflicts"'):]
    name = mia.get_full_name() or mia.get_username()
    assert name in section[:400] and published.case.reference in section[:400]

    pdf = b"".join(page_texts(
        client.get(reverse("mdt-minutes-pdf", args=[published.meeting_id])).content))
    assert b"Conflicts of interest" in pdf
    assert published.case.reference.encode() in pdf


def test_no_conflict_is_minuted_as_none_declared(published, sasha, client):
    client.force_login(sasha)
    page = client.get(reverse("mdt-minutes", args=[published.meeting_id])).content.decode()
    assert "None declared." in page
