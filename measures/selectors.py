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
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
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
from casework.selectors import stage_overdue_q
from mdt.models import AgendaItem, Decision
from measures.models import PreventionActivity
from measures.periods import Filters, Period
from measures.scopes import LiveScope, StoredScope
from measures.tables import ShownTable, Table, publish
from providers.models import Organization, Service
from referrals.models import ProviderReferral, ProviderReferralEvent, Referral, ScreeningDecision

PATHWAYS = list(Pathway.choices)
Scope = LiveScope | StoredScope  # measures.scopes: where the counts come from


@dataclass(frozen=True)
class Measure:
    slug: str
    title: str
    definition: str
    count: Callable[..., Table]  # (scope) -> Table
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


def _days_bucket(duration, buckets, *, missing="none"):
    """A label for how long `duration` took: the first bucket whose limit (days) it is within."""
    whens = [When(**{f"{duration}__isnull": True}, then=Value(missing))]
    whens += [When(**{f"{duration}__lte": datetime.timedelta(days=limit)}, then=Value(value))
              for value, limit in buckets if limit is not None]
    default = next(value for value, limit in buckets if limit is None)
    return SqlCase(*whens, default=Value(default), output_field=CharField())


REFERRAL_SCOPE = {"team": "case__team_id", "pathway": "pathway"}  # a team once a case opens
CASE_SCOPE = {"team": "case__team_id", "pathway": "case__pathway"}


# Referrals and screening -------------------------------------------------------------------


@measure("referrals-by-source", _("Referrals received, by source and pathway"),
         _("Referrals received in the period (the time each was received, from staff, partner "
           "and public forms), by who referred and the pathway asked for. Duplicates merged at "
           "screening are still counted once each as received."),
         filters=("team", "pathway"))
def referrals_by_source(scope: Scope) -> Table:
    found = scope.select(Referral.objects.all(), "received_at", **REFERRAL_SCOPE)
    return Table("referrals received", "source", list(Referral.Source.choices),
                 scope.grouped(found, "source", "pathway"), "pathway", PATHWAYS)


@measure("referrals-by-urgency", _("Referrals received, by urgency"),
         _("The same referrals, by the urgency recorded when each was received."),
         filters=("team", "pathway"))
def referrals_by_urgency(scope: Scope) -> Table:
    found = scope.select(Referral.objects.all(), "received_at", **REFERRAL_SCOPE)
    return Table("referrals received", "urgency", list(Referral.Urgency.choices),
                 scope.grouped(found, "urgency", "pathway"), "pathway", PATHWAYS)


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
def referral_conversion(scope: Scope) -> Table:
    outcome = SqlCase(
        When(status__in=Referral.AWAITING, then=Value("awaiting")),
        default=F("status"), output_field=CharField(),
    )
    found = scope.select(Referral.objects.annotate(outcome=outcome), "received_at",
                         **REFERRAL_SCOPE)
    return Table("referrals received", "pathway", PATHWAYS,
                 scope.grouped(found, "pathway", "outcome"), "outcome", CONVERSION)


IN_TIME = [("yes", _("Within 2 working days")), ("no", _("Late")), ("unknown", _("Not timed"))]


@measure("screening-outcomes", _("Screening decisions and time to decision"),
         _("Screening decisions recorded in the period (ScreeningDecision), by decision and "
           "whether it came within the intake limit of working days from receipt "
           "(REFERRAL_INTAKE_WORKING_DAYS, 2), as the workflow judged it when it was taken."),
         filters=("team", "pathway"), share_of="yes")
