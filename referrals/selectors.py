"""Page-shaped reads for referrals. Each list is a fixed number of queries, whatever its length."""

import datetime
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import access
from casework.compiled import CompiledQuery
from casework.selectors import TimelineEntry, newest
from referrals import conf, matching, workflow
from referrals.models import BiasIncident, Referral, ScreeningDecision

URGENCY_RANK = SqlCase(
    When(urgency=Referral.Urgency.IMMEDIATE, then=Value(0)),
    When(urgency=Referral.Urgency.PRIORITY, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)

# Only what the lists show: every other column is encrypted and would be decrypted for nothing.
LIST_COLUMNS = ("reference", "channel", "pathway", "urgency", "status", "received_at", "due_at",
                "decided_at")


@dataclass(frozen=True)
class InboxRow:
    referral: Referral
    time_left: datetime.timedelta | None

    @property
    def is_overdue(self) -> bool:
        return self.time_left is not None and self.time_left < datetime.timedelta(0)

    @property
    def hours_left(self) -> int | None:
        if self.time_left is None:
            return None
        return int(abs(self.time_left).total_seconds() // 3600)

    @property
    def days_and_hours(self) -> tuple[int, int] | None:
        hours = self.hours_left
        return None if hours is None else divmod(hours, 24)


def intake_queue(user) -> QuerySet:
    """Referrals awaiting a screening decision: most urgent first, then oldest (a query to page).

    The names are decrypted for the rows of the page read, not for the queue."""
    return (
        access.visible_referrals(user)
        .awaiting_screening()
        .only(*LIST_COLUMNS, "first_name", "last_name")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "received_at", "pk")
    )


def inbox_rows(referrals) -> list[InboxRow]:
    """Rows with the time left to decide, for a page of `intake_queue`."""
    now = timezone.now()
    return [
        InboxRow(referral=r, time_left=(r.due_at - now) if r.due_at else None) for r in referrals
    ]


def intake_inbox(user) -> list[InboxRow]:
    """The whole inbox as rows (jobs and tests; the page uses intake_queue). One query."""
    return inbox_rows(intake_queue(user))


@dataclass(frozen=True)
class Performance:
    days: int
    decided: int
    in_time: int

    @property
    def percent_in_time(self) -> int | None:
        return round(100 * self.in_time / self.decided) if self.decided else None


def screening_performance(user, *, days: int = 30) -> Performance:
    """How many referrals were decided in the last `days` days, and how many by the deadline."""
    since = timezone.now() - datetime.timedelta(days=days)
    figures = (
        access.visible_referrals(user)
        .filter(decided_at__gte=since)
        .aggregate(
            decided=Count("pk"),
            in_time=Count("pk", filter=Q(decided_at__lte=F("due_at"))),
        )
    )
    return Performance(days=days, decided=figures["decided"], in_time=figures["in_time"])


def referrals_made_by(user) -> QuerySet:
    """The referrals `user` entered (staff) or sent (partners), newest first (a query to page)."""
    return (
        access.visible_referrals(user)
        .filter(entered_by=user)
        .only(*LIST_COLUMNS)
        .order_by("-received_at", "-pk")
    )


def bias_incident_queue(user) -> QuerySet:
    """Reports for triage: untriaged first, then the rest, newest first (a query to page)."""
    untriaged = SqlCase(
        When(status=BiasIncident.Status.RECEIVED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        access.visible_bias_incidents(user)
        .only("reference", "kind", "motivation", "occurred_on", "neighbourhood", "status",
              "received_at")
        .annotate(untriaged=untriaged)
        .order_by("untriaged", "-received_at", "-pk")
    )


def referral_page(referral: Referral, user) -> dict:
    """What the referral page shows `user`: for screeners everything screening needs (the
    possible people and duplicates, the decisions, checks and links so far); for a referrer
    what policy lets them know."""
    if not access.can_see_screening(user, referral):
        return {
            "referral": referral,
            "screening": False,
            "referrer_view": access.can_make_partner_referral(user),
            "referrer_status": workflow.acknowledgement_text(referral),
        }
    people = matching.possible_people(referral)
    return {
        "referral": referral,
        "screening": True,
        "people": people,
        "linked": next((match for match in people if match.linked), None),
        "duplicates": matching.possible_duplicates(referral),
        "decisions": referral.decisions.select_related(
            "actor", "duplicate_of", "signposted_service__organization", "case"
        ),
        "checks": referral.checks.select_related("recorded_by"),
        "links": referral.match_links.select_related("actor", "person"),
        "can_decide": referral.is_awaiting_screening
        and access.can_screen_referral(user, referral),
        "can_acknowledge": workflow.can_acknowledge(referral),
        "bias_incidents": referral.bias_incidents.only("reference"),
    }


# Read on every case page: compiled once per connection (casework.compiled).
_SCREENING_DECISIONS = CompiledQuery(lambda case_id, *, limit: newest(
    ScreeningDecision.objects.filter(case_id=case_id).select_related("actor", "referral")
    .order_by("-at", "-pk"), limit))


def screening_timeline(case, viewer, limit=None) -> list:
    """The screening decisions that opened or joined `case` (the newest `limit`), as case
    timeline entries.

    Registered in casework.selectors.TIMELINE_SOURCES (referrals.apps); one query. Whoever sees
    the case timeline sees these: the decision, who took it, when and why.
    """
    entries = []
    for decision in _SCREENING_DECISIONS(case.pk, limit=limit):
        entry = TimelineEntry(at=decision.at, kind="screening", item=decision)
        # The case timeline includes `template` for kinds it does not know itself.
        entry.template = decision.timeline_template
        entries.append(entry)
    return entries


# The landscape: counts only, with small cells suppressed ------------------------------------

SUPPRESSED = "<5"
WITHHELD = "—"  # a larger cell hidden so that a suppressed one cannot be worked out


@dataclass(frozen=True)
class Cell:
    label: object  # a month (date) or a category label
    count: int
    shown: str

    @property
    def is_suppressed(self) -> bool:
        return self.shown in (SUPPRESSED, WITHHELD)


def suppress(counts: list[tuple[object, int]]) -> list[Cell]:
    """Show each count, or "<5" for counts below 5 (zero included, so a zero is no clue).

    If exactly one cell is suppressed while the table's total is known, the total minus the
    others would give it away: the next smallest cell is withheld too (complementary
    suppression). The totals of every table are the same number, so it is always known.
    """
    small = conf.LANDSCAPE_SMALL_CELL
    shown = [SUPPRESSED if count < small else str(count) for _, count in counts]
    suppressed = [i for i, text in enumerate(shown) if text == SUPPRESSED]
    if len(suppressed) == 1 and len(counts) > 1:
        others = sorted(
            (count, i) for i, (_, count) in enumerate(counts) if i not in suppressed
        )
        shown[others[0][1]] = WITHHELD
    return [Cell(label, count, text) for (label, count), text in zip(counts, shown, strict=True)]


def suppress_total(total: int) -> str:
    return SUPPRESSED if total < conf.LANDSCAPE_SMALL_CELL else str(total)


@dataclass(frozen=True)
class Landscape:
    first_month: datetime.date
    last_month: datetime.date
    total: str
    by_month: list[Cell]
    by_motivation: list[Cell]
    by_kind: list[Cell]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _months_back(month: datetime.date, count: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return datetime.date(year, index + 1, 1)


def bias_landscape(*, months: int = 12, today: datetime.date | None = None) -> Landscape:
    """Counts of reports by month of the incident, motivation and type, over `months` months.

    Three aggregate queries; no report is ever loaded.
    """
    last = _month_start(today or timezone.localdate())
    first = _months_back(last, months - 1)
    incidents = BiasIncident.objects.filter(occurred_on__gte=first)
    per_month = dict(
        incidents.annotate(month=TruncMonth("occurred_on"))
        .values("month").annotate(n=Count("pk")).values_list("month", "n")
    )
    per_month = {_as_date(month): n for month, n in per_month.items()}
    per_motivation = dict(
        incidents.values("motivation").annotate(n=Count("pk")).values_list("motivation", "n")
    )
    per_kind = dict(incidents.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    total = sum(per_month.values())
    month_list = [_months_back(last, offset) for offset in range(months - 1, -1, -1)]
    return Landscape(
        first_month=first,
        last_month=last,
        total=suppress_total(total),
        by_month=suppress([(m, per_month.get(m, 0)) for m in month_list]),
        by_motivation=suppress(
            [(str(label), per_motivation.get(value, 0))
             for value, label in BiasIncident.Motivation.choices]
        ),
        by_kind=suppress(
            [(str(label), per_kind.get(value, 0)) for value, label in BiasIncident.Kind.choices]
        ),
    )


def _as_date(value) -> datetime.date:
    # TruncMonth over a DateField gives a date; some backends give a datetime.
    return value.date() if isinstance(value, datetime.datetime) else value


LANDSCAPE_NOTE = _(
    "Counts below 5 are shown as “<5”, and where a single small count could be worked "
    "out from the total, the next smallest count is withheld (“—”)."
)
