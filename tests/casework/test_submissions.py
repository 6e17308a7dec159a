"""Create forms are idempotent: a double click, a resubmit or the back button creates one row.

Each create form carries a one-time token (casework.submissions); the first POST claims it and
a repeat is shown the first one's result.
"""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework.models import CaseNote, FormSubmission
from referrals.models import Referral
from tests.factories import CaseFactory
from tests.referrals.test_public_referral import VALID as PUBLIC
from tests.referrals.test_staff_referral import VALID as STAFF


def token_from(response) -> str:
    """The token the page gave its form, as a browser would send it back."""
    match = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', response.content.decode())
    assert match, "the form carries no submission token"
    return match.group(1)


@pytest.fixture
def case(north, alice):
    return CaseFactory(team=north, caseworker=alice)


@pytest.mark.django_db
def test_a_note_sent_twice_is_saved_once_and_both_answers_show_it(client, alice, case):
    client.force_login(alice)
    token = token_from(client.get(case.get_absolute_url()))
    data = {"text": "Met at the library.", "sensitivity": "standard", "submission_token": token}
    first = client.post(reverse("case-note", args=[case.reference]), data)
    second = client.post(reverse("case-note", args=[case.reference]), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert CaseNote.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_every_create_form_on_the_case_page_carries_a_fresh_token(client, alice, case):
    client.force_login(alice)
    page = client.get(case.get_absolute_url()).content.decode()
    tokens = re.findall(r'name="submission_token" value="([0-9a-f-]{36})"', page)
    assert len(tokens) >= 3 and len(set(tokens)) == len(tokens)


@pytest.mark.django_db
def test_a_staff_referral_sent_twice_is_received_once(client, ivy):
    client.force_login(ivy)
    token = token_from(client.get(reverse("referral-new")))
    first = client.post(reverse("referral-new"), {**STAFF, "submission_token": token})
    second = client.post(reverse("referral-new"), {**STAFF, "submission_token": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_a_public_referral_sent_twice_is_received_once_and_shows_the_same_reference(client):
    token = token_from(client.get("/referrals/public/"))
    data = {**PUBLIC, "submission_token": token}
    first = client.post("/referrals/public/", data)
    first_page = client.get(first["Location"]).content.decode()
    second = client.post("/referrals/public/", data)  # the back button, then send again
    second_page = client.get(second["Location"]).content.decode()
    referral = Referral.objects.get()
    assert first.status_code == second.status_code == 302
    assert referral.reference in first_page and referral.reference in second_page


@pytest.mark.django_db
def test_bad_input_creates_nothing_and_leaves_the_token_usable(client, alice, case):
    client.force_login(alice)
    token = token_from(client.get(case.get_absolute_url()))
    url = reverse("case-note", args=[case.reference])
    refused = client.post(url, {"text": "  ", "sensitivity": "standard", "submission_token": token})
    assert refused.status_code == 400
    assert not CaseNote.objects.exists() and not FormSubmission.objects.exists()
    fixed = client.post(url, {"text": "Now written.", "sensitivity": "standard",
                              "submission_token": token})
    assert fixed.status_code == 302
    assert CaseNote.objects.count() == 1


@pytest.mark.django_db
def test_someone_elses_token_creates_nothing_and_shows_nothing_of_theirs(client, alice, sam,
                                                                          case):
    client.force_login(alice)
    token = token_from(client.get(case.get_absolute_url()))
    data = {"text": "Met at the library.", "sensitivity": "standard", "submission_token": token}
    client.post(reverse("case-note", args=[case.reference]), data)
    client.force_login(sam)
    response = client.post(reverse("case-note", args=[case.reference]), data)
    assert response.status_code == 400
    assert "already sent" in response.content.decode()
    assert CaseNote.objects.count() == 1


def _post_at_once(count, make_request):
    """Send `count` POSTs from as many threads, released together."""
    barrier = threading.Barrier(count)
    answers = []

    def send():
        try:
            barrier.wait()
            answers.append(make_request())
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("form", ["note", "staff referral", "public referral"])
def test_identical_posts_at_the_same_moment_create_one_row(form, alice, ivy, north):
    case = CaseFactory(team=north, caseworker=alice)
    user, url, data, model = {
        "note": (alice, reverse("case-note", args=[case.reference]),
                 {"text": "Met at the library.", "sensitivity": "standard"}, CaseNote),
        "staff referral": (ivy, reverse("referral-new"), STAFF, Referral),
        "public referral": (None, "/referrals/public/", PUBLIC, Referral),
    }[form]
    browser = Client()
    if user is not None:
        browser.force_login(user)
    token = token_from(browser.get(case.get_absolute_url() if form == "note" else url))
    cookies = browser.cookies

    def post():
        twin = Client()  # the same browser session, another connection
        twin.cookies = cookies
        return twin.post(url, {**data, "submission_token": token})

    answers = _post_at_once(4, post)
    assert sorted(a.status_code for a in answers) == [302] * 4
    assert len({a["Location"] for a in answers}) == 1
    assert model.objects.count() == 1
