"""Two tabs on the same assessment draft: the second save gets the 409 page with its text kept.
Through the pages, in Debian's Chromium, on the demo data."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from casework.models import Assessment, Case
from tests.browser.conftest import expect_message, sign_in

pytestmark = pytest.mark.browser


def test_the_second_of_two_saves_from_the_same_page_keeps_its_text_and_writes_nothing(
    page: Page, demo
):
    case = Case.objects.filter(caseworker__username="caseworker", stage="assessment").first()
    url = reverse("case-assessment-form", args=[case.reference])
    sign_in(page, "caseworker")
    other_tab = page.context.new_page()
    page.goto(url)
    other_tab.goto(url)

    page.get_by_label("Needs summary").fill("First tab: needs a home.")
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, "Draft saved.")

    other_tab.get_by_label("Needs summary").fill("Second tab: needs a job.")
    other_tab.get_by_role("button", name="Save draft").click()
    expect(other_tab.get_by_text("Someone else saved this since you opened the page")).to_be_visible()
    expect(other_tab.get_by_label("Needs summary")).to_have_value("Second tab: needs a job.")
    expect(other_tab.locator("#saved-version")).to_contain_text("First tab: needs a home.")

    draft = Assessment.objects.get(case=case, completed_at__isnull=True)
    assert draft.needs_summary == "First tab: needs a home."


def test_two_tabs_correcting_the_persons_details_the_second_keeps_its_text(page: Page, demo):
    from casework.models import Person

    case = Case.objects.filter(caseworker__username="caseworker").exclude(
        stage__in=Case.CLOSED_STAGES).first()
    sign_in(page, "caseworker")
    page.goto(case.get_absolute_url())
    page.get_by_role("link", name="Correct the person's details").click()
    other_tab = page.context.new_page()
    other_tab.goto(page.url)

    page.get_by_label("Address").fill("First tab: 1 Elm Street")
    page.get_by_role("button", name="Save the details").click()
    expect_message(page, "The person's details are saved.")

    other_tab.get_by_label("Address").fill("Second tab: 9 Oak Avenue")
    other_tab.get_by_role("button", name="Save the details").click()
    expect(other_tab.get_by_text("Someone else saved this since you opened the page")).to_be_visible()
    expect(other_tab.get_by_label("Address")).to_have_value("Second tab: 9 Oak Avenue")
    expect(other_tab.locator("#saved-version")).to_contain_text("First tab: 1 Elm Street")
    assert Person.objects.get(pk=case.person_id).address == "First tab: 1 Elm Street"

    # Compared, and saved again from the 409 page: the second tab's text is kept.
    other_tab.get_by_role("button", name="Save the details").click()
    expect_message(other_tab, "The person's details are saved.")
    assert Person.objects.get(pk=case.person_id).address == "Second tab: 9 Oak Avenue"
