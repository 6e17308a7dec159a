"""The programme lead's measures and landscape in a real Chromium: charts render under the
strict CSP with no refusal or script error, and a snapshot published is readable signed out.

Also saves the screenshots in docs/screenshots/ that the closing note shows.
"""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from measures import rollups
from measures.periods import add_months, month_start
from tests.browser.conftest import sign_in
from tests.factories import ReferralFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _more_referrals():
    """Enough referrals this year for some counts to show beside the demo's small ones."""
    for index in range(40):
        ReferralFactory(source=("school", "family", "health")[index % 3],
                        pathway=("prevention", "reentry")[index % 2],
                        urgency=("routine", "priority")[index % 2])


def test_the_lead_reads_the_measures_and_publishes_the_landscape(page, demo):
    _more_referrals()
    rollups.refresh()
    problems = []
    # CSP refusals and script errors; a missing favicon is not the page's business.
    page.on("console", lambda message: "Refused" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, "lead")

    page.get_by_role("link", name="Key measures").first.click()
    expect(page.get_by_role("heading", name="Key measures", level=1)).to_be_visible()
    expect(page.locator("#referrals-by-source svg rect").first).to_be_visible()
    expect(page.locator("#referrals-by-source-table")).to_contain_text("School")
    expect(page.locator("#referral-conversion-comparison")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "measures.png"), full_page=False)
    page.locator("#referrals-by-source").screenshot(path=str(SCREENSHOTS / "measures-referrals.png"))
    page.locator("#referral-conversion").screenshot(
        path=str(SCREENSHOTS / "measures-conversion.png"))

    page.get_by_role("link", name="Landscape of hate").click()
    page.get_by_label("Trend over").select_option("24")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#by-month-table")).to_be_visible()
    expect(page.locator("#by-area-table")).to_contain_text("Harbor")
    page.screenshot(path=str(SCREENSHOTS / "landscape.png"), full_page=True)

    page.get_by_role("link", name="Publish").click()
    last = add_months(month_start(timezone.localdate()), -1)
    page.get_by_label("Title").fill("Bias incidents, last six months")
    page.get_by_label("From (month)").fill(f"{add_months(last, -5):%Y-%m}")
    page.get_by_label("To (month, included)").fill(f"{last:%Y-%m}")
    # USWDS draws its own box over each checkbox: click the label, as a person would.
    page.locator('label[for="id_breakdowns_0"]').click()
    page.locator('label[for="id_breakdowns_1"]').click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Bias incidents, last six months")).to_be_visible()
    published = page.url

    page.get_by_role("button", name="Sign out").click()
    page.goto(published)
    expect(page.get_by_role("heading", name="Bias incidents, last six months")).to_be_visible()
    expect(page.get_by_role("link", name="Open data (JSON)")).to_be_visible()
    page.goto("/referrals/bias-report/")
    page.get_by_role("link", name="See the counts we have published").click()
    expect(page.get_by_role("link", name="Bias incidents, last six months")).to_be_visible()
    assert not problems, problems
