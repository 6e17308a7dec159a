"""Page-shaped reads for the MDT pages. Each is a fixed number of queries, whatever the agenda.

The meeting summary is what a panel member needs to discuss a case, never the full record:
first name and initials, pathway, stage, risk and its trend, the assessment's needs summary,
the plan and its progress, provider referral statuses, and recent contacts (date, kind and
outcome; not what was said).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from casework.models import Assessment, Case, FollowUp, Intervention, PlanGoal, ServicePlan
from mdt import access, agenda
from mdt.models import Action, AgendaItem, Attendance, ConflictDeclaration, Meeting, PanelMember

RECENT_CONTACTS = 5


def meetings_for(user) -> QuerySet:
    """The meetings of `user`'s panels, newest first (a query to page)."""
    return (
        access.visible_meetings(user)
        .select_related("panel", "minutes")
        .order_by("-scheduled_for", "-pk")
    )


def _items(meeting: Meeting):
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case", "decision", "minutes")
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("owner").order_by("pk"))
        )
        .order_by("removed", "order", "pk")
    )


@dataclass
class MeetingPage:
    meeting: Meeting
    items: list[AgendaItem]
    removed: list[AgendaItem]
    conflicted: set[int]
    members: list[PanelMember]
    attendance: dict[int, str]
    can_chair: bool
    can_minute: bool
    window_open: bool
    shows_items: bool = field(default=False)

    @property
    def decided_count(self) -> int:
        return sum(1 for item in self.items if hasattr(item, "decision"))


def meeting_page(user, meeting: Meeting, *, now=None) -> MeetingPage:
    """The agenda as a list of references and reasons (no personal data; organisers also see
    stages), with attendance: 5 queries whatever the number of items.

    Members see the draft agenda too, so that they declare their conflicts from it before
    publication opens any summary."""
    can_chair = access.can_chair(user, meeting)
    can_minute = access.can_minute(user, meeting)
    window_open = access.mdt_window_open(meeting, now)
    organiser = can_chair or can_minute
    shows_items = organiser or window_open or not meeting.is_published
    items, removed = [], []
    if shows_items:
        for item in _items(meeting):
            (removed if item.removed else items).append(item)
    members = list(meeting.panel.members.filter(is_active=True).select_related("user"))
    attendance = dict(
        Attendance.objects.filter(meeting=meeting).values_list("member_id", "status")
    )
    return MeetingPage(
        meeting=meeting, items=items, removed=removed if can_chair else [],
        conflicted=access.conflicted_item_ids(user, meeting) if shows_items else set(),
        members=members, attendance=attendance, can_chair=can_chair, can_minute=can_minute,
        window_open=window_open, shows_items=shows_items,
    )


@dataclass
class Contact:
    happened_on: datetime.date | None
    title: str
    mode: str
    outcome: str


@dataclass
class Summary:
    item: AgendaItem
    case: Case
    first_name: str
    initials: str
    days_in_stage: int
    risk_level: str
    risk_before: str
    assessment: Assessment | None
    plan: ServicePlan | None
    goals: list[PlanGoal]
    contacts: list[Contact]
    referrals: list[dict]

    @property
    def risk_label(self) -> str:
        return str(Assessment.RiskLevel(self.risk_level).label) if self.risk_level else ""

    @property
    def risk_trend(self) -> str:
        if not self.risk_level or not self.risk_before:
            return ""
        before = agenda.RISK_RANK.get(self.risk_before, 0)
        after = agenda.RISK_RANK.get(self.risk_level, 0)
        return "up" if after > before else "down" if after < before else "same"


def case_summary(item: AgendaItem) -> Summary:
    """The meeting summary of an agenda item's case."""
    case = item.case
    assessments = list(
        case.assessments.filter(completed_at__isnull=False).order_by("-completed_at", "-pk")[:2]
    )
    latest = assessments[0] if assessments else None
    plan = (
        case.plans.filter(superseded_at__isnull=True)
        .order_by("approved_at", "-version")  # awaiting approval (NULL) first, then in force
        .first()
    )
    goals = []
    if plan is not None:
        goals = list(
            plan.plan_goals.prefetch_related(
                Prefetch("interventions",
                         queryset=Intervention.objects.select_related("service__organization"))
            )
        )
    contacts = [
        Contact(f.happened_on, f.title, f.get_mode_display(), f.get_outcome_display())
        for f in case.follow_ups.exclude(outcome=FollowUp.Outcome.SCHEDULED)
        .order_by("-happened_on", "-pk")[:RECENT_CONTACTS]
    ]
    return Summary(
        item=item, case=case,
        first_name=case.person.first_name, initials=case.person.initials,
        days_in_stage=(timezone.localdate() - timezone.localdate(case.stage_entered_at)).days,
        risk_level=latest.risk_level if latest else "",
        risk_before=assessments[1].risk_level if len(assessments) > 1 else "",
        assessment=latest, plan=plan, goals=goals, contacts=contacts,
        referrals=provider_referral_statuses(case),
    )


def provider_referral_statuses(case: Case) -> list[dict]:
    """Statuses of the case's provider referrals, once referrals.ProviderReferral exists."""
    model = agenda.provider_referral_model()
    if model is None:
        return []
    rows = []
    for referral in model.objects.filter(case=case).order_by("-pk")[:10]:
        display = getattr(referral, "get_status_display", None)
        rows.append({
            "status": display() if display else referral.status,
            "respond_by": getattr(referral, "respond_by", None),
        })
    return rows


def conflicts(meeting: Meeting) -> list[ConflictDeclaration]:
    """The conflicts of interest declared on the meeting's items, for the record (one query)."""
    return list(
        ConflictDeclaration.objects.filter(item__meeting=meeting, item__removed=False)
        .select_related("user", "item__case")
        .order_by("item__order", "item_id", "declared_at", "pk")
    )


@dataclass(frozen=True)
class MinutesSection:
    """One agenda item's place in the minutes. `item` is None where the reader declared a
    conflict on it: the section then says only that, and carries nothing of the item."""

    number: int
    item: AgendaItem | None

    @property
    def withheld(self) -> bool:
        return self.item is None


def minutes_sections(user, meeting: Meeting) -> list[MinutesSection]:
    """The agenda items in the order of the minutes, each with its decision, actions and item
    minutes where `user` may read them (access.may_read_item_minutes): 4 queries, whatever the
    number of items."""
    conflicted = access.conflicted_item_ids(user, meeting)
    sections = []
    for number, item in enumerate(_items(meeting).filter(removed=False), start=1):
        item.meeting = meeting  # the rule reads the meeting: no query per item
        shown = access.may_read_item_minutes(user, item, conflicted=conflicted)
        sections.append(MinutesSection(number, item if shown else None))
    return sections


def agenda_rows(user, meeting: Meeting) -> list[AgendaItem]:
    """Agenda items for the PDF, with the person (first name and initials) and risk level."""
    conflicted = access.conflicted_item_ids(user, meeting)
    latest_risk = Subquery(
        Assessment.objects.filter(case=OuterRef("case_id"), completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values("risk_level")[:1]
    )
    items = (
        AgendaItem.objects.filter(meeting=meeting, removed=False)
        .select_related("case__person")
        .annotate(risk=latest_risk)
        .order_by("order", "pk")
    )
    return [item for item in items if item.pk not in conflicted]