def screening_outcomes(scope: Scope) -> Table:
    timed = SqlCase(
        When(within_deadline=True, then=Value("yes")),
        When(within_deadline=False, then=Value("no")),
        default=Value("unknown"), output_field=CharField(),
    )
    found = scope.select(ScreeningDecision.objects.annotate(timed=timed), "at",
                         team="referral__case__team_id", pathway="referral__pathway")
    return Table("screening decisions", "decision", list(ScreeningDecision.Name.choices),
                 scope.grouped(found, "name", "timed"), "in_time", IN_TIME, )


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
def time_in_stage(scope: Scope) -> Table:
    entered = Subquery(
        CaseTransition.objects.filter(case=OuterRef("case"), at__lt=OuterRef("at"))
        .order_by("-at").values("at")[:1]
    )
    spent = ExpressionWrapper(F("at") - Coalesce(entered, F("case__opened_at")),
                              output_field=DurationField())
    buckets = [("2", 2), ("7", 7), ("14", 14), ("30", 30), ("more", None)]
    found = scope.select(
        CaseTransition.objects.annotate(spent=spent).annotate(days=_days_bucket("spent", buckets)),
        "at", **CASE_SCOPE)
    return Table("stage changes", "stage", STAGES_TIMED, scope.grouped(found, "source", "days"),
                 "days_in_stage", STAGE_DAYS)


OVER_LIMIT = [("within", _("Within the limit")), ("over", _("Over the limit"))]


@measure("cases-over-limit", _("Open cases over their stage limit, today"),
         _("Open cases today, by stage, and whether they have been in it longer than its limit "
           "in working days (STAGE_TIME_LIMITS: intake 2, assessment 10, service plan 10, "
           "escalated 1). A count of how things stand now, whatever the period."),
         filters=("team", "pathway"), over_time=False, share_of="over")
def cases_over_limit(scope: Scope) -> Table:
    limited = [stage for stage, _label in Case.Stage.choices
               if stage in settings.STAGE_TIME_LIMITS]
    state = SqlCase(When(stage_overdue_q(timezone.localdate()), then=Value("over")),
                    default=Value("within"), output_field=CharField())
    found = scope.select(Case.objects.filter(stage__in=limited).annotate(state=state), None,
                         team="team_id", pathway="pathway")
    rows = [(stage, label) for stage, label in Case.Stage.choices if stage in limited]
    return Table("open cases with a stage limit", "stage", rows,
                 scope.grouped(found, "stage", "state"), "limit", OVER_LIMIT)


RISK = list(Assessment.RiskLevel.choices)


RISK = list(Assessment.RiskLevel.choices)
RISK_BEFORE = [("entry", _("First assessment (at entry)")),
               *[(value, _("Was %(level)s") % {"level": label}) for value, label in RISK]]


@measure("risk-movement", _("Risk at entry and at each review"),
         _("Assessments completed in the period, by the overall risk level of the case's "
           "previous completed assessment (or “at entry” for a first assessment) and "
           "of this one: the first row is risk at entry, the other rows show movement at "
           "reassessment (cells off the diagonal moved)."),
         filters=("team", "pathway"))
def risk_movement(scope: Scope) -> Table:
    before = Subquery(
        Assessment.objects.filter(case=OuterRef("case"), completed_at__isnull=False,
                                  version__lt=OuterRef("version"))
        .order_by("-version").values("risk_level")[:1]
    )
    found = scope.select(
        Assessment.objects.filter(completed_at__isnull=False)
        .annotate(before=Coalesce(before, Value("entry"), output_field=CharField())),
        "completed_at", **CASE_SCOPE)
    return Table("assessments completed", "risk_before", RISK_BEFORE,
                 scope.grouped(found, "before", "risk_level"), "risk_now", RISK)


APPROVAL_DAYS = [("2", _("Up to 2 days")), ("7", _("3 to 7 days")),
                 ("14", _("8 to 14 days")), ("more", _("Over 14 days"))]


@measure("plans-approved", _("Service plans approved and time to approval"),
         _("Service plan versions approved in the period, by who approved them (a supervisor, "
           "or recorded for the MDT) and the calendar days from the plan's creation to its "
           "approval."),
         filters=("team", "pathway"))
