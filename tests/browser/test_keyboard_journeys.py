"""Keyboard only: Tab to move, typing into fields, Enter to follow and send. No mouse.

Each journey signs in through the real pages and does one piece of the role's daily work. The
focus must be visible where it lands, and after an action it must be on the result.
"""

import pytest
from playwright.sync_api import Page, expect

from casework.models import Case
from tests.browser.conftest import demo_code

pytestmark = pytest.mark.browser

# What a user hears for the focused element: its label, or its own text.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
  return (label || e.getAttribute("aria-label") || e.innerText || e.value || "").trim();
}"""
TAB_LIMIT = 120


def tab_to(page: Page, name: str = "", *, selector: str = "") -> None:
    """Press Tab until the focused element's name starts with `name`, or it matches `selector`
    (fail after TAB_LIMIT presses)."""
    seen = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        here = page.evaluate(FOCUSED_NAME)
        found = (page.evaluate("(s) => document.activeElement.matches(s)", selector)
                 if selector else here.startswith(name))
        if found:
            assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
            return
        seen.append(here)
    raise AssertionError(f"Tab never reached {name!r}; it went through {seen}")


def type_into(page: Page, name: str, text: str) -> None:
    tab_to(page, name)
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/login/")
    type_into(page, "User name", username)
    type_into(page, "Password", "demo-casework-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Second factor", level=1)).to_be_visible()
    type_into(page, "Code from your authenticator app", demo_code(username))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def follow(page: Page, name: str = "", *, selector: str = "") -> None:
    """Tab to a link or a button and press Enter: a new page loads."""
    tab_to(page, name, selector=selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def toggle(page: Page, name: str) -> None:
    """Tab to a disclosure (<summary>) and press Enter: it opens in place."""
    tab_to(page, name)
    page.keyboard.press("Enter")


def expect_focus_on_result(page: Page, text: str) -> None:
    result = page.locator("[data-focus-result]")
    expect(result).to_contain_text(text)
    expect(result).to_be_focused()


def test_intake_reaches_a_referral_to_screen_by_keyboard(page: Page, demo):
    sign_in_by_keyboard(page, "intake")
    follow(page, "Intake inbox")
    expect(page.get_by_role("heading", name="Intake inbox", level=1)).to_be_visible()
    follow(page, selector="#inbox a")  # the first referral waiting
    expect(page.get_by_role("heading", name="Referral", level=1, exact=False)).to_be_visible()
    toggle(page, "Decline")  # the decision chooser opens with Enter
    expect(page.locator('details[data-choice="decline"]')).to_have_attribute("open", "")


def test_a_caseworker_writes_a_note_by_keyboard(page: Page, demo):
    case = Case.objects.filter(caseworker__username="caseworker", stage="follow_up").first()
    sign_in_by_keyboard(page, "caseworker")
    follow(page, case.reference)
    expect(page.locator("h1")).to_contain_text(case.reference)
    toggle(page, "Write a note")
    type_into(page, "Note", "Keyboard-only note: called the person, all well.")
    follow(page, "Save note")
    expect_focus_on_result(page, "Note saved")


def test_a_caseworker_sees_the_error_summary_focused_by_keyboard(page: Page, demo):
    case = Case.objects.filter(caseworker__username="caseworker", stage="follow_up").first()
    sign_in_by_keyboard(page, "caseworker")
    follow(page, case.reference)
    toggle(page, "Write a note")
    type_into(page, "Note", "   ")  # only spaces: the browser sends it, the server refuses it
    follow(page, "Save note")
    summary = page.locator("[data-focus-error]")
    expect(summary).to_be_focused()


def test_a_supervisor_reaches_the_team_and_tasks_by_keyboard(page: Page, demo):
    sign_in_by_keyboard(page, "supervisor")
    follow(page, "Team")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Team")
    follow(page, "My tasks")
    expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()


def test_the_mdt_chair_opens_the_next_meeting_by_keyboard(page: Page, demo):
    sign_in_by_keyboard(page, "mdt")
    follow(page, "MDT meetings")
    expect(page.get_by_role("heading", name="MDT meetings", level=1)).to_be_visible()
    follow(page, selector="#meetings a")  # the first meeting's date
    expect(page.get_by_role("heading", name="MDT meeting", level=1)).to_be_visible()
