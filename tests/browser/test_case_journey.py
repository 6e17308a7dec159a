"""A case from intake to closure through the pages, as the caseworker and then the supervisor.

The demo data (manage.py load_demo) provides the people, the team, the providers and real
passwords, so the browser signs in through the login form like a person would.
"""

import re

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Case, CaseTransition
from providers.models import Service
from tests.browser.conftest import RESULTS, expect_message, sign_in

pytestmark = pytest.mark.browser

# (transition, source label, target label, actor) in the order the journey takes them.
JOURNEY = [
    ("begin_assessment", "Intake", "Assessment", "caseworker"),
    ("start_planning", "Assessment", "Service plan", "caseworker"),
    ("start_follow_up", "Service plan", "Follow-up", "supervisor"),
    ("close", "Follow-up", "Closed", "supervisor"),
]
STAGE_VALUES = {"Intake": "intake", "Assessment": "assessment", "Service plan": "service_plan",
                "Follow-up": "follow_up", "Closed": "closed"}


def sign_out(page: Page, username: str) -> None:
    page.get_by_role("button", name=f"Sign out {username}").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def take(page: Page, transition: str, button: str) -> None:
    page.locator(f'form[data-transition="{transition}"]').get_by_role("button", name=button).click()


def expect_step(page: Page, transition: str, source: str, target: str, actor: str) -> None:
    """The timeline shows the step `source → target`, taken by `actor`."""
    step = page.locator(f'#timeline li[data-transition="{transition}"]')
    expect(step).to_have_count(1)
    expect(step.locator("strong")).to_have_text(f"{source} → {target}")
    # "<strong>From → To</strong> · date time · actor" and, on its own line, the reason if any.
    first_line = step.inner_text().splitlines()[0]
    assert first_line.rsplit("·", 1)[-1].strip() == actor, first_line