def plans_approved(scope: Scope) -> Table:
    took = ExpressionWrapper(F("approved_at") - F("created_at"), output_field=DurationField())
    buckets = [("2", 2), ("7", 7), ("14", 14), ("more", None)]
    found = scope.select(
        ServicePlan.objects.annotate(took=took).annotate(days=_days_bucket("took", buckets)),
        "approved_at", **CASE_SCOPE)
    return Table("plans approved", "approved_via", list(ServicePlan.ApprovedVia.choices),
                 scope.grouped(found, "approved_via", "days"), "days_to_approval", APPROVAL_DAYS)


# Referrals to providers (the closed loop) -----------------------------------------------------

CATEGORIES = list(Service.Category.choices)
PROVIDER_STATUS = [
    ("requested", _("Awaiting an answer")), ("active", _("Accepted or in progress")),
    ("completed", _("Completed")), ("rejected", _("Declined")), ("failed", _("Not completed")),
    ("cancelled", _("Cancelled")),
]
LOOP = [("closed", _("Loop closed")), ("open", _("Still open"))]


def _sent(scope, queryset=None):
    queryset = ProviderReferral.objects.all() if queryset is None else queryset
    return scope.select(queryset.exclude(status=ProviderReferral.Status.DRAFT), "sent_at",
                        **CASE_SCOPE, category="service__category")


@measure("provider-referrals-status", _("Referrals to providers, by status"),
         _("Referrals sent to a provider's service in the period (sent_at), by the service's "
           "category and where the FHIR Task status stands now."),
         filters=("team", "pathway", "category"), share_of="completed")
def provider_referrals_status(scope: Scope) -> Table:
    group = SqlCase(
        When(status__in=("accepted", "in-progress", "on-hold"), then=Value("active")),
        default=F("status"), output_field=CharField(),
    )
    found = _sent(scope, ProviderReferral.objects.annotate(
        category=F("service__category"), group=group))
    return Table("provider referrals sent", "category", CATEGORIES,
                 scope.grouped(found, "category", "group"), "status", PROVIDER_STATUS)


def _loop():
    return SqlCase(When(status__in=ProviderReferral.CLOSED, then=Value("closed")),
                   default=Value("open"), output_field=CharField())


@measure("provider-loop-closure", _("Loop closure by provider"),
         _("The same referrals, by organisation: closed when the provider's answer has ended "
           "the referral (completed, declined, not completed or cancelled), open otherwise. The "
           "share is the loop closure rate."),
         filters=("team", "pathway", "category"), share_of="closed")
def provider_loop_closure(scope: Scope) -> Table:
    found = _sent(scope, ProviderReferral.objects.annotate(loop=_loop()))
    counts = scope.grouped(found, "organization_id", "loop")
    ids = {int(org) for org, _loop_state in counts}
    names = Organization.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name")
    rows = [(str(pk), name) for pk, name in names]
    return Table("provider referrals sent", "organization", rows, counts, "loop", LOOP)


RESPONSE_DAYS = [("1", _("Within a day")), ("3", _("2 to 3 days")), ("7", _("4 to 7 days")),
                 ("more", _("Over 7 days")), ("none", _("No answer yet"))]


@measure("provider-response-times", _("Provider response and first-contact times"),
         _("The same referrals, by category and the calendar days from sending to the "
           "provider's first answer (the first ProviderReferralEvent out of “requested”:"
           " accepted, declined or expired). The first-contact table counts days from sending "
           "to the first contact the provider recorded (started_at)."),
         filters=("team", "pathway", "category"))
def provider_response_times(scope: Scope) -> Table:
    answered = Subquery(
        ProviderReferralEvent.objects.filter(referral=OuterRef("pk"), source="requested")
        .order_by("at").values("at")[:1]
    )
    took = ExpressionWrapper(answered - F("sent_at"), output_field=DurationField())
    buckets = [("1", 1), ("3", 3), ("7", 7), ("more", None)]
    found = _sent(scope, ProviderReferral.objects.annotate(
        category=F("service__category"), took=took).annotate(days=_days_bucket("took", buckets)))
    return Table("provider referrals sent", "category", CATEGORIES,
                 scope.grouped(found, "category", "days"), "response", RESPONSE_DAYS)


