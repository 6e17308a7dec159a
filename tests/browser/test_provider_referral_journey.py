"""A caseworker records consent to share and sends a referral to a provider; the provider
accepts it, marks it in progress and records the outcome; the caseworker sees it on the case.
Through the pages, in Debian's Chromium, on the demo data."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Case
from providers.demo import PROVIDER_ORGANIZATION
from providers.models import Service
from referrals.models import ProviderReferral
from tests.browser.conftest import RESULTS, expect_message, sign_in

pytestmark = pytest.mark.browser


def screenshot(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"provider-referral-{name}.png"), full_page=True)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_caseworker_refers_and_the_provider_closes_the_loop(page: Page, demo):
    case = Case.objects.filter(caseworker__username="caseworker", stage="follow_up").last()
    assert case is not None, "load_demo should give caseworker a case at follow-up"
    service = Service.objects.filter(
        organization__name=PROVIDER_ORGANIZATION, is_active=True
    ).order_by("pk").first()
    already = set(ProviderReferral.objects.values_list("pk", flat=True))

    # The caseworker records the person's consent to share with the provider, then refers.
    sign_in(page, "caseworker")
    page.goto(case.get_absolute_url())
    page.get_by_text("Add consent", exact=True).click()
    consent = page.locator("form[action$='/consent/']")
    consent.get_by_label("Purpose").select_option(label="Sharing with service providers")
    consent.get_by_label("Organisation").fill(PROVIDER_ORGANIZATION)  # a searched field
    consent.get_by_label("How it was given").select_option(label="Signed form")
    consent.get_by_label("Given on").fill(timezone.localdate().isoformat())
    consent.get_by_role("button", name="Record consent").click()
    expect_message(page, "Consent recorded.")

    page.locator("#refer-to-provider").click()
    # Find the service by name among every service, then choose it by its label, as a person
    # does (the radio itself is drawn off-screen); the option says consent now covers it.
    page.get_by_label("Search services").fill(service.name)
    widen = page.locator("label[for='id_all']")  # "Show every service", when needs are known
    if widen.count():
        widen.click()
    page.locator("#service-filter").get_by_role("button", name="Search services").click()
    option = page.locator(f"label[for='service-{service.pk}']")
    expect(option).to_contain_text("consent covers it")
    option.click()
    expect(page.locator(f"#service-{service.pk}")).to_be_checked()
    page.get_by_label("What the person needs").fill("Fictional: someone to talk to every week.")
    page.get_by_role("button", name="Send the referral").click()
    expect_message(page, "sent to " + PROVIDER_ORGANIZATION)
    referral = ProviderReferral.objects.exclude(pk__in=already).get()
    expect(page.locator("#provider-referral-status")).to_contain_text("awaiting an answer")
    screenshot(page, "sent")
    sign_out(page)

    # The provider finds it in the portal, sees the summary only, accepts and closes the loop.
    sign_in(page, "provider")
    page.get_by_role("link", name="Referrals to us").click()
    page.locator("#portal-referrals").get_by_role("link", name=referral.reference).click()
    expect(page.locator("#shared-need")).to_have_text("Fictional: someone to talk to every week.")
    expect(page.get_by_text(case.reference)).to_have_count(0)
    page.locator("form[data-action='accept']").get_by_role("button").click()
    expect_message(page, "now: accepted")
    page.locator("form[data-action='start']").get_by_role("button").click()
    expect_message(page, "now: in progress")
    form = page.locator("form[data-action='complete']")
    form.get_by_label("Outcome").select_option(label="Service delivered, goal met")
    form.get_by_label("Note").fill("Fictional: came every week.")
    form.get_by_role("button").click()
    expect_message(page, "now: completed")
    screenshot(page, "completed")
    sign_out(page)

    # The caseworker sees where it stands on the case, and each change on the timeline.
    sign_in(page, "caseworker")
    page.goto(case.get_absolute_url())
    row = page.locator(f"#case-provider-referrals tr[data-reference='{referral.reference}']")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("Service delivered, goal met")
    changes = page.locator("#timeline li[data-kind='provider_referral']")
    expect(changes.filter(has_text=referral.reference)).to_have_count(4)  # sent ... completed
    screenshot(page, "case")
