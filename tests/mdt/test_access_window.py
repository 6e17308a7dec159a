"""Panel members see agenda cases only from publication until finalisation plus the grace
period, never an item they declared a conflict on, and nobody else sees them at all."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.http import Http404
from django.urls import reverse
from freezegun import freeze_time

from mdt import access, workflow
from tests.mdt.conftest import MEETING_AT

PUBLISHED_AT = MEETING_AT - datetime.timedelta(days=1)
FINALISED_AT = MEETING_AT + datetime.timedelta(hours=2)


@pytest.fixture
def finalised(item, mo, sasha, settings):
    """Published the day before, decided and finalised two hours into the meeting."""
    settings.MDT_GRACE_PERIOD_HOURS = 24
    workflow.publish_agenda(item.meeting, actor=mo, now=PUBLISHED_AT)
    with freeze_time(MEETING_AT):
        workflow.record_decision(item, actor=sasha, kind="continue", rationale="Test.")
        workflow.save_minutes(item.meeting, actor=sasha, text="Test minutes.")
    workflow.finalise_minutes(item.meeting, actor=sasha, now=FINALISED_AT)
    return item


def sees(user, item, now) -> bool:
    try:
        access.access_agenda_item(user, item.pk, now=now)
    except Http404:
        return False
    return True


@pytest.mark.parametrize(
    ("moment", "visible"),
    [
        (PUBLISHED_AT - datetime.timedelta(minutes=1), False),  # before publication
        (PUBLISHED_AT, True),
        (FINALISED_AT, True),  # grace period starts
        (FINALISED_AT + datetime.timedelta(hours=23, minutes=59), True),
        (FINALISED_AT + datetime.timedelta(hours=24), False),  # grace period over
    ],
)
def test_a_member_sees_agenda_cases_only_inside_the_window(finalised, mia, moment, visible):
    assert sees(mia, finalised, moment) is visible


def test_the_grace_period_is_a_setting(finalised, mia, settings):
    settings.MDT_GRACE_PERIOD_HOURS = 1
    assert not sees(mia, finalised, FINALISED_AT + datetime.timedelta(hours=1))


def test_an_unpublished_agenda_shows_no_case(item, mia, mo):
    assert not sees(mia, item, MEETING_AT)
    assert not sees(mo, item, MEETING_AT)  # not even the chair: publication opens the window


def test_a_member_never_sees_an_item_they_declared_a_conflict_on(published, mia, mo):
    workflow.declare_conflict(published, actor=mia)
    assert not sees(mia, published, None)
    assert sees(mo, published, None)


def test_people_off_the_panel_never_see_agenda_cases(published, alice, sam, sofia, ivy, pat,
                                                       audrey, adam, root, panel):
    """alice holds the case but is not on the panel; sam sits on it; sofia does not."""
    assert sees(sam, published, None)
    for user in (alice, sofia, ivy, pat, audrey, adam, root):
        assert not sees(user, published, None), user


def test_a_member_who_leaves_the_panel_loses_access_at_once(published, mia):
    mia.panel_memberships.update(is_active=False)
    assert not sees(mia, published, None)


# Through the pages, with the clock frozen --------------------------------------------------


def summary_url(item):
    return reverse("mdt-item", args=[item.pk])


def test_the_summary_page_answers_404_before_and_after_the_window(finalised, mia, client):
    for moment, status in [
        (PUBLISHED_AT - datetime.timedelta(hours=1), 404),
        (MEETING_AT, 200),
        (FINALISED_AT + datetime.timedelta(hours=25), 404),
    ]:
        with freeze_time(moment):
            client.force_login(mia)  # sessions have an absolute lifetime: sign in "then"
            assert client.get(summary_url(finalised)).status_code == status, moment


def test_the_summary_shows_the_meeting_summary_not_the_notes(published, mia, client):
    from casework.models import CaseNote

    case = published.case
    CaseNote.objects.create(case=case, author=case.caseworker, text="Canary note XQZ.")
    client.force_login(mia)

    response = client.get(summary_url(published))

    body = response.content.decode()
    assert case.person.first_name in body
    assert case.person.last_name not in body
    assert "Canary note XQZ" not in body


def test_every_view_of_a_summary_is_on_the_access_log(published, mia, client):
    client.force_login(mia)
    client.get(summary_url(published))
    client.get(summary_url(published))

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS,
                                      additional_data__part="mdt summary")
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == mia
    assert entry.object_pk == str(published.case_id)  # logged against the case
    assert entry.additional_data["relation"] == "mdt panel"


def test_a_conflicted_member_gets_404_and_the_item_is_withheld_on_the_agenda(
    published, mia, client
):
    client.force_login(mia)
    client.post(reverse("mdt-conflict", args=[published.pk]))

    assert client.get(summary_url(published)).status_code == 404
    agenda = client.get(reverse("mdt-meeting", args=[published.meeting_id])).content.decode()
    assert published.case.reference not in agenda


def test_the_list_is_for_mdt_members_and_supervisors(alice, mia, sofia, panel, client):
    client.force_login(alice)
    assert client.get(reverse("mdt-list")).status_code == 403
    client.force_login(sofia)
    assert client.get(reverse("mdt-list")).status_code == 200
