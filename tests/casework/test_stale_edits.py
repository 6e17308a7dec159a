"""No lost update: two people saving the same record from the same page, the second gets 409.

The second person's text stays in the form, the saved version is shown beside it, and the first
person's text is intact (casework.revisions).
"""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Assessment, Case, FollowUp
from tests.factories import CaseFactory


def revision_on(page) -> str:
    match = re.search(r'name="revision" value="(-?\d+)"', page.content.decode())
    assert match, "the form carries no revision"
    return match.group(1)


def assessment_data(page, summary):
    return {"action": "save", "risk_level": "moderate", "needs_summary": summary,
            "revision": revision_on(page)}


@pytest.mark.django_db
@pytest.mark.parametrize("draft_first", [False, True], ids=["first draft", "existing draft"])
def test_the_second_save_of_an_assessment_draft_is_refused_and_keeps_its_text(
    draft_first, client, at_assessment, alice, sam
):
    if draft_first:
        workflow.save_assessment(at_assessment, actor=alice, needs_summary="Started.")
    url = reverse("case-assessment-form", args=[at_assessment.reference])
    post_url = reverse("case-assessment", args=[at_assessment.reference])
    alice_client, sam_client = Client(), Client()
    alice_client.force_login(alice)
    sam_client.force_login(sam)
    alices_page, sams_page = alice_client.get(url), sam_client.get(url)

    saved = alice_client.post(post_url, assessment_data(alices_page, "Alice: needs housing."))
    refused = sam_client.post(post_url, assessment_data(sams_page, "Sam: needs a mentor."))

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Someone else saved this since you opened the page" in body
    assert "Sam: needs a mentor." in body  # what Sam typed is still in the form
    assert "Alice: needs housing." in body  # the saved version, beside it
    draft = Assessment.objects.get(case=at_assessment)
    assert draft.needs_summary == "Alice: needs housing."
    assert draft.revision == (1 if draft_first else 0)
    # Sam's page now carries the saved revision: saving again, having compared, keeps his.
    again = sam_client.post(post_url, assessment_data(refused, "Sam: needs a mentor."))
    assert again.status_code == 302
    assert Assessment.objects.get(case=at_assessment).needs_summary == "Sam: needs a mentor."


@pytest.mark.django_db
def test_a_draft_saved_from_a_page_older_than_a_completed_assessment_is_refused(
    client, at_assessment, alice, sam
):
    """Sam opened the empty form; Alice then completed an assessment: Sam's save would start a
    reassessment built on a page that never showed hers."""
    client.force_login(sam)
    sams_page = client.get(reverse("case-assessment-form", args=[at_assessment.reference]))
    workflow.complete_assessment(at_assessment, actor=alice, risk_level="low",
                                 needs_summary="Alice's.")
    refused = client.post(reverse("case-assessment", args=[at_assessment.reference]),
                          assessment_data(sams_page, "Sam's."))
    assert refused.status_code == 409
    assert [a.needs_summary for a in Assessment.objects.all()] == ["Alice's."]


@pytest.mark.django_db
def test_a_save_without_a_revision_is_not_checked(at_assessment, alice):
    """Commands, imports and the API save without a page; they are not refused."""
    workflow.save_assessment(at_assessment, actor=alice, needs_summary="One.")
    draft = workflow.save_assessment(at_assessment, actor=alice, needs_summary="Two.")
    assert (draft.needs_summary, draft.revision) == ("Two.", 1)


@pytest.fixture
def contact(north, alice):
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.FOLLOW_UP)
    return workflow.schedule_follow_up(case, actor=alice, mode="phone",
                                       due_on=timezone.localdate() + datetime.timedelta(days=1))


@pytest.mark.django_db
def test_the_second_outcome_of_a_follow_up_is_refused_and_keeps_its_text(contact, alice, sam):
    case = contact.case
    page_url = reverse("case-follow-up-detail", args=[case.reference, contact.pk])
    post_url = reverse("case-follow-up-outcome", args=[case.reference, contact.pk])
    alice_client, sam_client = Client(), Client()
    alice_client.force_login(alice)
    sam_client.force_login(sam)
    alices_page, sams_page = alice_client.get(page_url), sam_client.get(page_url)
    today = timezone.localdate().isoformat()

    saved = alice_client.post(post_url, {"outcome": "completed", "happened_on": today,
                                         "mode": "phone", "summary": "Alice: all well.",
                                         "revision": revision_on(alices_page)})
    refused = sam_client.post(post_url, {"outcome": "no_show", "happened_on": today,
                                         "mode": "phone", "summary": "Sam: no answer.",
                                         "revision": revision_on(sams_page)})

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Sam: no answer." in body and "Alice: all well." in body
    contact.refresh_from_db()
    assert (contact.outcome, contact.summary) == (FollowUp.Outcome.COMPLETED, "Alice: all well.")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_four_saves_at_once_from_the_same_page_exactly_one_is_kept(at_assessment, alice):
    browser = Client()
    browser.force_login(alice)
    page = browser.get(reverse("case-assessment-form", args=[at_assessment.reference]))
    url = reverse("case-assessment", args=[at_assessment.reference])
    barrier = threading.Barrier(4)
    answers = {}

    def save(n):
        twin = Client()
        twin.cookies = browser.cookies
        try:
            barrier.wait()
            answers[n] = twin.post(url, assessment_data(page, f"Save number {n}.")).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [302, 409, 409, 409]
    (winner,) = [n for n, status in answers.items() if status == 302]
    draft = Assessment.objects.get(case=at_assessment)
    assert draft.needs_summary == f"Save number {winner}."
