"""The secure public referral form: no account, safe for the person who reports.

It creates exactly one referral and shows a reference; bad input is explained and creates
nothing; bots meet a honeypot and a rate limit; nothing personal reaches a URL, a log or the
confirmation page; and the answer never depends on whether the person is already known.
"""

import logging
import re

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse

from casework.models import Notification
from referrals.models import Referral

URL = "/referrals/public/"

# Canaries: unique strings that must never show up anywhere but the encrypted columns.
CANARIES = {
    "first_name": "Xylocanaryfirst",
    "last_name": "Quodcanarylast",
    "phone": "773-555-0199",
    "referrer_name": "Refcanaryname",
    "referrer_contact": "refcanary@example.invalid",
    "concern": "CANARY-NARRATIVE-7731 said things",
    "facility": "Canaryfacility Correctional",
}

VALID = {
    "first_name": "Ottoline",
    "last_name": "Brackenby",
    "date_of_birth": "1999-09-09",
    "pathway": "prevention",
    "urgency": "routine",
    "concerns": ["grievance", "online"],
    "concern": "Posting hostile material and talking about a grudge.",
    "awareness": "not_aware",
    "source": "family",
    "referrer_name": "",
    "referrer_contact": "",
}


def _post(client, data, **extra):
    return client.post(URL, data, **extra)


def _page_text(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_it_is_public_and_explains_next_steps_protection_and_911(client):
    response = client.get(URL)
    body = _page_text(response)
    assert response.status_code == 200
    assert "call 911" in body.lower()
    assert "What happens next" in body
    assert "How we protect what you tell us" in body
    assert 'name="website"' in body  # the honeypot is there, hidden
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_valid_input_creates_exactly_one_referral_and_shows_its_reference(client):
    response = _post(client, VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("referral-public-sent")
    referral = Referral.objects.get()
    assert referral.channel == Referral.Channel.PUBLIC and referral.entered_by is None
    assert referral.status == Referral.Status.NEW
    assert referral.concern_codes == ["grievance", "online"]
    assert referral.awareness == "not_aware"
    assert referral.due_at is not None

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert re.search(rf'id="reference">{referral.reference}<', _page_text(confirmation))
    # The reference is shown once; the page does not keep it.
    assert client.get(response["Location"]).status_code == 302


@pytest.mark.django_db
def test_a_minimal_anonymous_referral_is_enough(client):
    data = {"first_name": "Ottoline", "pathway": "reentry", "urgency": "priority",
            "concern": "Coming home next month, no housing.", "source": "friend"}
    assert _post(client, data).status_code == 302
    referral = Referral.objects.get()
    assert referral.last_name == "" and referral.referrer_name == ""
    assert referral.awareness == Referral.Awareness.UNKNOWN


@pytest.mark.parametrize(
    "change, message",
    [
        ({"first_name": "   "}, "This field is required."),
        ({"concern": ""}, "This field is required."),
        ({"pathway": ""}, "This field is required."),
        ({"source": "probation"}, "Select a valid choice."),  # agencies use the partner form
        ({"concerns": ["made-up"]}, "Select a valid choice."),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"release_date": "2026-01-01"}, "only for re-entry referrals"),
        ({"concern": "x" * 10001}, "at most 10000 characters"),
    ],
)
@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_and_creates_nothing(client, change, message):
    before = LogEntry.objects.count()
    response = _post(client, {**VALID, **change})
    assert response.status_code == 400
    assert message in _page_text(response)
    assert "Please correct the following" in _page_text(response)
    assert not Referral.objects.exists()
    assert LogEntry.objects.count() == before


@pytest.mark.django_db
def test_what_was_typed_is_kept_on_the_page_after_an_error(client):
    response = _post(client, {**VALID, "pathway": ""})
    assert "Posting hostile material" in _page_text(response)


@pytest.mark.django_db
def test_the_honeypot_is_refused_and_creates_nothing(client):
    response = _post(client, {**VALID, "website": "http://spam.example"})
    assert response.status_code == 400
    assert "could not be sent" in _page_text(response)
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_extra_posted_fields_are_ignored(client, alice):
    _post(client, {**VALID, "status": "case_opened", "channel": "staff", "entered_by": alice.pk,
                   "urgency": "routine", "person": 1, "case": 1})
    referral = Referral.objects.get()
    assert referral.status == "new" and referral.channel == "public"
    assert referral.entered_by is None and referral.person is None and referral.case is None


