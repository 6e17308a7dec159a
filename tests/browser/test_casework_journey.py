"""A caseworker completes a structured assessment and writes a service plan; the supervisor
approves the plan. Through the pages, in Debian's Chromium, on the demo data."""

import re

import pytest
from playwright.sync_api import Page, expect

from casework.models import Assessment, Case, ServicePlan
from tests.browser.conftest import RESULTS, expect_message, sign_in

pytestmark = pytest.mark.browser


def open_domain(page: Page, title: str) -> None:
    details = page.locator("#assessment-form details").filter(
        has=page.locator("summary", has_text=title)
    )
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def rate(page: Page, domain: str, factor: str, rating: str, evidence: str) -> None:
    open_domain(page, domain)
    page.get_by_label(factor, exact=True).select_option(label=rating)
    page.get_by_label(f"Evidence ({factor})").fill(evidence)


def screenshot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"casework-{name}.png"), full_page=True)


def test_a_caseworker_assesses_and_plans_and_the_supervisor_approves(page: Page, demo):
    case = Case.objects.filter(caseworker__username="caseworker", stage="assessment").first()
    assert case is not None, "load_demo should give caseworker a case at assessment"

    # The caseworker opens the case from the dashboard and rates factors of the instrument.
    sign_in(page, "caseworker")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    expect(page.locator("#case-stage")).to_have_text("Assessment")
    rate(page, "Engagement", "Grievance and injustice", "Moderate",
         "Fictional: angry about an eviction.")
    rate(page, "Housing, work and income", "Housing", "High", "Fictional: sofa surfing.")
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, "Draft saved.")
    screenshot(page, "assessment")

    # The draft keeps what was entered; completing it needs the overall result.
    expect(page.get_by_label("Housing", exact=True)).to_have_value("high")
    page.get_by_role("button", name="Complete assessment").click()
    expect(page.get_by_text("Choose the overall risk level to complete it.").first).to_be_visible()
    page.get_by_label("Overall risk level").select_option(label="Moderate")
    page.get_by_label("Needs summary").fill("Fictional: needs a home first, then work.")
    page.get_by_role("button", name="Complete assessment").click()
    expect_message(page, "Assessment completed.")
    expect(page.locator("#case-risk")).to_have_text("Moderate")
    # Planning waits for the supervisor's sign-off of the assessment.
    page.get_by_role("button", name="Sign out caseworker").click()
    sign_in(page, "supervisor")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    page.get_by_role("button", name="Sign off assessment").click()
    expect_message(page, "Assessment signed off.")
    page.get_by_role("button", name="Sign out supervisor").click()
    sign_in(page, "caseworker")
    page.locator("#caseload").get_by_role("link", name=case.reference).click()
    page.locator('form[data-transition="start_planning"]').get_by_role(
        "button", name="Start service plan").click()
    expect(page.locator("#case-stage")).to_have_text("Service plan")

    # The plan: a first goal linked to the housing need, delivered by a directory service.
    page.get_by_label("Goals", exact=True).fill("Fictional: a stable place to live.")
    page.get_by_label("Assessed need").select_option(label="Housing (High)")
    page.locator("#plan-form label.usa-checkbox__label", has_text="Supported housing").click()
    page.get_by_role("button", name="Save plan").click()
    expect_message(page, "Service plan saved and sent for approval.")
    expect(page.get_by_text("Awaiting supervisor approval.")).to_be_visible()

    # A second goal for the other assessed need, added on the plan page.
    page.get_by_role("link", name="Open the plan to add goals and interventions").click()
    expect(page.locator("#unaddressed-needs")).to_contain_text("Grievance and injustice")
    form = page.locator("#goal-form")
    form.get_by_label("Assessed need").select_option(label="Grievance and injustice (Moderate)")
    form.get_by_label("Goal", exact=True).fill("Fictional: talk it through with a mentor.")
    form.locator("label.usa-checkbox__label", has_text="Peer mentoring").click()
    form.get_by_label("How often").select_option(label="Every two weeks")
    form.get_by_role("button", name="Add goal").click()
    expect_message(page, "Goal added.")
    expect(page.locator("#unaddressed-needs")).to_have_count(0)
    expect(page.locator(".plan-goals > li")).to_have_count(2)
    screenshot(page, "plan")
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    page.get_by_role("button", name="Sign out caseworker").click()

    # The supervisor sees it waiting, reads it, approves it.
    sign_in(page, "supervisor")
    expect(page.locator("#awaiting-approval")).to_be_visible()
    screenshot(page, "dashboard")
    page.locator("#awaiting-approval").get_by_role("link", name="Team overview").click()
    expect(page.get_by_role("heading", name="Team overview", level=1)).to_be_visible()
    screenshot(page, "team")
    page.locator('#approvals tr[data-approval="plan"]').get_by_role(
        "link", name=case.reference).click()
    expect(page.locator("#plan-status")).to_have_text("Awaiting approval")
    page.get_by_role("button", name="Approve plan").click()
    expect_message(page, "Service plan approved.")
    expect(page).to_have_url(re.compile(re.escape(case.get_absolute_url()) + "$"))
    expect(page.locator("#current-plan")).to_contain_text("Approved by supervisor")
    screenshot(page, "case")

    assessment = Assessment.objects.get(case=case)
    assert assessment.is_complete and assessment.signed_off_by.username == "supervisor"
    assert {(r.factor.code, r.rating) for r in assessment.ratings.select_related("factor")} == {
        ("grievance", "moderate"), ("housing", "high")}
    plan = ServicePlan.objects.get(case=case)
    assert plan.approved_by.username == "supervisor" and plan.created_by.username == "caseworker"
    assert [(g.need.code, g.interventions.get().service.name) for g in plan.plan_goals.all()] == [
        ("housing", "Supported housing"), ("grievance", "Peer mentoring")]
