"""No lost update on a provider referral: an action sent from a page that showed an older state
answers 409, keeps the note typed, shows the referral as it is now, and changes nothing.

pat (provider staff) and alice (the caseworker who sent it) both have the referral open.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from casework import roles
from casework.models import Case
from referrals import outgoing
from referrals.models import ProviderReferral
from tests.factories import CaseFactory, UserFactory, sent_provider_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(alice, north, mentoring):
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)
    return sent_provider_referral(case, mentoring, by=alice)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_of(page, action):
    """The hidden fields of one action's form on the page, as the browser would send them."""
    body = page.content.decode()
    form = body[body.index(f'data-action="{action}"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_the_second_answer_from_a_stale_page_is_refused_and_keeps_its_note(referral, pat, alice):
    url = reverse("provider-referral-detail", args=[referral.reference])
    act = reverse("provider-referral-act", args=[referral.reference])
    provider, caseworker = signed_in(pat), signed_in(alice)
    providers_page, caseworkers_page = provider.get(url), caseworker.get(url)

    accepted = provider.post(act, {**form_of(providers_page, "accept"),
                                   "note": "Pat: we can start on Monday."})
    refused = caseworker.post(act, {**form_of(caseworkers_page, "cancel"),
                                    "reason": "referred_elsewhere",
                                    "note": "Alice: found a place nearer home."})

    assert accepted.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Someone else changed this referral" in body
    assert "Alice: found a place nearer home." in body  # kept, in the cancel form
    assert "Pat: we can start on Monday." in body  # the latest change, beside it
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.ACCEPTED
    assert list(referral.events.values_list("name", flat=True)) == ["accept", "send"]
    # Having read it, alice can still cancel from the 409 page.
    again = caseworker.post(act, {**form_of(refused, "cancel"), "reason": "referred_elsewhere",
                                  "note": "Alice: found a place nearer home."})
    assert again.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.CANCELLED


def test_a_page_from_before_a_hold_and_resume_is_stale_though_the_status_is_the_same(
    referral, pat, mentors
):
    """in progress -> on hold -> in progress: the status matches the old page; the revision
    does not."""
    from providers.models import Membership

    colleague = UserFactory(username="pia", roles=[roles.PROVIDER])
    Membership.objects.create(organization=mentors, user=colleague)
    outgoing.accept(referral, actor=pat)
    outgoing.start(referral, actor=pat)
    url = reverse("provider-referral-detail", args=[referral.reference])
    colleagues_page = signed_in(colleague).get(url)
    outgoing.hold(referral, actor=pat, note="Waitlisted.")
    outgoing.resume(referral, actor=pat)
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.IN_PROGRESS

    refused = signed_in(colleague).post(
        reverse("provider-referral-act", args=[referral.reference]),
        {**form_of(colleagues_page, "complete"), "outcome": "goal_met",
         "note": "Pia: all sessions done."})

    assert refused.status_code == 409
    assert "Pia: all sessions done." in refused.content.decode()
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.IN_PROGRESS and not referral.outcome


def test_an_expired_request_makes_the_providers_page_stale(referral, pat):
    import datetime

    page = signed_in(pat).get(reverse("provider-referral-detail", args=[referral.reference]))
    assert outgoing.expire(referral, now=referral.expires_at + datetime.timedelta(minutes=1))
    refused = signed_in(pat).post(reverse("provider-referral-act", args=[referral.reference]),
                                  {**form_of(page, "accept"), "note": "Pat: yes, Monday."})
    assert refused.status_code == 409
    assert "Pat: yes, Monday." in refused.content.decode()  # no action left: the note is shown
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == (ProviderReferral.Status.CANCELLED,
                                                         ProviderReferral.Reason.EXPIRED)
