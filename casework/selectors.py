"""Page-shaped reads. Each list is a fixed number of queries, whatever its length."""

import contextlib
import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import access, crypto, name_keys, roles
from casework.compiled import CompiledQuery
from casework.models import (
    RATING_SCORE,
    Assessment,
    AssessmentRating,
    Case,
    CaseNote,
    CaseTransition,
    ClosureRequest,
    Consent,
    Domain,
    Factor,
    FollowUp,
    Instrument,
    Intervention,
    Person,
    PersonSearchToken,
    Rating,
    ServicePlan,
    Task,
    TeamMembership,
    Transfer,
)
from casework.pagination import PAGE_SIZE, paginate
from casework.transitions import STAGE_LIMITS
from casework.working_days import add_working_days


def _working_days_limit(stage: str) -> int | None:
    """The stage's time limit in working days, as the transitions into it declare it
    (casework.transitions); follow-up's, in months, is met by its last plan review."""
    limit = STAGE_LIMITS.get(stage)
    if limit is None or limit.in_months:
        return None
    return limit.amount


def stage_due_on(case: Case) -> datetime.date | None:
    limit = _working_days_limit(case.stage)
    if limit is None:
        return None
    return add_working_days(timezone.localdate(case.stage_entered_at), limit)


def last_day_in_time(stage: str, today: datetime.date) -> datetime.date | None:
    """The latest day a case could have entered `stage` and still be within its time limit.

    add_working_days only grows with its start, so a case is overdue exactly when it entered the
    stage before the day after this one: a date the database can compare with.
    """
    limit = _working_days_limit(stage)
    if limit is None:
        return None
    day = today
    while add_working_days(day, limit) >= today:
        day -= datetime.timedelta(days=1)
    return day


def stage_overdue_q(today: datetime.date) -> Q:
    """Cases past their stage's time limit on `today`, as one filter on indexed columns."""
    overdue = Q(pk__in=[])
    for stage in STAGE_LIMITS:
        last = last_day_in_time(stage, today)
        if last is None:
            continue
        start_of_next = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())
        )
        overdue |= Q(stage=stage, stage_entered_at__lt=start_of_next)
    return overdue