CONTACT_DAYS = [("3", _("Within 3 days")), ("10", _("4 to 10 days")),
                ("more", _("Over 10 days")), ("none", _("No contact yet"))]


@measure("provider-first-contact", _("Time to first contact with the provider"),
         _("The same referrals, by category and the calendar days from sending to the first "
           "contact the provider recorded (PROVIDER_REFERRAL_FIRST_CONTACT_DAYS is the limit in "
           "working days)."),
         filters=("team", "pathway", "category"))
def provider_first_contact(scope: Scope) -> Table:
    took = ExpressionWrapper(F("started_at") - F("sent_at"), output_field=DurationField())
    buckets = [("3", 3), ("10", 10), ("more", None)]
    found = _sent(scope, ProviderReferral.objects.annotate(
        category=F("service__category"), took=took).annotate(days=_days_bucket("took", buckets)))
    return Table("provider referrals sent", "category", CATEGORIES,
                 scope.grouped(found, "category", "days"), "first_contact", CONTACT_DAYS)


@measure("provider-outcomes", _("Outcomes of completed referrals to providers"),
         _("Referrals sent in the period and completed, by category and the outcome the "
           "provider recorded."),
         filters=("team", "pathway", "category"))
def provider_outcomes(scope: Scope) -> Table:
    found = _sent(scope, ProviderReferral.objects.filter(
        status=ProviderReferral.Status.COMPLETED).annotate(category=F("service__category")))
    return Table("provider referrals completed", "category", CATEGORIES,
                 scope.grouped(found, "category", "outcome"), "outcome",
                 list(ProviderReferral.Outcome.choices))


# Closure and after --------------------------------------------------------------------------


@measure("closures", _("Cases closed, by reason"),
         _("Cases closed in the period (closed_at, the supervisor's sign-off), by the closure "
           "reason recorded and pathway. Screened-out cases are not closures."),
         filters=("team", "pathway"))
def closures(scope: Scope) -> Table:
    found = scope.select(Case.objects.filter(stage=Case.Stage.CLOSED), "closed_at",
                         team="team_id", pathway="pathway")
    return Table("cases closed", "closure_reason", list(Case.ClosureReason.choices),
                 scope.grouped(found, "closure_reason", "pathway"), "pathway", PATHWAYS)


REREFERRED = [("yes", _("Referred again within 12 months")), ("no", _("Not referred again"))]


@measure("re-referral", _("Re-referral within 12 months of closure"),
         _("The same closed cases, by pathway and whether a new referral about the person, "
           "linked at screening to this case as their earlier episode (previous_case), was "
           "received within 12 months of closure. Recent closures have had less time."),
         filters=("team", "pathway"), share_of="yes")
def re_referral(scope: Scope) -> Table:
    again = Referral.objects.filter(
        previous_case=OuterRef("pk"), received_at__gt=OuterRef("closed_at"),
        received_at__lte=OuterRef("closed_at") + datetime.timedelta(days=365),
    )
    state = SqlCase(When(Exists(again), then=Value("yes")), default=Value("no"),
                    output_field=CharField())
    found = scope.select(Case.objects.filter(stage=Case.Stage.CLOSED).annotate(again=state),
                         "closed_at", team="team_id", pathway="pathway")
    return Table("cases closed", "pathway", PATHWAYS, scope.grouped(found, "pathway", "again"),
                 "re_referred", REREFERRED)


@measure("post-exit-reviews", _("Post-exit reviews at 6 and 12 months"),
         _("Post-exit reviews due in the period (FollowUp of kind post-exit review, by due "
           "date), by month after closure and outcome: completed, attempted, did not attend, "
           "cancelled, or still scheduled."),
         filters=("team", "pathway"))
