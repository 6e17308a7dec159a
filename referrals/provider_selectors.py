"""Page-shaped reads for provider referrals. Each is a fixed number of queries, whatever its size.

Lists load only plain columns (reference, status, dates, service): the encrypted summary is
decrypted only on a referral's own page, where each provider read is logged.
"""

from dataclasses import dataclass

from django.utils import timezone

from casework import access
from referrals.models import ProviderReferral, ProviderReferralEvent

LIST_COLUMNS = (
    "reference", "status", "status_reason", "outcome", "status_changed_at", "sent_at",
    "respond_by", "first_contact_by", "expires_at", "started_at", "case_id", "organization_id",
    "service__name", "service__category", "service__organization_id",
    "organization__name",
)


@dataclass(frozen=True)
class Row:
    referral: ProviderReferral
    overdue: bool
    shared: bool = True  # False: consent or agreement gone; the provider sees only that


def _rows(referrals, now, *, provider: bool) -> list[Row]:
    return [
        Row(
            referral=referral,
            overdue=referral.is_overdue(now),
            shared=bool(referral.sharing_active) if provider else True,
        )
        for referral in referrals
    ]


def portal_rows(user, *, now=None) -> list[Row]:
    """The provider's list: referrals to their organisations, overdue first, newest next."""
    now = now or timezone.now()
    referrals = access.portal_referrals(user).select_related("service", "organization").only(
        *LIST_COLUMNS
    ).order_by("-sent_at", "-pk")
    rows = _rows(referrals, now, provider=True)
    return sorted(rows, key=lambda row: not row.overdue)  # stable: newest first within each


def sent_rows(user, *, now=None) -> list[Row]:
    """The caseworker's list: the provider referrals of the cases they may see, open first."""
    now = now or timezone.now()
    referrals = (
        access.sent_provider_referrals(user)
        .select_related("service", "organization", "case")
        # case__stage too: an FSM model reads its state when loaded (ConcurrentTransitionMixin).
        .only(*LIST_COLUMNS, "case__reference", "case__stage")
        .order_by("-sent_at", "-pk")
    )
    rows = _rows(referrals, now, provider=False)
    return sorted(rows, key=lambda row: (not row.overdue, not row.referral.is_open))


def case_rows(case, *, now=None) -> list[Row]:
    """A case's provider referrals, for its page. One query."""
    now = now or timezone.now()
    referrals = (
        case.provider_referrals.select_related("service", "organization")
        .only(*LIST_COLUMNS).order_by("-sent_at", "-pk")
    )
    return _rows(referrals, now, provider=False)


def provider_referral_timeline(case, viewer) -> list:
    """Each provider referral's status changes on the case timeline. One query.

    Registered in casework.selectors.TIMELINE_SOURCES (referrals.apps); whoever sees the case
    timeline sees who moved which referral, when, from what to what, and why.
    """
    from casework.selectors import TimelineEntry

    entries = []
    for event in ProviderReferralEvent.objects.filter(case=case).select_related(
        "actor", "referral__service__organization"
    ):
        entry = TimelineEntry(at=event.at, kind="provider_referral", item=event)
        entry.template = event.timeline_template
        entries.append(entry)
    return entries
