"""Privacy actions that span apps: withdrawing consent reaches the referrals that relied on it."""

from django.db import transaction

from casework import workflow as casework_workflow
from casework.models import Consent
from referrals import outgoing


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor, seen_revision: int | None = None) -> Consent:
    """Withdraw `consent` and, in the same transaction, cancel the open provider referrals that
    depended on it (referrals.outgoing.cancel_for_withdrawn_consent). Providers lose sight of
    the summary at their next request either way: their access is computed from consents in
    force."""
    consent = casework_workflow.withdraw_consent(consent, actor=actor,
                                                 seen_revision=seen_revision)
    outgoing.cancel_for_withdrawn_consent(consent, actor=actor)
    return consent
