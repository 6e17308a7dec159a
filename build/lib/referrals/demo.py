"""Demo provider referrals, each taken to its state through the real verbs (referrals.outgoing).

Called by `manage.py load_demo` once the cases and the directory exist: the demo provider sees
them in the portal, and the caseworker on the case pages and in "Referrals to providers".
"""

import datetime

from auditlog.context import set_actor
from django.utils import timezone

from casework import workflow
from casework.models import Case, Consent
from referrals import outgoing

NEED = "Fictional need: weekly support to stay on track."


def load_demo_provider_referrals(*, caseworker, provider) -> list:
    """Send four referrals from `caseworker`'s planned and followed-up cases to `provider`'s
    organisation: one awaiting an answer (overdue), one in progress with attendance, one
    completed with an outcome, one declined for lack of capacity."""
    membership = provider.provider_memberships.select_related("organization").first()
    if membership is None:
        return []
    organization = membership.organization
    service = organization.services.filter(is_active=True).order_by("pk").first()
    cases = list(
        Case.objects.filter(caseworker=caseworker, stage__in=("service_plan", "follow_up"))
        .order_by("pk")[:4]
    )
    if service is None or not organization.has_active_agreement():
        return []
    today = timezone.localdate()
    sent = []
    for index, case in enumerate(cases):
        with set_actor(caseworker):
            workflow.record_consent(
                case, actor=caseworker, method=Consent.Method.WRITTEN, given_on=today,
                purpose=Consent.Purpose.PROVIDER_SHARING, organization=organization,
                expires_on=today + datetime.timedelta(days=365),
            )
            referral = outgoing.send_provider_referral(
                case, actor=caseworker, service=service, need=NEED,
                share=["first_name", "contact", "need"], contact="caseworker",
            )
        with set_actor(provider):
            if index == 0:
                # As if sent last week and still unanswered: overdue in both lists.
                referral.respond_by = timezone.now() - datetime.timedelta(days=1)
                referral.save(update_fields=["respond_by"])
            elif index == 1:
                outgoing.accept(referral, actor=provider)
                outgoing.start(referral, actor=provider, note="Fictional: first session booked.")
                outgoing.record_attendance(referral, actor=provider, on=today, attended=True)
            elif index == 2:
                outgoing.accept(referral, actor=provider)
                outgoing.start(referral, actor=provider)
                outgoing.complete(referral, actor=provider, outcome="goal_met",
                                  note="Fictional: finished the programme.")
            else:
                outgoing.reject(referral, actor=provider, reason="no_capacity",
                                note="Fictional: full until next term.")
        sent.append(referral)
    return sent