def post_exit_reviews(scope: Scope) -> Table:
    found = scope.select(FollowUp.objects.filter(kind=FollowUp.Kind.POST_EXIT_REVIEW), "due_on",
                         **CASE_SCOPE)
    months = [(str(m), _("%(months)s months") % {"months": m})
              for m in settings.CASEWORK_POST_EXIT_REVIEW_MONTHS]
    return Table("post-exit reviews due", "months_after_closure", months,
                 scope.grouped(found, "review_month", "outcome"), "outcome",
                 list(FollowUp.Outcome.choices))


# The MDT, emergency access and the framework's community work --------------------------------

MDT_DECISIONS = [*Decision.Kind.choices, ("none", _("No decision recorded"))]


@measure("mdt-decisions", _("MDT cases reviewed and decisions"),
         _("Cases on the agenda of MDT meetings held in the period (items not removed), by the "
           "panel's recorded decision."),
         filters=("team", "pathway"))
def mdt_decisions(scope: Scope) -> Table:
    kind = Coalesce(F("decision__kind"), Value("none"), output_field=CharField())
    found = scope.select(AgendaItem.objects.filter(removed=False).annotate(kind=kind),
                         "meeting__scheduled_for", **CASE_SCOPE)
    return Table("MDT agenda items", "decision", MDT_DECISIONS, scope.grouped(found, "kind"))


REVIEWED = [("justified", _("Reviewed: justified")), ("unjustified", _("Reviewed: not justified")),
            ("awaiting", _("Awaiting review"))]


@measure("break-glass", _("Emergency access and its review"),
         _("Emergency (break-glass) openings of a case in the period, by the outcome of their "
           "review by an auditor or supervisor."),
         filters=("team", "pathway"))
def break_glass(scope: Scope) -> Table:
    outcome = SqlCase(
        When(justified=True, then=Value("justified")),
        When(justified=False, then=Value("unjustified")),
        default=Value("awaiting"), output_field=CharField(),
    )
    found = scope.select(EmergencyAccess.objects.annotate(outcome=outcome), "granted_at",
                         **CASE_SCOPE)
    return Table("emergency accesses", "review", REVIEWED, scope.grouped(found, "outcome"))


ACTIVITY_KINDS = list(PreventionActivity.Kind.choices)


@measure("prevention-activities", _("Prevention activities"),
         _("Community work recorded in the prevention register for the period: awareness "
           "sessions, trainings for partners, outreach and partner meetings, by type."))
def prevention_activities(scope: Scope) -> Table:
    found = scope.select(PreventionActivity.objects.all(), "occurred_on")
    return Table("prevention activities", "kind", ACTIVITY_KINDS, scope.grouped(found, "kind"))


@measure("prevention-attendance", _("Attendance at prevention activities"),
         _("The head counts recorded for the same activities, added up by type."))
def prevention_attendance(scope: Scope) -> Table:
    found = scope.select(PreventionActivity.objects.all(), "occurred_on")
    return Table("attendance", "kind", ACTIVITY_KINDS,
                 scope.grouped(found, "kind", total=Sum("attendance")))


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
    """Every measure for `period`, and for the period before it, from the rollup (one query a
    period). Each period is protected as one release (tables sharing a population share
    totals) and is never summed with the other."""
    current = publish(_counted(StoredScope(period, filters, MEASURES), MEASURES))
    previous: list = [None] * len(MEASURES)
    if compare:
        timed = [m for m in MEASURES if m.over_time]
        earlier = StoredScope(period.previous(), filters, MEASURES)
        shown = iter(publish([_in_period(t, "previous") for t in _counted(earlier, timed)]))
        previous = [next(shown) if m.over_time else None for m in MEASURES]
    for m, table in zip(MEASURES, current, strict=True):
        for row in table.rows if m.share_of else ():
            row.share = table.share(row, m.share_of)
    return [Result(m, t, p) for m, t, p in zip(MEASURES, current, previous, strict=True)]


def _counted(scope, measures) -> list[Table]:
    tables = []
    for m in measures:
        scope.measure = m.slug
        tables.append(m.count(scope))
    return tables


def _in_period(table: Table, name: str) -> Table:
    table.period = name
    return table

