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
    "person_aware": "on",
}


@pytest.mark.django_db
def test_valid_input_creates_exactly_one_referral_and_shows_its_reference(client, ivy):
    client.force_login(ivy)
    response = client.post(reverse("referral-new"), VALID, follow=True)
    referral = Referral.objects.get()
    assert referral.first_name == "Quorra"
    assert referral.entered_by == ivy and referral.channel == "staff"
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