def test_a_case_goes_from_intake_to_closed_through_the_pages(page: Page, demo):
    today = timezone.localdate().isoformat()
    case = Case.objects.filter(caseworker__username="caseworker", stage="intake").first()
    assert case is not None, "load_demo should give caseworker a case at intake"
    case_url = case.get_absolute_url()

    # The caseworker opens the case from their dashboard.
    sign_in(page, "caseworker")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    expect(page).to_have_url(re.compile(re.escape(case_url) + "$"))
    expect(page.locator("#case-stage")).to_have_text("Intake")
    expect(page.locator("#timeline")).to_contain_text("no stage changes yet")

    # Consent, then the assessment can start. The form opens on demand.
    page.get_by_text("Add consent", exact=True).click()
    page.get_by_label("How it was given").select_option(label="Signed form")
    page.get_by_label("Given on").fill(today)
    page.get_by_role("button", name="Record consent").click()
    expect_message(page, "Consent recorded.")
    take(page, "begin_assessment", "Start assessment")
    expect_message(page, "Stage changed to Assessment.")
    expect(page.locator("#case-stage")).to_have_text("Assessment")
    expect_step(page, *JOURNEY[0])

    # Assessment, then planning.
    page.get_by_label("Overall risk level").select_option(label="Moderate")
    page.get_by_label("Needs summary").fill("Needs stable housing and a mentor.")
    page.get_by_role("button", name="Complete assessment").click()
    expect_message(page, "Assessment completed.")
    # Planning waits for the supervisor's sign-off.
    expect(page.locator('form[data-transition="start_planning"]')).to_contain_text(
        "have a supervisor sign it off")
    sign_out(page, "caseworker")
    sign_in(page, "supervisor")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    page.get_by_role("button", name="Sign off assessment").click()
    expect_message(page, "Assessment signed off.")
    sign_out(page, "supervisor")
    sign_in(page, "caseworker")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    take(page, "start_planning", "Start service plan")
    expect(page.locator("#case-stage")).to_have_text("Service plan")
    expect_step(page, *JOURNEY[1])

    # The plan: goals and a service from the directory, sent for the supervisor's approval.
    service = Service.objects.select_related("organization").order_by("pk").first()
    page.get_by_label("Goals", exact=True).fill("Housing first, then mentoring.")
    page.locator("label.usa-checkbox__label", has_text=str(service)).click()
    page.get_by_role("button", name="Save plan").click()
    expect_message(page, "Service plan saved and sent for approval.")
    expect(page.get_by_text("Awaiting supervisor approval.")).to_be_visible()
    # A caseworker cannot approve, close or move on without the approval.
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    expect(page.locator('form[data-transition="close"]')).to_have_count(0)
    sign_out(page, "caseworker")

    # The supervisor approves the plan, starts follow-up, records one and closes the case.
    sign_in(page, "supervisor")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    expect(page.locator("#case-stage")).to_have_text("Service plan")
    page.get_by_role("button", name="Approve plan").click()
    expect_message(page, "Service plan approved.")
    expect(page.get_by_text("Approved by supervisor")).to_be_visible()
    take(page, "start_follow_up", "Start follow-up")
    expect(page.locator("#case-stage")).to_have_text("Follow-up")
    expect_step(page, *JOURNEY[2])

    page.get_by_text("Record a contact", exact=True).click()
    page.get_by_label("Kind").select_option(label="Check-in")
    page.get_by_label("Date", exact=True).fill(today)
    page.get_by_label("Summary", exact=True).fill("Settled in housing; mentoring weekly.")
    page.get_by_role("button", name="Record follow-up").click()
    expect_message(page, "Follow-up recorded.")

    # The caseworker asks for closure, with a reason; the supervisor approves it by closing.
    sign_out(page, "supervisor")
    sign_in(page, "caseworker")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    request = page.locator("#closure")
    request.get_by_label("Closure reason").select_option(label="Plan goals met")
    request.get_by_label("Why the case can close").fill("Housed and mentored; goals met.")
    request.get_by_role("button", name="Request closure").click()
    expect_message(page, "Closure requested: it awaits a supervisor's approval.")
    sign_out(page, "caseworker")
    sign_in(page, "supervisor")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    expect(page.locator("#closure")).to_contain_text("Housed and mentored; goals met.")

    close = page.locator('form[data-transition="close"]')
    close.get_by_label("Closure reason").select_option(label="Plan goals met")
    close.get_by_label("Reason for “Close case”").fill("All plan goals met; person agrees.")
    close.get_by_role("button", name="Close case").click()
    expect(page.locator("#case-stage")).to_have_text("Closed")
    expect(page.get_by_text("Plan goals met", exact=True)).to_be_visible()  # closure reason

    # The timeline lists every step, newest first, each with who took it.
    expect(page.locator("#timeline > li[data-transition]")).to_have_count(len(JOURNEY))
    for step in JOURNEY:
        expect_step(page, *step)
    expect(page.locator('#timeline li[data-transition="close"]')).to_contain_text(
        "All plan goals met; person agrees."
    )
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "case-journey.png"), full_page=True)

    # One CaseTransition per step, by the right person.
    case.refresh_from_db()
    assert case.stage == Case.Stage.CLOSED
    assert case.closure_reason == Case.ClosureReason.GOALS_MET
    transitions = list(
        CaseTransition.objects.filter(case=case).order_by("at", "pk")
        .values_list("name", "source", "target", "actor__username")
    )
    assert transitions == [
        (name, STAGE_VALUES[source], STAGE_VALUES[target], actor)
        for name, source, target, actor in JOURNEY
    ]

    # And the audit log has each stage change of the case, attributed to the same person.
    updates = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE)
    stage_changes = [
        (entry.changes_dict["stage"], entry.actor.username if entry.actor else None)
        for entry in updates.select_related("actor").order_by("timestamp", "pk")
        if "stage" in entry.changes_dict
    ]
    assert stage_changes == [
        ([STAGE_VALUES[source], STAGE_VALUES[target]], actor)
        for _name, source, target, actor in JOURNEY
    ]
    assert {"caseworker", "supervisor"} <= set(updates.values_list("actor__username", flat=True))