def latest_risk_level() -> Subquery:
    """The overall risk level of each case's latest completed assessment."""
    return Subquery(
        Assessment.objects.filter(case=OuterRef("pk"), completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values("risk_level")[:1]
    )


def _next_open_task(field: str) -> Subquery:
    return Subquery(
        Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
        .order_by("due_on", "pk")
        .values(field)[:1]
    )


RISK_RANK = SqlCase(
    When(risk_level="high", then=Value(0)),
    When(risk_level="moderate", then=Value(1)),
    When(risk_level="low", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def latest_risk_rank() -> Coalesce:
    """The latest risk level as a sort key (high first, unassessed last), ranked inside the
    subquery: a CASE over the `risk` annotation would repeat its subquery once per WHEN."""
    return Coalesce(
        Subquery(
            Assessment.objects.filter(case=OuterRef("pk"), completed_at__isnull=False)
            .order_by("-completed_at", "-pk")
            .annotate(rank=RISK_RANK)
            .values("rank")[:1]
        ),
        Value(3),
    )


@dataclass(frozen=True)
class CaseloadRow:
    case: Case
    days_in_stage: int
    due_on: datetime.date | None
    risk_level: str = ""
    next_due_on: datetime.date | None = None
    next_due_kind: str = ""
    person_name: str = ""

    @property
    def is_overdue(self) -> bool:
        """The stage is past its time limit."""
        return self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def has_overdue_task(self) -> bool:
        return self.next_due_on is not None and self.next_due_on < timezone.localdate()

    @property
    def risk_label(self) -> str:
        return str(Assessment.RiskLevel(self.risk_level).label) if self.risk_level else ""

    @property
    def next_due_label(self) -> str:
        return str(Task.Kind(self.next_due_kind).label) if self.next_due_kind else ""


@dataclass(frozen=True)
class CaseloadFilter:
    """What the dashboard's filter form asks for; every field optional."""

    stage: str = ""
    risk: str = ""
    pathway: str = ""
    caseworker: int | None = None
    overdue: bool = False
    include_closed: bool = False
    sort: str = "stage_age"


CASELOAD_ORDER = {
    "stage_age": ("stage_entered_at", "pk"),
    "next_due": (F("next_due_on").asc(nulls_last=True), "stage_entered_at", "pk"),
    "risk": ("risk_rank", "stage_entered_at", "pk"),
    "reference": ("reference", "pk"),
}


def caseload_queryset(user, filters: CaseloadFilter, *, cases=None) -> QuerySet:
    """The cases of `user`'s caseload (or `cases`, a part of it), filtered and ordered, each with
    its latest risk level and next due date: each per-row subquery appears once, and the order
    ends on the primary key so pages never overlap."""
    return _filtered(access.visible_cases(user) if cases is None else cases, filters)


def _filtered(cases: QuerySet, filters: CaseloadFilter) -> QuerySet:
    today = timezone.localdate()
    cases = (
        cases.select_related("team", "caseworker")
        .annotate(risk=latest_risk_level(), next_due_on=_next_open_task("due_on"))
    )
    if filters.sort == "risk":
        cases = cases.annotate(risk_rank=latest_risk_rank())
    if not filters.include_closed:
        cases = cases.open()
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    if filters.risk == "none":
        cases = cases.filter(risk__isnull=True)
    elif filters.risk:
        cases = cases.filter(risk=filters.risk)
    if filters.pathway:
        cases = cases.filter(pathway=filters.pathway)
    if filters.caseworker == 0:
        cases = cases.filter(caseworker__isnull=True)
    elif filters.caseworker:
        cases = cases.filter(caseworker_id=filters.caseworker)
    if filters.overdue:
        cases = cases.filter(stage_overdue_q(today) | Q(next_due_on__lt=today))
    return cases.order_by(*CASELOAD_ORDER.get(filters.sort, CASELOAD_ORDER["stage_age"]))


def person_names(person_ids) -> dict[int, str]:
    """Full names of these people, for a page of rows: one query, two fields decrypted each."""
    people = Person.objects.filter(pk__in=set(person_ids)).only("first_name", "last_name")
    return {person.pk: person.full_name for person in people} if person_ids else {}


def caseload_rows(cases) -> list[CaseloadRow]:
    """Rows for a page of `caseload_queryset`: one query more for the next due items' kinds and
    one for the people's names (decrypted for this page only)."""
    cases = list(cases)
    names = person_names([case.person_id for case in cases])
    kinds = {}
    open_tasks = (
        Task.objects.filter(case__in=[case.pk for case in cases], done_at__isnull=True)
        .order_by("case_id", "-due_on", "-pk")
        .values_list("case_id", "kind")
    )
    for case_id, kind in open_tasks if cases else ():
        kinds[case_id] = kind  # ordered so the earliest due (the next one) is written last
    today = timezone.localdate()
    return [
        CaseloadRow(
            case=case,
            days_in_stage=(today - timezone.localdate(case.stage_entered_at)).days,
            due_on=stage_due_on(case),
            risk_level=case.risk or "",
            next_due_on=case.next_due_on,
            next_due_kind=kinds.get(case.pk, ""),
            person_name=names.get(case.person_id, ""),
        )
        for case in cases
    ]


def caseload_page(request, user, filters: CaseloadFilter, *, cases=None,
                  per_page: int = PAGE_SIZE) -> Page:
    """One page of the caseload: a count, the rows and their due items, whatever the total.

    A caseworker's reach is their own cases, a few hundred at most: one query pages it. A
    supervisor's or an intake coordinator's takes in whole teams or the whole intake stage, so
    their page is merged from each arm of their reach (MergedCaseload)."""
    if cases is None and access.reaches_widely(user):
        items = MergedCaseload(_filtered(Case.objects.all(), filters),
                               access.visible_case_arms(user))
    else:
        items = caseload_queryset(user, filters, cases=cases)
    page = paginate(request, items, per_page=per_page)
    page.object_list = caseload_rows(page.object_list)
    return page


class MergedCaseload:
    """A caseload reached through several arms (access.visible_case_arms), as a Paginator reads
    it. A page is cut from the first `stop` ids of each arm, each read in order from that arm's
    own index (the first `stop` of the whole are among them, as the order is total); the count
    adds up each arm's cases that no earlier arm holds. So a supervisor's first page costs a
    few index reads and counts, not a sort of every case their teams hold."""

    def __init__(self, cases: QuerySet, arms: list[Q]):
        self.cases, self.arms = cases, arms

    def count(self) -> int:
        total, earlier = 0, Q(pk__in=[])
        for arm in self.arms:
            total += self.cases.filter(arm).exclude(earlier).count()
            earlier |= arm
        return total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, rows: slice) -> QuerySet:
        ids = set()
        for arm in self.arms:
            ids.update(self.cases.filter(arm).values_list("pk", flat=True)[: rows.stop])
        return self.cases.filter(pk__in=ids)[rows]


def caseload_for(
    user, *, include_closed: bool = False, filters: CaseloadFilter | None = None
) -> list[CaseloadRow]:
    """The whole caseload as rows (for jobs and tests; pages use `caseload_page`)."""
    filters = filters or CaseloadFilter(include_closed=include_closed)
    return caseload_rows(caseload_queryset(user, filters))


def open_tasks_for(user) -> QuerySet:
    """`user`'s open tasks on cases they may see, soonest due first (a queryset to page)."""
    return (
        Task.objects.filter(owner=user, done_at__isnull=True)
        .filter(case__in=access.visible_cases(user))
        .select_related("case")
        .order_by("due_on", "pk")
    )


def name_tasks(page: Page) -> Page:
    """Give each task of a page of `open_tasks_for` its person's name (`task.person_name`):
    one query for the page, two fields decrypted a row, however long the list."""
    page.object_list = list(page.object_list)
    names = person_names([task.case.person_id for task in page.object_list])
    for task in page.object_list:
        task.person_name = names.get(task.case.person_id, "")
    return page


TASK_GROUPS = (
    ("overdue", gettext_lazy("Overdue")),
    ("today", gettext_lazy("Due today")),
    ("this_week", gettext_lazy("Due this week")),
    ("later", gettext_lazy("Later")),
)


def task_groups(tasks, today: datetime.date) -> list[tuple[str, str, list]]:
    """The tasks (already read, soonest first) grouped by when they are due, empty groups left
    out: overdue, today, the rest of this week (to Sunday), later. Reads nothing."""
    end_of_week = today + datetime.timedelta(days=6 - today.weekday())
    groups: dict[str, list] = {key: [] for key, _label in TASK_GROUPS}
    for task in tasks:
        if task.due_on < today:
            groups["overdue"].append(task)
        elif task.due_on == today:
            groups["today"].append(task)
        elif task.due_on <= end_of_week:
            groups["this_week"].append(task)
        else:
            groups["later"].append(task)
    return [(key, label, groups[key]) for key, label in TASK_GROUPS if groups[key]]


def find_person(first_name: str, last_name: str, date_of_birth) -> Person | None:
    """Exact match on normalised name and date of birth, through the blind index."""
    index = crypto.name_dob_index(first_name, last_name, date_of_birth)
    if not index:
        return None
    return Person.objects.filter(name_dob_index=index).order_by("pk").first()


# Assessments --------------------------------------------------------------------------------


def draft_assessment(case: Case) -> Assessment | None:
    return case.assessments.filter(completed_at__isnull=True).first()


_LATEST_ASSESSMENT = CompiledQuery(lambda case_id: Assessment.objects.filter(
    case_id=case_id, completed_at__isnull=False).order_by("-completed_at", "-pk")[:1])


def latest_assessment(case: Case) -> Assessment | None:
    return next(iter(_LATEST_ASSESSMENT(case.pk, known_related={"case": case})), None)


def instrument_factors(instrument: Instrument | None) -> list[Factor]:
    if instrument is None:
        return []
    return list(
        Factor.objects.filter(domain__instrument=instrument)
        .select_related("domain")
        .order_by("domain__order", "domain_id", "order", "pk")
    )


def domains_for(instrument: Instrument | None, pathway: str = "") -> list[tuple[Domain, list]]:
    """The instrument's domains that apply to `pathway`, each with its factors, in order."""
    layout: dict[int, tuple[Domain, list]] = {}
    for factor in instrument_factors(instrument):
        domain = factor.domain
        if domain.pathway and pathway and domain.pathway != pathway:
            continue
        layout.setdefault(domain.pk, (domain, []))[1].append(factor)
    return list(layout.values())


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The completed version before this one, for comparison."""
    return (
        Assessment.objects.filter(
            case_id=assessment.case_id, completed_at__isnull=False, version__lt=assessment.version
        )
        .order_by("-version")
        .first()
    )


@dataclass
class FactorChange:
    domain: Domain
    factor: Factor
    before: AssessmentRating | None
    after: AssessmentRating | None

    @property
    def before_score(self) -> int | None:
        return self.before.score if self.before else None

    @property
    def after_score(self) -> int | None:
        return self.after.score if self.after else None

    @property
    def delta(self) -> int | None:
        if self.before_score is None or self.after_score is None:
            return None
        return self.after_score - self.before_score

    @property
    def direction(self) -> str:
        """"worse", "better", "same", or "" when one side is not rated."""
        if self.delta is None:
            return ""
        if self.delta == 0:
            return "same"
        higher_is_better = self.domain.kind == Domain.Kind.PROTECTIVE
        return "better" if (self.delta > 0) == higher_is_better else "worse"

    @property
    def is_significant(self) -> bool:
        """Two steps or more, or into or out of "high": the changes a panel asks about."""
        if not self.delta:
            return False
        high = RATING_SCORE[Rating.HIGH]
        return abs(self.delta) >= 2 or high in (self.before_score, self.after_score)

    def rating_label(self, side: AssessmentRating | None) -> str:
        return side.get_rating_display() if side else str(_("Not rated"))

    @property
    def before_label(self) -> str:
        return self.rating_label(self.before)

    @property
    def after_label(self) -> str:
        return self.rating_label(self.after)


@dataclass
class Comparison:
    older: Assessment
    newer: Assessment
    changes: list[FactorChange]
    dropped: list[Factor]  # rated before, no longer in the newer instrument

    @property
    def by_domain(self) -> list[tuple[Domain, list[FactorChange]]]:
        grouped: dict[str, tuple[Domain, list[FactorChange]]] = {}
        for change in self.changes:
            grouped.setdefault(change.domain.code, (change.domain, []))[1].append(change)
        return list(grouped.values())

    @property
    def significant(self) -> list[FactorChange]:
        return [change for change in self.changes if change.is_significant]

    def count(self, direction: str) -> int:
        return sum(1 for change in self.changes if change.direction == direction)

    @property
    def summary(self) -> list[str]:
        """The significant changes in plain sentences, most important first."""
        older, newer = self.older, self.newer
        lines = []
        before = RISK_ORDER.get(older.risk_level)
        after = RISK_ORDER.get(newer.risk_level)
        labels = {
            "from": older.get_risk_level_display() or _("not recorded"),
            "to": newer.get_risk_level_display() or _("not recorded"),
        }
        if before is None or after is None or before == after:
            if older.risk_level == newer.risk_level and newer.risk_level:
                lines.append(_("Overall risk level unchanged at %(to)s.") % labels)
        elif after > before:
            lines.append(_("Overall risk level rose from %(from)s to %(to)s.") % labels)
        else:
            lines.append(_("Overall risk level fell from %(from)s to %(to)s.") % labels)
        significant = sorted(
            self.significant, key=lambda c: (c.direction != "worse", -abs(c.delta or 0))
        )
        for change in significant:
            values = {
                "factor": change.factor.title,
                "domain": change.domain.title,
                "from": change.before_label,
                "to": change.after_label,
            }
            if change.direction == "worse":
                lines.append(_("%(factor)s (%(domain)s) worsened: %(from)s to %(to)s.") % values)
            else:
                lines.append(_("%(factor)s (%(domain)s) improved: %(from)s to %(to)s.") % values)
        if not significant:
            lines.append(_("No factor changed significantly."))
        lines.append(
            _("%(worse)s factors worse, %(better)s better, %(same)s unchanged.")
            % {"worse": self.count("worse"), "better": self.count("better"),
               "same": self.count("same")}
        )
        newly = sum(1 for c in self.changes if c.before is None and c.after and c.after.rating)
        if newly:
            lines.append(_("%(count)s factors rated for the first time.") % {"count": newly})
        if self.dropped:
            lines.append(
                _("%(count)s factors rated before are not in this version of the instrument.")
                % {"count": len(self.dropped)}
            )
        return [str(line) for line in lines]


RISK_ORDER = {"low": 1, "moderate": 2, "high": 3}


def _ratings_by_key(assessment: Assessment) -> dict[tuple[str, str], AssessmentRating]:
    ratings = assessment.ratings.select_related("factor__domain")
    return {rating.factor.comparison_key: rating for rating in ratings}


def compare_assessments(older: Assessment, newer: Assessment) -> Comparison:
    """What changed between two versions, factor by factor, matched across instrument versions
    by domain and factor code. Three queries, whatever the size of the instrument."""
    before = _ratings_by_key(older)
    after = _ratings_by_key(newer)
    factors = instrument_factors(newer.instrument) or [
        rating.factor for rating in after.values()
    ]
    changes = [
        FactorChange(
            domain=factor.domain,
            factor=factor,
            before=before.get(factor.comparison_key),
            after=after.get(factor.comparison_key),
        )
        for factor in factors
    ]
    seen = {factor.comparison_key for factor in factors}
    dropped = [rating.factor for key, rating in before.items() if key not in seen and rating.rating]
    return Comparison(older=older, newer=newer, changes=changes, dropped=dropped)


# Service plans ------------------------------------------------------------------------------


def current_plan(case: Case) -> ServicePlan | None:
    """The approved plan in force (the latest approved version not superseded)."""
    return case.plans.filter(approved_at__isnull=False, superseded_at__isnull=True).first()


def plan_awaiting_approval(case: Case) -> ServicePlan | None:
    return case.plans.filter(approved_at__isnull=True, superseded_at__isnull=True).first()


def assessed_needs(case: Case) -> list[AssessmentRating]:
    """Risk factors and needs rated moderate or high at the latest assessment: what goals
    address, most serious first."""
    latest = latest_assessment(case)
    if latest is None:
        return []
    ratings = [
        rating
        for rating in latest.ratings.select_related("factor__domain")
        if rating.factor.domain.kind != Domain.Kind.PROTECTIVE
        and rating.rating in (Rating.MODERATE, Rating.HIGH)
    ]
    return sorted(ratings, key=lambda r: (-(r.score or 0), r.factor.domain.order, r.factor.order))


def assessed_need_ids(case: Case) -> set[int]:
    return {rating.factor_id for rating in assessed_needs(case)}


def plan_with_goals(plan: ServicePlan) -> ServicePlan:
    """Load a plan's goals, their needs and interventions in three queries."""
    goals = list(
        plan.plan_goals.select_related("need__domain").prefetch_related(
            Prefetch(
                "interventions",
                queryset=Intervention.objects.select_related("service__organization", "owner"),
            )
        )
    )
    plan.goal_list = goals
    return plan


def unaddressed_needs(case: Case, plan: ServicePlan) -> list[AssessmentRating]:
    """Needs rated moderate or high that no goal of `plan` addresses."""
    linked = {goal.need_id for goal in getattr(plan, "goal_list", plan.plan_goals.all())}
    return [rating for rating in assessed_needs(case) if rating.factor_id not in linked]


_TEAM_SUPERVISORS = CompiledQuery(lambda team_id: get_user_model().objects.filter(
    is_active=True,
    team_memberships__team_id=team_id,
    team_memberships__role=TeamMembership.Role.SUPERVISOR,
).order_by("username"))


def task_owners(case: Case) -> list:
    """Who may own a task on the case: its caseworker and the supervisors of its team."""
    owners = _TEAM_SUPERVISORS(case.team_id)
    if case.caseworker is not None and case.caseworker not in owners:
        owners.insert(0, case.caseworker)
    return owners


# The case page ------------------------------------------------------------------------------

# A default that tells "the caller has not read it" from "the caller read it and found none",
# for a function that takes a row the case page has already read.
NOT_READ = object()

# Lists on the case page show at most this many rows (soonest due, or newest, first), so the page
# costs the same however long the case's history; the timeline pages with "Show older entries".
CASE_PAGE_ROWS = 20


def newest(rows: QuerySet, limit: int | None) -> QuerySet:
    """The first `limit` of `rows` (already ordered newest first), or all of them."""
    return rows if limit is None else rows[:limit]


# The case page's reads, each compiled to SQL once per connection (casework.compiled): they run
# on every case page, and compiling them cost more than running them. Each takes the case's id.
_PLANS = CompiledQuery(lambda case_id, *, limit: newest(
    ServicePlan.objects.filter(case_id=case_id).select_related("created_by", "approved_by"),
    limit))
_ASSESSMENTS = CompiledQuery(lambda case_id, *, limit: newest(
    Assessment.objects.filter(case_id=case_id).select_related("completed_by", "signed_off_by"),
    limit))
_TRANSITIONS = CompiledQuery(lambda case_id, *, limit: newest(
    CaseTransition.objects.filter(case_id=case_id).select_related("actor").order_by("-at", "-pk"),
    limit))
_FOLLOW_UPS = CompiledQuery(lambda case_id, *, limit: newest(
    FollowUp.objects.filter(case_id=case_id).select_related("recorded_by")
    .annotate(at=Coalesce("recorded_at", "created_at")).order_by("-at", "-pk"), limit))
# A scheduled contact's task is the contact's own entry: not listed twice.
_TASKS = CompiledQuery(lambda case_id, *, limit: newest(
    Task.objects.filter(case_id=case_id, follow_up__isnull=True).select_related("owner")
    .annotate(at=Coalesce("done_at", "created_at")).order_by("-at", "-pk"), limit))
_TRANSFERS = CompiledQuery(lambda case_id, *, limit: newest(
    Transfer.objects.filter(case_id=case_id).select_related(
        "from_team", "to_team", "requested_by", "decided_by", "assigned_to")
    .order_by("-requested_at", "-pk"), limit))
_SCHEDULED = CompiledQuery(lambda case_id: FollowUp.objects.filter(
    case_id=case_id, outcome=FollowUp.Outcome.SCHEDULED).order_by("due_on", "pk")[:CASE_PAGE_ROWS])
_OPEN_TASKS = CompiledQuery(lambda case_id: Task.objects.filter(
    case_id=case_id, done_at__isnull=True).select_related("owner")
    .order_by("due_on", "pk")[:CASE_PAGE_ROWS])
_CONSENTS = CompiledQuery(lambda case_id: Consent.objects.filter(case_id=case_id)
                          .select_related("organization").order_by("pk")[:CASE_PAGE_ROWS])


def case_page(case: Case, user, *, timeline_pages: int = 1) -> dict:
    """What the case page shows of `case` to `user` (who may see it): its lists, bounded, and
    what the user may do, in a fixed number of queries however long its history."""
    # The newest versions, enough for the page's lists and the timeline alike (read once): the
    # plan in force and one awaiting approval are always among them (a new version supersedes
    # the old on approval), older ones are on the timeline.
    rows = max(CASE_PAGE_ROWS, timeline_rows(timeline_pages))
    own = {"case": case}
    all_plans = _PLANS(case.pk, limit=rows, known_related=own)
    plans = all_plans[:CASE_PAGE_ROWS]
    current = next((plan for plan in plans if plan.is_current), None)
    awaiting = next((plan for plan in plans if plan.is_awaiting_approval), None)
    for plan in (current, awaiting):
        if plan is not None:
            plan_with_goals(plan)
    # One more: the newest may be the (one) draft.
    all_assessments = _ASSESSMENTS(case.pk, limit=rows + 1, known_related=own)
    assessments = all_assessments[:CASE_PAGE_ROWS]
    completed = [a for a in assessments if a.is_complete]
    timeline, older = case_timeline_page(
        case, user, timeline_pages, plans=all_plans, assessments=all_assessments
    )
    can_edit = access.can_edit_records(user, case)
    episodes, episodes_total = episode_outline(case, user)
    return {
        "case": case,
        "person": case.person,
        "due_on": stage_due_on(case),
        "timeline": timeline,
        "timeline_older": timeline_pages + 1 if older else None,
        "has_transitions": any(entry.kind == "transition" for entry in timeline),
        "closure_reasons": Case.ClosureReason.choices,
        "consents": _CONSENTS(case.pk, known_related=own),
        "assessments": completed,
        "latest_assessment": completed[0] if completed else None,
        "draft_assessment": next((a for a in assessments if not a.is_complete), None),
        "plans": plans,
        "current_plan": current,
        "awaiting_plan": awaiting,
        "scheduled": _SCHEDULED(case.pk, known_related=own),
        "open_tasks": _OPEN_TASKS(case.pk, known_related=own),
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "can_assess": access.can_assess(user, case),
        "can_approve": access.can_approve_plan(user, case),
        "can_sign_off": access.can_sign_off_assessment(user, case),
        "can_write_notes": access.can_write_notes(user, case),
        "can_manage_tasks": access.can_manage_tasks(user, case),
        "can_record_post_exit": access.can_record_post_exit_review(user, case),
        "plan_by_mdt": settings.CASEWORK_PLAN_APPROVAL == ServicePlan.ApprovedVia.MDT,
        # The earlier episodes' outline and the transfer box (_episodes.html, _transfer.html).
        "episodes": episodes,
        "episodes_total": episodes_total,
        "pending_transfer": pending_transfer(case),
        "can_transfer": access.can_request_transfer(user, case),
    }


# The case timeline --------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # transition, note, follow_up, task, assessment, plan, opened, or a source's own
    item: object = None
    readable: bool = True  # False: a compartment note whose text this viewer may not read
    addenda: list = field(default_factory=list)
    # For entries from TIMELINE_SOURCES: a template to include with `entry`, or plain text.
    template: str = ""
    text: str = ""


# Other apps add entries to the timeline (provider referral updates, for instance) by appending a
# function (case, viewer, limit=None) -> iterable of TimelineEntry, newest first, at most `limit`
# of them when given; each must cost a fixed number of queries.
TIMELINE_SOURCES: list = []


def case_timeline(case: Case, viewer, *, limit: int | None = None, plans=None,
                  assessments=None) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first: one query per kind of record.

    With `limit`, each kind reads only its newest `limit` rows (in the database), so the cost
    stays the same however long the history: the newest `limit` entries overall are among them.
    `plans` and `assessments`, when the caller has read them already (the newest versions
    first, at least `limit` of each when there are that many), are used instead of reading
    them again: versions are made one after another, so the newest versions are the newest
    entries.
    """
    own = {"case": case}
    entries = [TimelineEntry(at=case.opened_at, kind="opened", item=case)]
    entries += [
        TimelineEntry(at=step.at, kind="transition", item=step)
        for step in _TRANSITIONS(case.pk, limit=limit, known_related=own)
    ]
    entries += _note_entries(case, viewer, limit)
    for follow_up in _FOLLOW_UPS(case.pk, limit=limit, known_related=own):
        entries.append(TimelineEntry(at=follow_up.at, kind="follow_up", item=follow_up))
    for task in _TASKS(case.pk, limit=limit, known_related=own):
        entries.append(TimelineEntry(at=task.at, kind="task", item=task))
    if assessments is None:
        assessments = newest(
            case.assessments.filter(completed_at__isnull=False)
            .select_related("completed_by", "signed_off_by")
            .order_by("-completed_at", "-pk"), limit,
        )
    for assessment in assessments:
        if assessment.completed_at is not None:
            entries.append(TimelineEntry(at=assessment.completed_at, kind="assessment",
                                         item=assessment))
    if plans is None:
        plans = _PLANS(case.pk, limit=limit, known_related=own)
    for plan in plans:
        entries.append(TimelineEntry(at=plan.approved_at or plan.created_at, kind="plan",
                                     item=plan))
    entries += _transfer_entries(_TRANSFERS(case.pk, limit=limit, known_related=own))
    for source in TIMELINE_SOURCES:
        entries += list(source(case, viewer, limit=limit))
    # Newest first; the opening entry always last, whatever its time.
    entries.sort(key=lambda e: (e.kind != "opened", e.at), reverse=True)
    return entries if limit is None else entries[:limit]


def _transfer_entries(transfers) -> list[TimelineEntry]:
    """A transfer's offer and its decision, each its own entry (both sides see them: the
    sending team before acceptance, the receiving team after)."""
    entries = []
    for transfer in transfers:
        entries.append(TimelineEntry(at=transfer.requested_at, kind="transfer-requested",
                                     item=transfer, template="casework/_timeline_transfer.html"))
        if transfer.decided_at is not None:
            entries.append(TimelineEntry(at=transfer.decided_at, kind=f"transfer-{transfer.status}",
                                         item=transfer,
                                         template="casework/_timeline_transfer.html"))
    return entries


# Episodes and transfers ---------------------------------------------------------------------

# The case page outlines this many of the person's earlier cases (and says how many there are).
EPISODES_SHOWN = 10


@dataclass
class EpisodeOutline:
    case: Case  # reference, dates, stage, closure reason: never its content
    openable: bool  # the viewer may open it (access_case would let them in)


def episode_outline(case: Case, viewer) -> tuple[list[EpisodeOutline], int]:
    """The person's earlier cases, newest first, at most EPISODES_SHOWN, and how many there
    are: three queries whatever the history, none for a first episode (open_case links every
    case to the person's latest earlier one, and migration 0021 linked those opened before)."""
    if case.previous_episode_id is None:
        return [], 0
    earlier = access.earlier_episodes(case).only(
        "reference", "stage", "opened_at", "closed_at", "closure_reason", "person_id"
    )
    shown = list(earlier[:EPISODES_SHOWN])
    total = len(shown) if len(shown) < EPISODES_SHOWN else earlier.count()
    openable = access.visible_among(viewer, [c.pk for c in shown])
    return [EpisodeOutline(case=c, openable=c.pk in openable) for c in shown], total


_PENDING_TRANSFER = CompiledQuery(lambda case_id: Transfer.objects.filter(
    case_id=case_id, status=Transfer.Status.PENDING).select_related("to_team").order_by("pk")[:1])


def pending_transfer(case: Case) -> Transfer | None:
    return next(iter(_PENDING_TRANSFER(case.pk, known_related={"case": case})), None)


def transfer_lists(user) -> tuple[QuerySet, QuerySet]:
    """The transfers offered to `user`'s teams awaiting a decision, and those their teams sent,
    newest first: querysets for the page's two paginated lists."""
    related = ("case", "from_team", "to_team", "requested_by", "decided_by")
    incoming = access.transfers_in(user).filter(status=Transfer.Status.PENDING)
    outgoing = access.transfers_out(user)
    return (incoming.select_related(*related).order_by("-requested_at", "-pk"),
            outgoing.select_related(*related).order_by("-requested_at", "-pk"))


# The case page shows this many timeline entries, and this many more for each "show older".
TIMELINE_PAGE = 30


def case_timeline_page(case: Case, viewer, pages: int = 1, *, plans=None, assessments=None
                       ) -> tuple[list[TimelineEntry], bool]:
    """The newest `pages` x TIMELINE_PAGE entries, and whether older ones remain (`plans` and
    `assessments` as for case_timeline, read with timeline_rows(pages))."""
    shown = TIMELINE_PAGE * pages
    entries = case_timeline(case, viewer, limit=shown + 1, plans=plans, assessments=assessments)
    return entries[:shown], len(entries) > shown


def timeline_rows(pages: int) -> int:
    """How many of a kind the timeline's `pages` pages may need."""
    return TIMELINE_PAGE * pages + 1


def _visible_notes_with_addenda(case_id, *, limit, hide_restricted):
    notes = access.restrict_notes(CaseNote.objects.filter(case_id=case_id), hide_restricted)
    originals = newest(notes.filter(amends__isnull=True).order_by("-written_at", "-pk"), limit)
    shown = originals.values("pk")
    return notes.filter(Q(pk__in=shown) | Q(amends_id__in=shown)).select_related("author")


_NOTES = CompiledQuery(_visible_notes_with_addenda)


def _note_entries(case: Case, viewer, limit: int | None = None) -> list[TimelineEntry]:
    """Notes newest first with their addenda; notes the viewer may not know of are left out in
    the query (access.visible_notes), so a limit counts only what they see. The notes and their
    addenda come in one query: the newest originals, and the addenda of those."""
    rows = _NOTES(case.pk, limit=limit, hide_restricted=access.hides_restricted_notes(viewer, case),
                  known_related={"case": case})
    rows = sorted(rows, key=lambda note: (note.written_at, note.pk))
    entries = {
        note.pk: TimelineEntry(at=note.written_at, kind="note", item=note,
                               readable=access.can_read_note(viewer, case, note))
        for note in reversed(rows) if note.amends_id is None
    }
    for addendum in rows:
        if addendum.amends_id is not None:
            entries[addendum.amends_id].addenda.append(addendum)
    return list(entries.values())


# The supervisor's view ----------------------------------------------------------------------

WORKLOAD_STAGES = (
    Case.Stage.INTAKE,
    Case.Stage.ASSESSMENT,
    Case.Stage.SERVICE_PLAN,
    Case.Stage.FOLLOW_UP,
    Case.Stage.ESCALATED,
)
WORKLOAD_RISKS = ("high", "moderate", "low", "")


@dataclass
class WorkloadRow:
    caseworker: object  # a user, or None for unassigned cases
    by_stage: dict = field(default_factory=dict)
    by_risk: dict = field(default_factory=dict)
    overdue_tasks: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    @property
    def stage_counts(self) -> list[int]:
        return [self.by_stage.get(stage, 0) for stage in WORKLOAD_STAGES]

    @property
    def risk_counts(self) -> list[int]:
        return [self.by_risk.get(risk, 0) for risk in WORKLOAD_RISKS]


@dataclass
class TeamOverview:
    teams: list
    workload: list[WorkloadRow]
    plans_to_approve: list[ServicePlan]
    assessments_to_sign_off: list[Assessment]
    caseworkers: list
    closures_to_approve: list[ClosureRequest] = field(default_factory=list)
    awaiting_count: int = 0


def team_overview(user) -> TeamOverview:
    """Workloads, and everything awaiting the supervisor's approval: a fixed number of queries."""
    teams = list(access.supervised_teams(user))
    team_ids = [team.pk for team in teams]
    open_cases = Case.objects.filter(team_id__in=team_ids).open()
    members = _team_members(team_ids)
    caseworkers = list(get_user_model().objects.filter(pk__in=members).order_by("username"))
    # Everyone holding an open case of the team, members or not (someone may have moved on).
    holders = get_user_model().objects.filter(
        Q(pk__in=members) | Q(pk__in=open_cases.values("caseworker_id"))
    ).order_by("username")
    rows = {worker.pk: WorkloadRow(caseworker=worker) for worker in holders}
    rows[None] = WorkloadRow(caseworker=None)
    counts = (
        open_cases.annotate(risk=latest_risk_level())
        .values("caseworker_id", "stage", "risk")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for count in counts:
        row = rows[count["caseworker_id"]]
        row.by_stage[count["stage"]] = row.by_stage.get(count["stage"], 0) + count["n"]
        risk = count["risk"] or ""
        row.by_risk[risk] = row.by_risk.get(risk, 0) + count["n"]
    # Read from each row's owner's open tasks (task_owner_open), not from every overdue task
    # in the city: the cost follows the team's workload.
    overdue = (
        Task.objects.filter(
            owner_id__in=[pk for pk in rows if pk is not None], case__in=open_cases,
            done_at__isnull=True, due_on__lt=timezone.localdate(),
        )
        .values("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for count in overdue:
        rows[count["owner_id"]].overdue_tasks = count["n"]
    unassigned = rows.pop(None)
    workload = list(rows.values()) + ([unassigned] if unassigned.total else [])
    plans, assessments, closures = _awaiting_approval(team_ids)
    return TeamOverview(
        teams=teams,
        workload=workload,
        plans_to_approve=list(plans.select_related("case", "created_by")[:AWAITING_SHOWN]),
        assessments_to_sign_off=list(
            assessments.select_related("case", "completed_by")[:AWAITING_SHOWN]
        ),
        caseworkers=caseworkers,
        closures_to_approve=list(
            closures.select_related("case", "requested_by")[:AWAITING_SHOWN]
        ),
        awaiting_count=plans.count() + assessments.count() + closures.count(),
    )


# The approvals list shows the oldest this many of each kind; the count says how many wait.
AWAITING_SHOWN = 20


def _team_members(team_ids) -> QuerySet:
    return get_user_model().objects.filter(
        is_active=True, groups__name=roles.CASEWORKER, team_memberships__team_id__in=team_ids
    ).values("pk")


def _awaiting_approval(team_ids) -> tuple[QuerySet, QuerySet, QuerySet]:
    """Plans to approve, assessments to sign off and closures requested on the teams' cases,
    oldest first."""
    team_cases = Case.objects.filter(team_id__in=team_ids)
    plans = ServicePlan.objects.filter(
        case__in=team_cases, approved_at__isnull=True, superseded_at__isnull=True
    ).order_by("created_at", "pk")
    assessments = Assessment.objects.filter(
        case__in=team_cases, completed_at__isnull=False, signed_off_at__isnull=True
    ).order_by("completed_at", "pk")
    closures = ClosureRequest.objects.filter(
        case__in=team_cases, outcome=ClosureRequest.Outcome.PENDING
    ).order_by("requested_at", "pk")
    return plans, assessments, closures


def team_caseworkers(user) -> list:
    """The caseworkers of the teams `user` supervises, for filters and reassignment."""
    members = _team_members(access.supervised_teams(user).values("pk"))
    return list(get_user_model().objects.filter(pk__in=members).order_by("username"))


def awaiting_approval_count(user) -> int:
    """How many plans, assessments and closure requests on `user`'s teams wait for a
    supervisor: three counts."""
    plans, assessments, closures = _awaiting_approval(access.supervised_teams(user).values("pk"))
    return plans.count() + assessments.count() + closures.count()


# Search -------------------------------------------------------------------------------------

# Initial letters of a case or person reference: "C-5VSJ" (three characters after the dash at
# least, so a search never lists every case).
REFERENCE_START = re.compile(r"^[CP]-[0-9A-Z]{3,8}$")
PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
SEARCH_RESULTS = 50


def search_dates(text: str) -> list[datetime.date]:
    """The dates a query may mean: ISO (2001-03-04), or 4/3/2001 read both ways round."""
    with contextlib.suppress(ValueError):
        return [datetime.date.fromisoformat(text)]
    parts = re.split(r"[/.]", text)
    if len(parts) != 3 or not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return []
    a, b, year = (int(part) for part in parts)
    dates = set()
    for month, day in ((a, b), (b, a)):
        with contextlib.suppress(ValueError):
            dates.add(datetime.date(year, month, day))
    return sorted(dates)


def _people_with_tokens(tokens: list[str]):
    """Ids of people who hold every one of `tokens` (a subquery on the token index)."""
    return (
        PersonSearchToken.objects.filter(token__in=tokens)
        .values("person_id")
        .annotate(held=Count("token"))
        .filter(held=len(tokens))
        .values("person_id")
    )


def search_cases(user, query: str) -> list[Case]:
    """Cases `user` may see whose reference starts with the query, or whose person's name,
    any word of it (or its first letters, three at least), date of birth or phone matches.

    Names match through keyed tokens of word prefixes (casework.name_keys, docs/search.md):
    case, accents, punctuation and word order do not matter; aliases count; several words must
    all match. Nothing is decrypted but the rows found, and nothing outside the user's reach is
    ever matched."""
    return matching_cases(access.visible_cases(user), query)


def matching_cases(cases, query: str) -> list[Case]:
    """The cases of `cases` that `query` finds, by the rules of search_cases: the one person
    search, run over the cases a caller may search (privacy officers' subject access searches
    every case: privacy.subject_access.access.searchable_cases)."""
    text = " ".join(query.split())
    cases = cases.select_related("person", "team", "caseworker")
    key = text.upper()
    dates = search_dates(text)
    if REFERENCE_START.match(key):
        found = cases.filter(Q(reference__startswith=key) | Q(person__reference__startswith=key))
    elif dates:
        tokens = [name_keys.dob_token(date) for date in dates]
        found = cases.filter(person__in=PersonSearchToken.objects.filter(token__in=tokens)
                             .values("person_id"))
    elif PHONE.match(text) and len(crypto.normalise_phone(text)) >= 7:
        found = cases.filter(person__phone_index=crypto.phone_index(text))
    else:
        tokens = name_keys.query_word_tokens(text)
        if not tokens:
            return []
        found = cases.filter(person__in=_people_with_tokens(tokens))
    return list(found.order_by("-opened_at", "pk")[:SEARCH_RESULTS])
