"""Staff enter referrals; bad input gets a clear message and creates nothing."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from referrals.models import Referral

VALID = {
    "source": "school",
    "referrer_name": "Ms Teacher",
    "referrer_contact": "teacher@school.invalid",
    "first_name": "Quorra",
    "last_name": "Vantablack",
    "date_of_birth": "2008-04-01",
    "phone": "",
    "pathway": "prevention",
    "urgency": "priority",
    "concern": "Statements of intent in class.",
    "awareness": "consents",
    "concerns": ["threats", "grievance"],
}


@pytest.mark.django_db
def test_valid_input_creates_exactly_one_referral_and_shows_its_reference(client, ivy):
    client.force_login(ivy)
    response = client.post(reverse("referral-new"), VALID, follow=True)
    referral = Referral.objects.get()
    assert referral.first_name == "Quorra"
    assert referral.entered_by == ivy and referral.channel == "staff"
    assert referral.awareness == "consents"
    assert referral.concern_codes == ["threats", "grievance"]
    assert referral.reference in response.content.decode()
    assert "Quorra" not in response.redirect_chain[0][0]  # nothing personal in the URL


@pytest.mark.parametrize(
    "change, message",
    [
        ({"first_name": "  "}, "This field is required."),
        ({"last_name": ""}, "This field is required."),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "not a date"}, "Enter a valid date."),
        ({"pathway": "elsewhere"}, "Select a valid choice."),
        ({"urgency": ""}, "This field is required."),
        ({"concern": ""}, "This field is required."),
        ({"concern": "x" * 10001}, "at most 10000 characters"),
        ({"awareness": "maybe"}, "Select a valid choice."),
        ({"facility": "County jail"}, "only for re-entry referrals"),
        ({"pathway": "reentry"}, "Enter the release date for a re-entry referral."),
        ({"pathway": "reentry", "release_date": "1949-01-01"}, "after 1950"),
    ],
)
@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_and_creates_nothing(client, ivy, change, message):
    client.force_login(ivy)
    before = LogEntry.objects.count()
    response = client.post(reverse("referral-new"), {**VALID, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Referral.objects.exists()
    assert LogEntry.objects.count() == before
    # what was typed is kept on the page, so nothing is lost
    assert "Statements of intent" in response.content.decode() or change.get("concern") is not None


@pytest.mark.django_db
def test_extra_posted_fields_are_ignored(client, ivy, alice):
    client.force_login(ivy)
    client.post(reverse("referral-new"), {**VALID, "status": "case_opened", "entered_by": alice.pk,
                                          "channel": "public"})
    referral = Referral.objects.get()
    assert referral.status == "new" and referral.entered_by == ivy and referral.channel == "staff"


@pytest.mark.django_db
def test_caseworkers_see_only_the_referrals_they_entered(client, alice, bob):
    client.force_login(alice)
    client.post(reverse("referral-new"), VALID)
    referral = Referral.objects.get()
    assert client.get(reverse("referral-detail", args=[referral.reference])).status_code == 200
    client.force_login(bob)
    assert client.get(reverse("referral-detail", args=[referral.reference])).status_code == 404


@pytest.mark.django_db
def test_reading_a_referral_is_on_the_access_log(client, ivy):
    client.force_login(ivy)
    client.post(reverse("referral-new"), VALID)
    referral = Referral.objects.get()
    client.get(reverse("referral-detail", args=[referral.reference]))
    entry = LogEntry.objects.get_for_object(referral).filter(action=LogEntry.Action.ACCESS).get()
    assert entry.actor == ivy


@pytest.mark.django_db
def test_the_inbox_orders_by_urgency_then_age(client, ivy):
    client.force_login(ivy)
    for urgency in ["routine", "immediate", "priority"]:
        client.post(reverse("referral-new"), {**VALID, "urgency": urgency})
    body = client.get(reverse("dashboard")).content.decode()
    inbox = body[body.index('id="inbox-heading"'):]
    position = {r.urgency: inbox.index(r.reference) for r in Referral.objects.all()}
    assert position["immediate"] < position["priority"] < position["routine"]


@pytest.mark.django_db
def test_a_reentry_referral_records_release_and_supervision(client, ivy):
    client.force_login(ivy)
    data = {
        **VALID, "pathway": "reentry", "concerns": ["reentry_needs"],
        "release_date": "2026-12-15", "facility": "Stateville Correctional Center",
        "supervising_agency": "State parole", "supervising_officer": "Officer Tandy, 555-0142",
        "supervision_conditions": "Curfew 9pm; no contact with co-defendants.",
    }
    assert client.post(reverse("referral-new"), data).status_code == 302
    referral = Referral.objects.get()
    assert str(referral.release_date) == "2026-12-15"
    assert referral.facility == "Stateville Correctional Center"
    assert referral.supervising_officer == "Officer Tandy, 555-0142"
    assert referral.supervision_conditions.startswith("Curfew")
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert "Stateville Correctional Center" in page and "Curfew 9pm" in page


@pytest.mark.django_db
def test_an_empty_post_is_explained_not_ignored(client, ivy):
    client.force_login(ivy)
    response = client.post(reverse("referral-new"), {})
    assert response.status_code == 400
    assert "Please correct the following" in response.content.decode()


@pytest.mark.django_db
def test_an_immediate_risk_flags_every_intake_coordinator_at_once(
    client, alice, ivy, django_capture_on_commit_callbacks
):
    from casework.models import Notification

    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("referral-new"), {**VALID, "urgency": "immediate"})
    assert len(callbacks) == 1  # only after commit
    referral = Referral.objects.get()
    note = Notification.objects.get(user=ivy)
    assert referral.reference in note.message and "Quorra" not in note.message
    assert note.link == reverse("referral-detail", args=[referral.reference])
    assert not Notification.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_a_routine_referral_notifies_nobody(client, alice, ivy, django_capture_on_commit_callbacks):
    from casework.models import Notification

    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("referral-new"), VALID)
    assert callbacks == [] and not Notification.objects.exists()
