"""The weekly MDT review in Debian's Chromium, on the demo data: the chair trims and publishes
the drafted agenda, the secretary records a decision with an action, and finalises the minutes."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Task
from mdt.models import Decision, Meeting
from tests.browser.conftest import RESULTS, expect_message, sign_in

pytestmark = pytest.mark.browser


def screenshot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"mdt-{name}.png"), full_page=True)


def open_meeting(page: Page) -> None:
    page.get_by_role("link", name="MDT meetings").first.click()
    expect(page.get_by_role("heading", name="MDT meetings", level=1)).to_be_visible()
    page.locator("#meetings tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="MDT meeting", level=1)).to_be_visible()


def test_the_chair_publishes_and_the_secretary_decides_and_finalises(page: Page, demo):
    meeting = Meeting.objects.get(panel__name="North MDT panel")
    drafted = meeting.items.filter(removed=False).count()
    assert drafted >= 2, "load_demo should draft an agenda from the demo caseload"

    # The chair (the demo `mdt` user) keeps one case for this short meeting and publishes.
    sign_in(page, "mdt")
    open_meeting(page)
    expect(page.locator("#agenda tr.agenda-item")).to_have_count(drafted)
    screenshot(page, "draft-agenda")
    for remaining in range(drafted - 1, 0, -1):
        page.locator("#agenda tr.agenda-item").last.get_by_role("button", name="Remove").click()
        expect_message(page, "Case removed from the agenda.")
        expect(page.locator("#agenda tr.agenda-item")).to_have_count(remaining)
    page.get_by_role("button", name="Publish agenda").click()
    expect_message(page, "Agenda published")
    expect(page.locator("#meeting-status")).to_contain_text("Agenda published.")
    reference = page.locator("#agenda tr.agenda-item").first.get_attribute("data-case")
    page.get_by_role("button", name="Sign out mdt").click()

    # The secretary (the demo supervisor) walks the agenda: attendance, decision, action.
    sign_in(page, "supervisor")
    open_meeting(page)
    page.get_by_role("button", name="Record attendance").click()
    expect_message(page, "Attendance recorded.")
    page.locator("#agenda").get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name="Meeting summary")).to_be_visible()
    expect(page.locator("#summary-person")).to_be_visible()
    page.get_by_label("Decision").select_option(label="Continue as planned")
    page.get_by_label("Rationale").fill("Fictional: engaging well; keep the plan as it is.")
    page.get_by_role("button", name="Record decision").click()
    expect_message(page, "Decision recorded.")
    expect(page.locator("#decision")).to_contain_text("Continue as planned")
    page.get_by_label("Action", exact=True).fill("Fictional: ask the school for an update.")
    page.get_by_label("Owner").select_option(index=1)
    page.get_by_label("Due on").fill("2030-01-15")
    page.get_by_role("button", name="Add action").click()
    expect_message(page, "Action added")
    expect(page.locator("#actions li")).to_have_count(1)
    screenshot(page, "item")

    # Minutes: the item's and the general notes, drafted, then finalised and locked.
    page.get_by_role("link", name="Back to the agenda").click()
    page.get_by_role("link", name="Minutes", exact=True).click()
    page.get_by_label("Minutes of this item").fill("Fictional: the school reports good attendance.")
    page.get_by_label("General notes").fill("Fictional: one case reviewed; the plan continues.")
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, "Draft minutes saved.")
    # Minutes are finalised once the meeting has started: say it began an hour ago.
    Meeting.objects.filter(pk=meeting.pk).update(
        scheduled_for=timezone.now() - datetime.timedelta(hours=1))
    page.get_by_role("button", name="Finalise minutes").click()
    expect_message(page, "Minutes finalised.")
    expect(page.locator("#minutes-status")).to_contain_text("Finalised")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.locator("#minutes-items")).to_contain_text("the school reports good attendance")
    screenshot(page, "minutes")

    meeting.refresh_from_db()
    assert meeting.minutes.is_locked and meeting.minutes.finalised_by.username == "supervisor"
    decision = Decision.objects.get(item__meeting=meeting)
    assert decision.kind == "continue" and decision.item.case.reference == reference
    action = decision.item.actions.get()
    assert Task.objects.filter(pk=action.task_id, owner=action.owner, done_at=None).exists()
