"""A member of the public refers someone; an intake coordinator screens it and opens a case.

The public side has no account: the form, the confirmation with its reference, nothing else.
The coordinator signs in through the login form (demo data from manage.py load_demo), finds the
referral in the intake inbox, records a deconfliction check and accepts it, which opens a case.
"""

import re

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Case
from referrals.models import Referral, ScreeningCheck, ScreeningDecision
from tests.browser.conftest import RESULTS, sign_in

pytestmark = pytest.mark.browser

FIRST, LAST = "Peregrine", "Wolfsbane"  # fictional, and not in the demo data


def tick(page: Page, label: str) -> None:
    """Tick a design-system checkbox or radio the way a person does: by its label (the input
    itself is drawn off-screen and replaced by the styled label)."""
    page.locator("label", has_text=label).click()
    expect(page.get_by_label(label)).to_be_checked()


def test_the_public_refer_someone_and_intake_screens_it_into_a_case(page: Page, demo):
    # --- A member of the public, no account -------------------------------------------------
    page.goto("/referrals/public/")
    expect(page.get_by_role("heading", name="Is someone in danger right now?")).to_be_visible()
    expect(page.get_by_text("Call 911 first. This form is not watched")).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator('input[name="website"]')).to_be_hidden()  # the honeypot

    page.get_by_label("Their first name").fill(FIRST)
    page.get_by_label("Their last name").fill(LAST)
    page.get_by_label("Their date of birth").fill("2004-06-15")
    page.get_by_label("What is your concern about?").select_option(
        label="Someone who may be moving towards hate or violence")
    page.get_by_label("How urgent is it?").select_option(label="Priority")
    tick(page, "Grievance or fixation on a person, group or cause")
    tick(page, "Online radicalisation or extremist material")
    page.get_by_label("Tell us what you have seen or heard").fill(
        "Shares hateful videos and says a group 'deserves what is coming'.")
    tick(page, "Does not know about the referral")
    page.get_by_label("How do you know the person?").select_option(label="Family member")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "intake-public-form.png"), full_page=True)
    page.get_by_role("button", name="Send securely").click()

    expect(page.get_by_role("heading", name="Thank you. Your referral has been sent.")
           ).to_be_visible()
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"R-[0-9A-Z]{8}", reference)
    # Nothing personal in the URL or on the page; the reference only once.
    assert FIRST not in page.url and reference not in page.url
    assert FIRST not in page.content() and "hateful videos" not in page.content()
    page.reload()
    expect(page.get_by_role("button", name="Send securely")).to_be_visible()  # back to the form

    referral = Referral.objects.get(reference=reference)
    assert (referral.channel, referral.status, referral.entered_by) == ("public", "new", None)

    # --- The intake coordinator screens it --------------------------------------------------
    page.context.clear_cookies()
    sign_in(page, "intake")
    page.goto("/referrals/inbox/")
    row = page.locator("#inbox tr", has_text=reference)
    expect(row).to_contain_text("Priority")
    expect(row).to_contain_text("left")  # time against the intake deadline
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Referral {reference}", level=1)).to_be_visible()
    expect(page.locator("#referral-person")).to_contain_text(f"{FIRST} {LAST}")
    expect(page.locator("#no-matches")).to_be_visible()  # nobody known by that name

    page.get_by_label("Check", exact=True).select_option(label="Law-enforcement deconfliction")
    page.get_by_label("Date of the check").fill(timezone.localdate().isoformat())
    page.get_by_label("Outcome").select_option(label="Clear: nothing to coordinate")
    page.get_by_role("button", name="Record check").click()
    expect(page.get_by_role("status").filter(has_text="Check recorded.")).to_be_visible()
    expect(page.locator("#checks")).to_contain_text("Law-enforcement deconfliction")

    page.screenshot(path=str(RESULTS / "intake-screening.png"), full_page=True)
    # One decision at a time: choosing one shows its fields and closes the others.
    page.locator('details[data-choice="decline"] > summary').click()
    page.locator('details[data-choice="accept"] > summary').click()
    expect(page.locator('details[data-choice="decline"]')).not_to_have_attribute("open", "")
    accept = page.locator('form[data-decision="accept"]')
    accept.get_by_role("button", name="Accept for support").click()  # no team, no reason yet
    accept = page.locator('form[data-decision="accept"]')
    expect(accept).to_contain_text("Choose the team that will hold the new case.")
    expect(accept).to_contain_text("a reason is required")

    accept.get_by_label("Team for the new case").select_option(label="North team")
    accept.get_by_label("Caseworker").select_option(label="caseworker")
    accept.get_by_label("Reason").fill("Family concern about online radicalisation; "
                                       "deconfliction clear.")
    accept.get_by_role("button", name="Accept for support").click()

    # The new case, at intake.
    expect(page).to_have_url(re.compile(r"/cases/C-[0-9A-Z]{8}/$"))
    case_reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_role("heading", name=f"Case {case_reference}", level=1)).to_be_visible()
    expect(page.locator("#case-stage")).to_have_text("Intake")
    # The screening decision is on the case timeline, with who took it and why.
    screening = page.locator('#timeline li[data-kind="screening"]')
    expect(screening).to_contain_text(f"Case opened from referral {reference}")
    expect(screening).to_contain_text("intake")
    expect(screening).to_contain_text("deconfliction clear")
    page.screenshot(path=str(RESULTS / "intake-journey.png"), full_page=True)

    referral.refresh_from_db()
    case = Case.objects.get(reference=case_reference)
    assert referral.status == "case_opened" and referral.case == case
    assert case.stage == Case.Stage.INTAKE and case.caseworker.username == "caseworker"
    assert (case.person.first_name, case.person.last_name) == (FIRST, LAST)
    decision = ScreeningDecision.objects.get(referral=referral)
    assert (decision.name, decision.actor.username, decision.case) == ("accept", "intake", case)
    assert decision.within_deadline is True
    assert ScreeningCheck.objects.get(referral=referral).kind == "deconfliction"
    # On the audit record, attributed to the coordinator.
    assert LogEntry.objects.get_for_object(decision).filter(actor__username="intake").exists()
    assert LogEntry.objects.get_for_object(referral).filter(
        action=LogEntry.Action.ACCESS, actor__username="intake").exists()
