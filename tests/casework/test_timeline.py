"""The case timeline: one list, newest first, of transitions, notes, contacts and reviews, tasks,
assessments and plans (and entries other apps add, such as provider referral updates)."""

import datetime

import pytest
from django.utils import timezone

from casework import selectors, workflow
from tests.casework.conftest import move

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


def kinds(case, viewer):
    return [entry.kind for entry in selectors.case_timeline(case, viewer)]


def test_it_merges_every_kind_newest_first(at_follow_up, alice):
    workflow.write_note(at_follow_up, actor=alice, text="Latest note.")
    entries = selectors.case_timeline(at_follow_up, alice)
    assert entries[0].kind == "note" and entries[-1].kind == "opened"
    times = [e.at for e in entries[:-1]]
    assert times == sorted(times, reverse=True)
    assert {"transition", "note", "follow_up", "task", "assessment", "plan"} <= set(
        kinds(at_follow_up, alice))


def test_a_scheduled_contacts_task_is_not_listed_twice(at_follow_up, alice):
    contact = workflow.schedule_follow_up(at_follow_up, actor=alice,
                                          due_on=timezone.localdate() + datetime.timedelta(1))
    entries = selectors.case_timeline(at_follow_up, alice)
    assert [e.item for e in entries if e.kind == "follow_up"].count(contact) == 1
    assert not any(e.kind == "task" and e.item.follow_up_id == contact.pk for e in entries)


def test_restricted_notes_are_absent_for_others_and_addenda_sit_with_their_note(
    alices_case, alice, sam, ivy
):
    note = workflow.write_note(alices_case, actor=alice, text="Open.")
    workflow.add_addendum(note, actor=sam, text="Added later.")
    workflow.write_note(alices_case, actor=alice, text="Secret.", sensitivity="restricted")
    mine = [e for e in selectors.case_timeline(alices_case, alice) if e.kind == "note"]
    assert len(mine) == 2
    theirs = [e for e in selectors.case_timeline(alices_case, ivy) if e.kind == "note"]
    assert [e.item.text for e in theirs] == ["Open."]
    assert [a.text for a in theirs[0].addenda] == ["Added later."]


def test_other_apps_add_entries_through_the_sources_hook(client, alices_case, alice,
                                                          monkeypatch):
    def provider_updates(case, viewer, limit=None):
        yield selectors.TimelineEntry(at=timezone.now(), kind="provider_referral",
                                      text="Referral accepted by the provider")

    monkeypatch.setattr(selectors, "TIMELINE_SOURCES", [provider_updates])
    assert kinds(alices_case, alice)[0] == "provider_referral"
    client.force_login(alice)
    body = client.get(alices_case.get_absolute_url()).content.decode()
    assert 'data-kind="provider_referral"' in body and "Referral accepted by the provider" in body


def test_the_opening_entry_says_no_stage_changes_yet_until_there_are(client, alices_case, alice,
                                                                     sam):
    client.force_login(alice)
    assert "no stage changes yet" in client.get(alices_case.get_absolute_url()).content.decode()
    move(alices_case, "escalate", sam, reason="Risk.")
    client.force_login(sam)
    assert "no stage changes yet" not in client.get(
        alices_case.get_absolute_url()).content.decode()
