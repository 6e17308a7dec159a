"""The public referrer's acknowledgement is written in the language they used the form in."""

import pytest
from django.core import mail

from referrals import tasks, workflow
from referrals.models import Referral
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

URL = "/referrals/public/"
FORM = {
    "first_name": "Ottoline", "last_name": "Brackenby", "date_of_birth": "1999-09-09",
    "pathway": "prevention", "urgency": "routine", "concerns": ["grievance"],
    "concern": "Talking about a grudge.", "awareness": "not_aware", "source": "family",
    "referrer_name": "", "referrer_contact": "tia@example.invalid",
}


@pytest.mark.parametrize("accept, stored", [("es", "es"), ("es-MX,es;q=0.9", "es"), ("en", "en")])
def test_the_public_form_keeps_the_language_it_was_used_in(client, accept, stored):
    response = client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 302
    assert Referral.objects.get().language == stored


def test_the_acknowledgement_goes_in_the_referrers_language(client, ivy, settings):
    settings.REFERRAL_ACKNOWLEDGEMENT = "received"
    client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE="es")
    referral = Referral.objects.get()

    workflow.screen_referral(referral, "decline", actor=ivy, reason="No.")
    tasks.send_referral_acknowledgement(referral.pk)

    message = mail.outbox[-1]
    assert message.subject == f"Su remisión {referral.reference}"
    assert message.body.startswith(f"Gracias. Recibimos su remisión {referral.reference}")
    assert "Thank you" not in message.body


def test_the_screener_s_language_does_not_change_it(ivy, settings):
    """Screening happens later, in the screener's language; the referrer's is the one kept."""
    from django.utils import translation

    settings.REFERRAL_ACKNOWLEDGEMENT = "received"
    referral = ReferralFactory(referrer_contact="aunt@example.invalid")
    assert referral.language == ""  # staff-entered and older referrals: the site's default
    workflow.screen_referral(referral, "decline", actor=ivy, reason="No.")
    with translation.override("es"):
        tasks.send_referral_acknowledgement(referral.pk)

    assert mail.outbox[-1].subject.startswith("Your referral")


def test_a_language_the_site_does_not_offer_is_not_kept(client):
    client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE="fr")
    assert Referral.objects.get().language == "en"  # what the form was shown in
    referral = ReferralFactory.build()
    workflow.receive_referral(referral, channel=Referral.Channel.PUBLIC, language="xx-yy")
    assert Referral.objects.get(pk=referral.pk).language == ""
