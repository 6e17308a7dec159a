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
from django.utils import timezone

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
    # The consent form is drawn when opened, with a token of its own.
    page += client.get(reverse("case-consent-form", args=[case.reference])).content.decode()
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


# --- Every create form, and a POST without a token --------------------------------------------

# Every view that creates something (a row a repeat would duplicate), by URL name. Actions that
# change a state (transitions, approvals, withdrawals, marking done) are guarded by the state
# and the record's revision instead (casework.revisions).
CREATE_VIEWS = {
    # casework
    "case-consent", "case-plan", "case-plan-goal", "case-plan-intervention", "case-plan-revise",
    "case-follow-up", "case-follow-up-schedule", "case-note", "case-note-addendum", "case-task",
    "case-transfer",
    # mdt/
    "mdt-item-add", "mdt-decision", "mdt-action", "mdt-annotate",
    # referrals
    "referral-new", "referral-partner-new", "referral-public", "referral-screen",
    "referral-check", "bias-report", "bias-triage", "provider-referral-new",
    "provider-referral-attendance",
    # providers
    "directory-import", "directory-import-again", "directory-staff-add",
    # measures
    "measures-activities", "measures-publish",
    # privacy
    "subject-access-new",
    # privacy: retention, legal holds, erasure
    "privacy-holds", "privacy-erasures",
}


def _views_by_name():
    from django.urls import get_resolver

    found = {}

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
            elif pattern.name:
                found[pattern.name] = pattern.callback

    walk(get_resolver().url_patterns)
    return found


def test_every_create_view_takes_a_one_time_token():
    views = _views_by_name()
    missing = sorted(name for name in CREATE_VIEWS if not getattr(views[name], "once", False))
    assert missing == []


def test_every_form_posting_to_a_create_view_carries_the_token():
    """Statically: each <form> whose action is a create view has {% submission_token %} in it
    (the forms that post to their own page are covered by the tests that load them)."""
    from pathlib import Path

    from django.conf import settings

    views = _views_by_name()
    once = {name for name, view in views.items() if getattr(view, "once", False)}
    problems = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        for match in re.finditer(r"<form\b[^>]*action=\"\{% url '([\w-]+)'", text):
            if match.group(1) not in once:
                continue
            form = text[match.start():text.find("</form>", match.start())]
            if "{% submission_token %}" not in form:
                problems.append(f"{path.name}: {match.group(1)}")
    assert problems == []


@pytest.mark.no_token
@pytest.mark.django_db
def test_a_note_sent_without_a_token_saves_nothing_and_offers_to_send_it_again(client, alice,
                                                                              case):
    client.force_login(alice)
    url = reverse("case-note", args=[case.reference])
    refused = client.post(url, {"text": "Met at the library.", "sensitivity": "standard"})
    assert refused.status_code == 400
    assert "no-store" in refused["Cache-Control"]
    body = refused.content.decode()
    assert "Nothing was saved yet" in body
    assert 'name="text" value="Met at the library."' in body  # kept, to send on purpose
    assert not CaseNote.objects.exists() and not FormSubmission.objects.exists()

    resend = {"text": "Met at the library.", "sensitivity": "standard",
              "submission_token": token_from(refused)}
    assert client.post(url, resend).status_code == 302
    assert client.post(url, resend).status_code == 302  # clicked twice: still one note
    assert CaseNote.objects.count() == 1


@pytest.mark.no_token
@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "not-a-uuid"])
def test_a_public_referral_without_a_usable_token_creates_nothing(client, token):
    refused = client.post("/referrals/public/", {**PUBLIC, "submission_token": token})
    assert refused.status_code == 400
    assert PUBLIC["first_name"] in refused.content.decode()
    assert not Referral.objects.exists()
    sent = client.post("/referrals/public/", {**PUBLIC,
                                              "submission_token": token_from(refused)})
    assert sent.status_code == 302 and Referral.objects.count() == 1


@pytest.mark.no_token
@pytest.mark.django_db
def test_a_file_cannot_be_carried_over_so_the_page_asks_for_it_again(client, adam):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(adam)
    refused = client.post(reverse("directory-import"),
                          {"file": SimpleUploadedFile("d.json", b"{}")})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "choose the file and send the form again" in body and 'id="resend-form"' not in body


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["addendum", "goal", "attendance"])
def test_the_newly_guarded_create_forms_make_one_row_for_two_identical_posts(
    form, client, alice, pat, north, case
):
    from casework import workflow
    from casework.models import PlanGoal
    from referrals.models import ProviderReferralAttendance
    from tests.factories import ServiceFactory, partner_organization, sent_provider_referral

    token = "6f1d6a5e-1d8c-4d1e-9d43-2b0c7b7f1a11"
    if form == "addendum":
        client.force_login(alice)
        note = workflow.write_note(case, actor=alice, text="First.")
        url = reverse("case-note-addendum", args=[case.reference, note.pk])
        data, count = {"text": "A correction."}, lambda: note.addenda.count()
    elif form == "goal":
        from casework.models import Case, ServicePlan

        client.force_login(alice)
        Case.objects.filter(pk=case.pk).update(stage=Case.Stage.SERVICE_PLAN)
        plan = ServicePlan.objects.create(case=case, created_by=alice)
        url = reverse("case-plan-goal", args=[case.reference, plan.pk])
        data = {"description": "Get a job.", "frequency": "weekly"}
        count = PlanGoal.objects.filter(plan=plan).count
    else:
        client.force_login(pat)
        service = ServiceFactory(organization=partner_organization(staff=[pat]))
        referral = sent_provider_referral(case, service, by=alice)
        from referrals import outgoing

        outgoing.accept(referral, actor=pat)
        url = reverse("provider-referral-attendance", args=[referral.reference])
        data = {"on": timezone.localdate().isoformat(), "attended": "yes"}
        count = ProviderReferralAttendance.objects.filter(referral=referral).count
    first = client.post(url, {**data, "submission_token": token})
    second = client.post(url, {**data, "submission_token": token})
    assert first.status_code == second.status_code == 302, first.content.decode()[:500]
    assert second["Location"] == first["Location"]
    assert count() == 1
