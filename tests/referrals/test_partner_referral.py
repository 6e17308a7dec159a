"""Partner agencies refer through their own form and see only the referrals they made."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import roles
from providers.models import Membership
from referrals.models import Referral
from tests.factories import OrganizationFactory, ReferralFactory, UserFactory
from tests.referrals.helpers import decision_data

VALID = {
    "source": "probation",
    "referrer_name": "Pat Partner",
    "referrer_contact": "pat@probation.invalid",
    "first_name": "Rowan",
    "last_name": "Quickfall",
    "date_of_birth": "1988-02-02",
    "pathway": "reentry",
    "urgency": "priority",
    "concerns": ["reentry_needs"],
    "concern": "Release next month; no address yet.",
    "release_date": "2026-12-20",
    "facility": "County Correctional Facility",
    "supervising_agency": "County probation",
    "supervising_officer": "Officer Lane",
    "supervision_conditions": "Weekly reporting.",
}


@pytest.fixture
def probation(pat):
    org = OrganizationFactory(name="County Probation", kind="law_enforcement")
    Membership.objects.create(organization=org, user=pat)
    return org


@pytest.mark.django_db
def test_valid_input_creates_one_partner_referral_with_the_organisation(client, pat, probation):
    client.force_login(pat)
    page = client.get(reverse("referral-partner-new"))
    assert page.status_code == 200
    response = client.post(reverse("referral-partner-new"), VALID, follow=True)
    referral = Referral.objects.get()
    assert referral.channel == "partner" and referral.entered_by == pat
    assert referral.referrer_organization == probation
    assert referral.supervising_agency == "County probation"
    assert referral.reference in response.content.decode()
    assert "Rowan" not in response.redirect_chain[0][0]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"referrer_contact": ""}, "This field is required."),
        ({"last_name": ""}, "This field is required."),
        ({"source": "family"}, "Select a valid choice."),
        ({"release_date": ""}, "Enter the release date for a re-entry referral."),
    ],
)
@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_and_creates_nothing(client, pat, change, message):
    client.force_login(pat)
    response = client.post(reverse("referral-partner-new"), {**VALID, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_partner_cannot_claim_another_organisation(client, pat, probation):
    other = OrganizationFactory(name="Elsewhere")
    client.force_login(pat)
    response = client.post(reverse("referral-partner-new"),
                           {**VALID, "referrer_organization": other.pk})
    assert response.status_code == 400
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_partners_see_only_the_referrals_they_made(client, pat, ivy):
    other_partner = UserFactory(username="pia", roles=[roles.PROVIDER])
    mine = ReferralFactory(entered_by=pat, channel="partner")
    theirs = ReferralFactory(entered_by=other_partner, channel="partner")
    staff = ReferralFactory(entered_by=ivy)
    client.force_login(pat)
    assert client.get(reverse("referral-detail", args=[mine.reference])).status_code == 200
    for hidden in (theirs, staff):
        assert client.get(reverse("referral-detail", args=[hidden.reference])).status_code == 404
    listing = client.get(reverse("referral-mine")).content.decode()
    assert mine.reference in listing
    assert theirs.reference not in listing and staff.reference not in listing
    assert client.get(reverse("referral-inbox")).status_code == 403


@pytest.mark.django_db
def test_a_partner_sees_only_what_policy_allows_of_the_outcome(client, pat, ivy, north, settings):
    referral = ReferralFactory(entered_by=pat, channel="partner")
    client.force_login(ivy)
    client.post(reverse("referral-screen", args=[referral.reference]),
                decision_data("accept", team=north.pk, reason="Meets the threshold."))
    referral.refresh_from_db()
    assert referral.case is not None

    client.force_login(pat)
    settings.REFERRAL_ACKNOWLEDGEMENT = "received"
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert "We received your referral" in page
    assert "Accepted" not in page and referral.case.reference not in page
    assert "Meets the threshold" not in page and "Decide" not in page
    settings.REFERRAL_ACKNOWLEDGEMENT = "outcome"
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert "The service will offer support." in page
    assert referral.case.reference not in page


def _mine_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("referral-mine")).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_list_costs_the_same_for_5_and_50_referrals(client, pat):
    ReferralFactory.create_batch(5, entered_by=pat, channel="partner")
    five = _mine_queries(client, pat)
    ReferralFactory.create_batch(45, entered_by=pat, channel="partner")
    fifty = _mine_queries(client, pat)
    assert five == fifty