@pytest.mark.django_db
def test_it_is_rate_limited_per_address_with_the_breach_on_the_record(client, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = (3, 3600)
    for _ in range(3):
        assert _post(client, VALID).status_code == 302
    refused = _post(client, VALID)
    assert refused.status_code == 429
    assert "Too many submissions" in _page_text(refused)
    assert "911" in _page_text(refused)
    assert _post(client, VALID).status_code == 429
    assert Referral.objects.count() == 3
    breaches = LogEntry.objects.filter(additional_data__event="rate limited")
    assert breaches.count() == 1  # once per window, not once per refused request
    assert breaches.get().remote_addr == "127.0.0.1"
    # Another address has its own allowance.
    assert _post(client, VALID, REMOTE_ADDR="10.1.2.3").status_code == 302


@pytest.mark.django_db
def test_failed_attempts_count_towards_the_limit_too(client, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = (2, 3600)
    _post(client, {**VALID, "first_name": ""})
    _post(client, {**VALID, "first_name": ""})
    assert _post(client, VALID).status_code == 429
    assert not Referral.objects.exists()


def _comparable(response) -> str:
    body = _page_text(response)
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r"R-[0-9A-Z]{8}", "R-REF", body)


@pytest.mark.django_db
def test_it_never_reveals_whether_the_person_is_known(client, jose, alice, north):
    """The same answers, headers and pages for a known person and an unknown one."""
    from tests.factories import CaseFactory

    CaseFactory(person=jose, team=north, caseworker=alice)
    known = {**VALID, "first_name": "José", "last_name": "Álvarez", "date_of_birth": "1990-03-04"}
    unknown = {**VALID, "first_name": "Nobody", "last_name": "Unknownson",
               "date_of_birth": "1990-03-04"}
    answers = []
    for data in (known, unknown):
        sent = _post(client, data)
        page = client.get(sent["Location"])
        answers.append((sent.status_code, sent["Location"], page.status_code,
                        _comparable(page), sorted(page.headers)))
    assert answers[0] == answers[1]
    # Nothing was linked or looked up on the public side.
    assert not Referral.objects.filter(person__isnull=False).exists()


@pytest.mark.django_db
def test_nothing_personal_reaches_urls_logs_or_the_confirmation_page(
    client, ivy, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    data = {**VALID, **CANARIES, "urgency": "immediate", "pathway": "reentry",
            "release_date": "2026-12-01"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(client, data)
    assert sent.status_code == 302
    confirmation = client.get(sent["Location"])
    referral = Referral.objects.get()
    assert referral.first_name == CANARIES["first_name"]  # stored, and readable by staff

    places = {
        "redirect": sent["Location"],
        "confirmation": _page_text(confirmation),
        "logs": caplog.text,
        "audit": " ".join(
            f"{e.object_repr} {e.changes} {e.additional_data}" for e in LogEntry.objects.all()
        ),
        "notifications": " ".join(f"{n.message} {n.link}" for n in Notification.objects.all()),
        "email": " ".join(f"{m.subject} {m.body}" for m in mail.outbox),
    }
    for place, text in places.items():
        for canary in CANARIES.values():
            assert canary not in text, (place, canary)
    # Immediate risk: intake was told at once, with the reference and nothing personal.
    assert Notification.objects.filter(user=ivy).count() == 1
    assert referral.reference in Notification.objects.get(user=ivy).message
    assert mail.outbox and referral.reference in mail.outbox[0].body


@pytest.mark.django_db
def test_the_stored_values_are_encrypted_at_rest(client):
    from django.db import connection

    assert _post(client, {**VALID, **CANARIES, "pathway": "reentry"}).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_referral")
        row = " ".join(str(value) for value in cursor.fetchone())
    for canary in CANARIES.values():
        assert canary not in row


@pytest.mark.django_db
def test_signed_in_staff_may_use_it_too_and_it_stays_a_public_referral(client, alice):
    client.force_login(alice)
    assert _post(client, VALID).status_code == 302
    referral = Referral.objects.get()
    assert referral.channel == "public" and referral.entered_by is None
