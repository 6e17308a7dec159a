"""Page-shaped reads for provider referrals. Each is a fixed number of queries, whatever its size.

Lists load only plain columns (reference, status, dates, service): the encrypted summary is
decrypted only on a referral's own page, where each provider read is logged.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from casework import access
from casework import selectors as case_selectors
from casework.compiled import CompiledQuery
from casework.models import Domain, PlanGoal
from casework.selectors import TimelineEntry
from providers.models import Organization, Service
from referrals.models import ProviderReferral, ProviderReferralEvent, covering_consents

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


def portal_referral_list(user) -> QuerySet:
    """The provider's list: referrals to their organisations, newest first (a query to page)."""
    return access.portal_referrals(user).select_related("service", "organization").only(
        *LIST_COLUMNS
    ).order_by("-sent_at", "-pk")


def portal_rows(user, *, now=None) -> list[Row]:
    """The provider's whole list as rows, overdue first, newest next (pages use the query)."""
    now = now or timezone.now()
    rows = _rows(portal_referral_list(user), now, provider=True)
    return sorted(rows, key=lambda row: not row.overdue)  # stable: newest first within each


def overdue_rows(referrals, *, provider: bool, now=None) -> list[Row]:
    """The oldest OVERDUE_SHOWN overdue referrals of `referrals`: one query, however many."""
    now = now or timezone.now()
    overdue = referrals.overdue(now)
    if provider:
        overdue = overdue.filter(sharing_active=True)
    rows = _rows(overdue.order_by("sent_at", "pk")[:OVERDUE_SHOWN], now, provider=provider)
    return rows


# The "Overdue" box above a referral list shows this many, oldest first; the list pages.
OVERDUE_SHOWN = 50


def sent_referral_list(user) -> QuerySet:
    """The caseworker's list: the provider referrals of the cases they may see, open first,
    newest next (a query to page)."""
    still_open = SqlCase(
        When(status__in=ProviderReferral.OPEN, then=Value(0)), default=Value(1),
        output_field=IntegerField(),
    )
    return (
        access.sent_provider_referrals(user)
        .select_related("service", "organization", "case")
        # case__stage too: an FSM model reads its state when loaded (ConcurrentTransitionMixin).
        .only(*LIST_COLUMNS, "case__reference", "case__stage")
        .annotate(closed_rank=still_open)
        .order_by("closed_rank", "-sent_at", "-pk")
    )


def page_rows(page, *, provider: bool, now=None):
    """Turn a page of referrals into a page of rows (no query beyond the page's own)."""
    page.object_list = _rows(page.object_list, now or timezone.now(), provider=provider)
    return page


def sent_rows(user, *, now=None) -> list[Row]:  # the whole list (jobs and tests)
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


def case_rows(case, *, now=None, limit: int | None = None) -> list[Row]:
    """A case's provider referrals, newest first (at most `limit`), for its page. One query."""
    now = now or timezone.now()
    return _rows(_CASE_REFERRALS(case.pk, limit=limit, known_related={"case": case}), now,
                 provider=False)


# Read on every case page: compiled once per connection (casework.compiled).
_CASE_REFERRALS = CompiledQuery(lambda case_id, *, limit: case_selectors.newest(
    ProviderReferral.objects.filter(case_id=case_id).select_related("service", "organization")
    .only(*LIST_COLUMNS).order_by("-sent_at", "-pk"), limit))


# The case page lists this many provider referrals, newest first; the rest are on the
# "Referrals to providers" list, which pages.
CASE_ROWS_SHOWN = 20


# Read on every case page: compiled once per connection (casework.compiled).
_REFERRAL_EVENTS = CompiledQuery(lambda case_id, *, limit: case_selectors.newest(
    ProviderReferralEvent.objects.filter(case_id=case_id)
    .select_related("actor", "referral__service__organization").order_by("-at", "-pk"), limit))


def provider_referral_timeline(case, viewer, limit=None) -> list:
    """Each provider referral's status changes on the case timeline (the newest `limit`). One
    query.

    Registered in casework.selectors.TIMELINE_SOURCES (referrals.apps); whoever sees the case
    timeline sees who moved which referral, when, from what to what, and why.
    """
    entries = []
    for event in _REFERRAL_EVENTS(case.pk, limit=limit):
        entry = TimelineEntry(at=event.at, kind="provider_referral", item=event)
        entry.template = event.timeline_template
        entries.append(entry)
    return entries


# Choosing the service to send to ---------------------------------------------------------------

# The send form lists this many services a page, those that can be sent to first.
SEND_CHOICES_SHOWN = 25


def case_need_categories(case) -> list[str]:
    """The directory categories of the case's needs, in a fixed number of queries.

    A need is a factor of a "needs" domain rated moderate or high at the latest assessment, or
    the need a goal of the plan (in force, else awaiting approval) addresses; each factor names
    the category of service that meets it (Factor.service_category). The categories of the
    services the plan's interventions already use count too.
    """
    categories = {
        rating.factor.service_category for rating in case_selectors.assessed_needs(case)
        if rating.factor.domain.kind == Domain.Kind.NEED
    }
    plan = case_selectors.current_plan(case) or case_selectors.plan_awaiting_approval(case)
    if plan is not None:
        categories.update(
            PlanGoal.objects.filter(plan=plan, need__isnull=False)
            .values_list("need__service_category", flat=True)
        )
        categories.update(plan.services.values_list("category", flat=True))
    categories.discard("")
    return sorted(categories)


def send_choices(case, *, categories=(), query: str = "",
                 on: datetime.date | None = None) -> QuerySet:
    """The active services a referral from `case` could go to, those that can be sent to first.

    Each service carries `consented` (a sharing consent in force covers its organisation or its
    category: the one sharing rule, referrals.models.covering_consents) and `agreed` (its
    organisation's data-sharing agreement is in force: Organization.with_active_agreement),
    worked out in the query itself, so a page of them is one query however many there are.
    Only `categories` when given; `query` matches the service's or the organisation's name.
    Then open places before a waitlist before closed, then by organisation and name.
    """
    on = on or timezone.localdate()
    services = Service.objects.active().select_related("organization").annotate(
        consented=Exists(covering_consents(
            case=case, organization=OuterRef("organization_id"), category=OuterRef("category"),
            on=on,
        )),
        agreed=Exists(
            Organization.objects.with_active_agreement(on=on).filter(pk=OuterRef("organization_id"))
        ),
        capacity_rank=SqlCase(
            When(Q(capacity_status=Service.Capacity.OPEN) & ~Q(open_places=0), then=Value(0)),
            When(capacity_status=Service.Capacity.WAITLIST, then=Value(1)),
            default=Value(2), output_field=IntegerField(),
        ),
    )
    if categories:
        services = services.filter(category__in=categories)
    if query:
        services = services.filter(
            Q(name__icontains=query) | Q(organization__name__icontains=query)
        )
    return services.order_by(
        F("agreed").desc(), F("consented").desc(), "capacity_rank", "organization__name", "name",
        "pk",
    )


@dataclass(frozen=True)
class ServiceChoice:
    """One service on the send form: can it be sent to, and if not, why not."""

    service: Service
    consented: bool
    agreed: bool

    @property
    def available(self) -> bool:
        return self.consented and self.agreed


def choice_rows(page):
    """Turn a page of send_choices into ServiceChoice rows (no query beyond the page's own)."""
    page.object_list = [
        ServiceChoice(service=service, consented=service.consented, agreed=service.agreed)
        for service in page.object_list
    ]
    return page
