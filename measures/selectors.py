"""The programme's key measures: each one small function over the workflow's own records.

Every measure counts one population in one period (whole months) and says, beside its code, what
it counts and from which events; the page shows that definition. Each is one aggregate query (a
GROUP BY on indexed columns): no case, referral or person is ever loaded. Counts go through
measures.tables.publish before anyone sees them.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.emergency import EmergencyAccess
from casework.models import Assessment, Case, CaseTransition, FollowUp, Pathway, ServicePlan
from casework.panels.models import AgendaItem, Decision
from casework.selectors import stage_overdue_q
from measures.models import PreventionActivity
from measures.periods import Filters, Period
from measures.tables import ShownTable, Table, publish
from providers.models import Organization, Service
from referrals.models import ProviderReferral, ProviderReferralEvent, Referral, ScreeningDecision

PATHWAYS = list(Pathway.choices)


@dataclass(frozen=True)
class Measure:
    slug: str
    title: str
    definition: str
    count: Callable[[Period, Filters], Table]
    filters: frozenset = field(default_factory=frozenset)  # which of team, pathway, category
    over_time: bool = True  # False: a count of how things stand now (no comparison period)
    share_of: str = ""  # a column whose share of each row is worth showing


MEASURES: list[Measure] = []


def measure(slug, title, definition, *, filters=(), over_time=True, share_of=""):
    def register(function):
        MEASURES.append(Measure(slug, str(title), str(definition), function, frozenset(filters),
                                over_time, share_of))
        return function

    return register


def _grouped(queryset, row: str, col: str = "", *, total=None) -> dict:
    fields = [row, col] if col else [row]
    rows = queryset.order_by().values(*fields).annotate(n=total or Count("pk"))
    if col:
        return {(r[row], r[col]): r["n"] or 0 for r in rows}
    return {r[row]: r["n"] or 0 for r in rows}


def _days_bucket(duration, buckets, *, missing="none"):
    """A label for how long `duration` took: the first bucket whose limit (days) it is within."""
    whens = [When(**{f"{duration}__isnull": True}, then=Value(missing))]
    whens += [When(**{f"{duration}__lte": datetime.timedelta(days=limit)}, then=Value(value))
              for value, limit in buckets if limit is not None]
    default = next(value for value, limit in buckets if limit is None)
    return SqlCase(*whens, default=Value(default), output_field=CharField())


def _case_filters(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.team:
        q &= Q(**{f"{prefix}team_id": filters.team})
    if filters.pathway:
        q &= Q(**{f"{prefix}pathway": filters.pathway})
    return q


def _referral_filters(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.team:  # a referral belongs to a team once screening has opened a case for it
        q &= Q(**{f"{prefix}case__team_id": filters.team})
    if filters.pathway:
        q &= Q(**{f"{prefix}pathway": filters.pathway})
    return q


def _provider_filters(filters: Filters) -> Q:
    q = _case_filters(filters, "case__")
    if filters.category:
        q &= Q(service__category=filters.category)
    return q


# Referrals and screening -------------------------------------------------------------------


@measure("referrals-by-source", _("Referrals received, by source and pathway"),
         _("Referrals received in the period (the time each was received, from staff, partner "
           "and public forms), by who referred and the pathway asked for. Duplicates merged at "
           "screening are still counted once each as received."),
         filters=("team", "pathway"))
def referrals_by_source(period: Period, filters: Filters) -> Table:
    found = Referral.objects.filter(**period.times("received_at")).filter(
        _referral_filters(filters))
    return Table("referrals received", "source", list(Referral.Source.choices),
                 _grouped(found, "source", "pathway"), "pathway", PATHWAYS)


@measure("referrals-by-urgency", _("Referrals received, by urgency"),
         _("The same referrals, by the urgency recorded when each was received."),
         filters=("team", "pathway"))
def referrals_by_urgency(period: Period, filters: Filters) -> Table:
    found = Referral.objects.filter(**period.times("received_at")).filter(
        _referral_filters(filters))
    return Table("referrals received", "urgency", list(Referral.Urgency.choices),
                 _grouped(found, "urgency", "pathway"), "pathway", PATHWAYS)


CONVERSION = [
    ("case_opened", _("Case opened")), ("declined", _("Declined")),
    ("signposted", _("Signposted")), ("merged", _("Merged as a duplicate")),
    ("awaiting", _("Awaiting a decision")),
]


@measure("referral-conversion", _("Referral to case conversion"),
         _("The same referrals, by where screening has taken each so far: a case opened (or "
           "joined), declined, signposted elsewhere, merged as a duplicate, or still awaiting a "
           "decision (new or escalated). The share is of cases opened."),
         filters=("team", "pathway"), share_of="case_opened")
def referral_conversion(period: Period, filters: Filters) -> Table:
    outcome = SqlCase(
        When(status__in=Referral.AWAITING, then=Value("awaiting")),
        default=F("status"), output_field=CharField(),
    )
    found = (Referral.objects.filter(**period.times("received_at"))
             .filter(_referral_filters(filters)).annotate(outcome=outcome))
    return Table("referrals received", "pathway", PATHWAYS,
                 _grouped(found, "pathway", "outcome"), "outcome", CONVERSION)


IN_TIME = [("yes", _("Within 2 working days")), ("no", _("Late")), ("unknown", _("Not timed"))]


@measure("screening-outcomes", _("Screening decisions and time to decision"),
         _("Screening decisions recorded in the period (ScreeningDecision), by decision and "
           "whether it came within the intake limit of working days from receipt "
           "(REFERRAL_INTAKE_WORKING_DAYS, 2), as the workflow judged it when it was taken."),
         filters=("team", "pathway"), share_of="yes")
def screening_outcomes(period: Period, filters: Filters) -> Table:
    timed = SqlCase(
        When(within_deadline=True, then=Value("yes")),
        When(within_deadline=False, then=Value("no")),
        default=Value("unknown"), output_field=CharField(),
    )
    found = (ScreeningDecision.objects.filter(**period.times("at"))
             .filter(_referral_filters(filters, "referral__")).annotate(timed=timed))
    return Table("screening decisions", "decision", list(ScreeningDecision.Name.choices),
                 _grouped(found, "name", "timed"), "in_time", IN_TIME, )


# Cases through their stages -----------------------------------------------------------------

STAGES_TIMED = [
    (stage, label) for stage, label in Case.Stage.choices if stage not in Case.CLOSED_STAGES
]
STAGE_DAYS = [("2", _("Up to 2 days")), ("7", _("3 to 7 days")), ("14", _("8 to 14 days")),
              ("30", _("15 to 30 days")), ("more", _("Over 30 days"))]


@measure("time-in-stage", _("Time in each stage"),
         _("Stage changes recorded in the period (CaseTransition), by the stage the case left "
           "and the calendar days it had spent there: from the case's previous stage change, "
           "or from its opening for the first."),
         filters=("team", "pathway"))
def time_in_stage(period: Period, filters: Filters) -> Table:
    entered = Subquery(
        CaseTransition.objects.filter(case=OuterRef("case"), at__lt=OuterRef("at"))
        .order_by("-at").values("at")[:1]
    )
    spent = ExpressionWrapper(F("at") - Coalesce(entered, F("case__opened_at")),
                              output_field=DurationField())
    buckets = [("2", 2), ("7", 7), ("14", 14), ("30", 30), ("more", None)]
    found = (CaseTransition.objects.filter(**period.times("at"))
             .filter(_case_filters(filters, "case__"))
             .annotate(spent=spent).annotate(days=_days_bucket("spent", buckets)))
    return Table("stage changes", "stage", STAGES_TIMED, _grouped(found, "source", "days"),
                 "days_in_stage", STAGE_DAYS)


OVER_LIMIT = [("within", _("Within the limit")), ("over", _("Over the limit"))]


@measure("cases-over-limit", _("Open cases over their stage limit, today"),
         _("Open cases today, by stage, and whether they have been in it longer than its limit "
           "in working days (STAGE_TIME_LIMITS: intake 2, assessment 10, service plan 10, "
           "escalated 1). A count of how things stand now, whatever the period."),
         filters=("team", "pathway"), over_time=False, share_of="over")
def cases_over_limit(period: Period, filters: Filters) -> Table:
    limited = [stage for stage, _label in Case.Stage.choices
               if stage in settings.STAGE_TIME_LIMITS]
    state = SqlCase(When(stage_overdue_q(timezone.localdate()), then=Value("over")),
                    default=Value("within"), output_field=CharField())
    found = (Case.objects.filter(stage__in=limited).filter(_case_filters(filters))
             .annotate(state=state))
    rows = [(stage, label) for stage, label in Case.Stage.choices if stage in limited]
    return Table("open cases with a stage limit", "stage", rows,
                 _grouped(found, "stage", "state"), "limit", OVER_LIMIT)


RISK = list(Assessment.RiskLevel.choices)


@measure("risk-movement", _("Risk at entry and at the latest review"),
         _("Cases with an assessment completed in the period, by the overall risk level of "
           "their first completed assessment (entry) and of their latest one by the end of the "
           "period (the latest review): cells off the diagonal moved."),
         filters=("team", "pathway"))
def risk_movement(period: Period, filters: Filters) -> Table:
    completed = Assessment.objects.filter(case=OuterRef("pk"), completed_at__isnull=False)
    first = Subquery(completed.order_by("completed_at", "pk").values("risk_level")[:1])
    latest = Subquery(completed.filter(completed_at__lt=period.end_at())
                      .order_by("-completed_at", "-pk").values("risk_level")[:1])
    assessed = Assessment.objects.filter(case=OuterRef("pk"), **period.times("completed_at"))
    found = (Case.objects.filter(Exists(assessed)).filter(_case_filters(filters))
             .annotate(entry=first, latest=latest))
    return Table("cases assessed", "risk_at_entry", RISK, _grouped(found, "entry", "latest"),
                 "risk_latest", RISK)


APPROVAL_DAYS = [("2", _("Up to 2 days")), ("7", _("3 to 7 days")),
                 ("14", _("8 to 14 days")), ("more", _("Over 14 days"))]


@measure("plans-approved", _("Service plans approved and time to approval"),
         _("Service plan versions approved in the period, by who approved them (a supervisor, "
           "or recorded for the MDT) and the calendar days from the plan's creation to its "
           "approval."),
         filters=("team", "pathway"))
def plans_approved(period: Period, filters: Filters) -> Table:
    took = ExpressionWrapper(F("approved_at") - F("created_at"), output_field=DurationField())
    buckets = [("2", 2), ("7", 7), ("14", 14), ("more", None)]
    found = (ServicePlan.objects.filter(**period.times("approved_at"))
             .filter(_case_filters(filters, "case__"))
             .annotate(took=took).annotate(days=_days_bucket("took", buckets)))
    return Table("plans approved", "approved_via", list(ServicePlan.ApprovedVia.choices),
                 _grouped(found, "approved_via", "days"), "days_to_approval", APPROVAL_DAYS)


# Referrals to providers (the closed loop) -----------------------------------------------------

CATEGORIES = list(Service.Category.choices)
PROVIDER_STATUS = [
    ("requested", _("Awaiting an answer")), ("active", _("Accepted or in progress")),
    ("completed", _("Completed")), ("rejected", _("Declined")), ("failed", _("Not completed")),
    ("cancelled", _("Cancelled")),
]
LOOP = [("closed", _("Loop closed")), ("open", _("Still open"))]


def _sent(period: Period, filters: Filters):
    return (ProviderReferral.objects.filter(**period.times("sent_at"))
            .exclude(status=ProviderReferral.Status.DRAFT).filter(_provider_filters(filters)))


@measure("provider-referrals-status", _("Referrals to providers, by status"),
         _("Referrals sent to a provider's service in the period (sent_at), by the service's "
           "category and where the FHIR Task status stands now."),
         filters=("team", "pathway", "category"), share_of="completed")
def provider_referrals_status(period: Period, filters: Filters) -> Table:
    group = SqlCase(
        When(status__in=("accepted", "in-progress", "on-hold"), then=Value("active")),
        default=F("status"), output_field=CharField(),
    )
    found = _sent(period, filters).annotate(category=F("service__category"), group=group)
    return Table("provider referrals sent", "category", CATEGORIES,
                 _grouped(found, "category", "group"), "status", PROVIDER_STATUS)


def _loop():
    return SqlCase(When(status__in=ProviderReferral.CLOSED, then=Value("closed")),
                   default=Value("open"), output_field=CharField())


@measure("provider-loop-closure", _("Loop closure by provider"),
         _("The same referrals, by organisation: closed when the provider's answer has ended "
           "the referral (completed, declined, not completed or cancelled), open otherwise. The "
           "share is the loop closure rate."),
         filters=("team", "pathway", "category"), share_of="closed")
def provider_loop_closure(period: Period, filters: Filters) -> Table:
    found = _sent(period, filters).annotate(loop=_loop())
    counts = _grouped(found, "organization_id", "loop")
    ids = {org for org, _loop_state in counts}
    names = Organization.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name")
    return Table("provider referrals sent", "organization", list(names), counts, "loop", LOOP)


RESPONSE_DAYS = [("1", _("Within a day")), ("3", _("2 to 3 days")), ("7", _("4 to 7 days")),
                 ("more", _("Over 7 days")), ("none", _("No answer yet"))]


@measure("provider-response-times", _("Provider response and first-contact times"),
         _("The same referrals, by category and the calendar days from sending to the "
           "provider's first answer (the first ProviderReferralEvent out of \u201crequested\u201d:"
           " accepted, declined or expired). The first-contact table counts days from sending "
           "to the first contact the provider recorded (started_at)."),
         filters=("team", "pathway", "category"))
def provider_response_times(period: Period, filters: Filters) -> Table:
    answered = Subquery(
        ProviderReferralEvent.objects.filter(referral=OuterRef("pk"), source="requested")
        .order_by("at").values("at")[:1]
    )
    took = ExpressionWrapper(answered - F("sent_at"), output_field=DurationField())
    buckets = [("1", 1), ("3", 3), ("7", 7), ("more", None)]
    found = (_sent(period, filters).annotate(category=F("service__category"), took=took)
             .annotate(days=_days_bucket("took", buckets)))
    return Table("provider referrals sent", "category", CATEGORIES,
                 _grouped(found, "category", "days"), "response", RESPONSE_DAYS)


CONTACT_DAYS = [("3", _("Within 3 days")), ("10", _("4 to 10 days")),
                ("more", _("Over 10 days")), ("none", _("No contact yet"))]


@measure("provider-first-contact", _("Time to first contact with the provider"),
         _("The same referrals, by category and the calendar days from sending to the first "
           "contact the provider recorded (PROVIDER_REFERRAL_FIRST_CONTACT_DAYS is the limit in "
           "working days)."),
         filters=("team", "pathway", "category"))
def provider_first_contact(period: Period, filters: Filters) -> Table:
    took = ExpressionWrapper(F("started_at") - F("sent_at"), output_field=DurationField())
    buckets = [("3", 3), ("10", 10), ("more", None)]
    found = (_sent(period, filters).annotate(category=F("service__category"), took=took)
             .annotate(days=_days_bucket("took", buckets)))
    return Table("provider referrals sent", "category", CATEGORIES,
                 _grouped(found, "category", "days"), "first_contact", CONTACT_DAYS)


@measure("provider-outcomes", _("Outcomes of completed referrals to providers"),
         _("Referrals sent in the period and completed, by category and the outcome the "
           "provider recorded."),
         filters=("team", "pathway", "category"))
def provider_outcomes(period: Period, filters: Filters) -> Table:
    found = (_sent(period, filters).filter(status=ProviderReferral.Status.COMPLETED)
             .annotate(category=F("service__category")))
    return Table("provider referrals completed", "category", CATEGORIES,
                 _grouped(found, "category", "outcome"), "outcome",
                 list(ProviderReferral.Outcome.choices))


# Closure and after --------------------------------------------------------------------------


@measure("closures", _("Cases closed, by reason"),
         _("Cases closed in the period (closed_at, the supervisor's sign-off), by the closure "
           "reason recorded and pathway. Screened-out cases are not closures."),
         filters=("team", "pathway"))
def closures(period: Period, filters: Filters) -> Table:
    found = (Case.objects.filter(stage=Case.Stage.CLOSED, **period.times("closed_at"))
             .filter(_case_filters(filters)))
    return Table("cases closed", "closure_reason", list(Case.ClosureReason.choices),
                 _grouped(found, "closure_reason", "pathway"), "pathway", PATHWAYS)


REREFERRED = [("yes", _("Referred again within 12 months")), ("no", _("Not referred again"))]


@measure("re-referral", _("Re-referral within 12 months of closure"),
         _("The same closed cases, by pathway and whether a new referral about the person, "
           "linked at screening to this case as their earlier episode (previous_case), was "
           "received within 12 months of closure. Recent closures have had less time."),
         filters=("team", "pathway"), share_of="yes")
def re_referral(period: Period, filters: Filters) -> Table:
    again = Referral.objects.filter(
        previous_case=OuterRef("pk"), received_at__gt=OuterRef("closed_at"),
        received_at__lte=OuterRef("closed_at") + datetime.timedelta(days=365),
    )
    state = SqlCase(When(Exists(again), then=Value("yes")), default=Value("no"),
                    output_field=CharField())
    found = (Case.objects.filter(stage=Case.Stage.CLOSED, **period.times("closed_at"))
             .filter(_case_filters(filters)).annotate(again=state))
    return Table("cases closed", "pathway", PATHWAYS, _grouped(found, "pathway", "again"),
                 "re_referred", REREFERRED)


@measure("post-exit-reviews", _("Post-exit reviews at 6 and 12 months"),
         _("Post-exit reviews due in the period (FollowUp of kind post-exit review, by due "
           "date), by month after closure and outcome: completed, attempted, did not attend, "
           "cancelled, or still scheduled."),
         filters=("team", "pathway"))
def post_exit_reviews(period: Period, filters: Filters) -> Table:
    found = (FollowUp.objects.filter(kind=FollowUp.Kind.POST_EXIT_REVIEW, **period.dates("due_on"))
             .filter(_case_filters(filters, "case__")))
    months = [(m, _("%(months)s months") % {"months": m})
              for m in settings.CASEWORK_POST_EXIT_REVIEW_MONTHS]
    return Table("post-exit reviews due", "months_after_closure", months,
                 _grouped(found, "review_month", "outcome"), "outcome",
                 list(FollowUp.Outcome.choices))


# The MDT, emergency access and the framework's community work --------------------------------

MDT_DECISIONS = [*Decision.Kind.choices, ("none", _("No decision recorded"))]


@measure("mdt-decisions", _("MDT cases reviewed and decisions"),
         _("Cases on the agenda of MDT meetings held in the period (items not removed), by the "
           "panel's recorded decision."),
         filters=("team", "pathway"))
def mdt_decisions(period: Period, filters: Filters) -> Table:
    kind = Coalesce(F("decision__kind"), Value("none"), output_field=CharField())
    found = (AgendaItem.objects.filter(removed=False, **period.times("meeting__scheduled_for"))
             .filter(_case_filters(filters, "case__")).annotate(kind=kind))
    return Table("MDT agenda items", "decision", MDT_DECISIONS, _grouped(found, "kind"))


REVIEWED = [("justified", _("Reviewed: justified")), ("unjustified", _("Reviewed: not justified")),
            ("awaiting", _("Awaiting review"))]


@measure("break-glass", _("Emergency access and its review"),
         _("Emergency (break-glass) openings of a case in the period, by the outcome of their "
           "review by an auditor or supervisor."),
         filters=("team", "pathway"))
def break_glass(period: Period, filters: Filters) -> Table:
    outcome = SqlCase(
        When(justified=True, then=Value("justified")),
        When(justified=False, then=Value("unjustified")),
        default=Value("awaiting"), output_field=CharField(),
    )
    found = (EmergencyAccess.objects.filter(**period.times("granted_at"))
             .filter(_case_filters(filters, "case__")).annotate(outcome=outcome))
    return Table("emergency accesses", "review", REVIEWED, _grouped(found, "outcome"))


ACTIVITY_KINDS = list(PreventionActivity.Kind.choices)


@measure("prevention-activities", _("Prevention activities"),
         _("Community work recorded in the prevention register for the period: awareness "
           "sessions, trainings for partners, outreach and partner meetings, by type."))
def prevention_activities(period: Period, filters: Filters) -> Table:
    found = PreventionActivity.objects.filter(**period.dates("occurred_on"))
    return Table("prevention activities", "kind", ACTIVITY_KINDS, _grouped(found, "kind"))


@measure("prevention-attendance", _("Attendance at prevention activities"),
         _("The head counts recorded for the same activities, added up by type."))
def prevention_attendance(period: Period, filters: Filters) -> Table:
    found = PreventionActivity.objects.filter(**period.dates("occurred_on"))
    return Table("attendance", "kind", ACTIVITY_KINDS,
                 _grouped(found, "kind", total=Sum("attendance")))


# The page: every measure, this period and the one before ------------------------------------


@dataclass
class Result:
    measure: Measure
    table: ShownTable
    previous: ShownTable | None
    chart: object = None  # set by the view: charts live above selectors

    def comparison(self) -> list[tuple[str, str, str, str]]:
        """(row label, this period, previous period, change) per row; a change only from two
        shown counts, so it never says more than the two tables do."""
        if self.previous is None:
            return []
        earlier = {row.value: row.total for row in self.previous.rows}
        rows = []
        for now in self.table.rows:
            before = earlier.get(now.value)  # absent: none then (a zero, shown as small)
            before_text = before.text if before else f"<{now.total.limit}"
            change = ""
            if now.total.value is not None and before is not None and before.value is not None:
                change = f"{now.total.value - before.value:+d}"
            rows.append((now.label, now.total.text, before_text, change))
        return rows


def key_measures(period: Period, filters: Filters, *, compare: bool = True) -> list[Result]:
    """Every measure for `period`, and for the period before it, each period protected as one
    release (tables sharing a population share totals) and never summed with the other."""
    current = publish([m.count(period, filters) for m in MEASURES])
    previous: list = [None] * len(MEASURES)
    if compare:
        earlier = period.previous()
        timed = [m for m in MEASURES if m.over_time]
        shown = iter(publish([_in_period(m.count(earlier, filters), "previous") for m in timed]))
        previous = [next(shown) if m.over_time else None for m in MEASURES]
    for m, table in zip(MEASURES, current, strict=True):
        for row in table.rows if m.share_of else ():
            row.share = table.share(row, m.share_of)
    return [Result(m, t, p) for m, t, p in zip(MEASURES, current, previous, strict=True)]


def _in_period(table: Table, name: str) -> Table:
    table.period = name
    return table

