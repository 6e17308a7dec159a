"""Which cases go on a meeting's agenda, and why: one function per rule.

Each rule takes an AgendaContext and returns {case id: detail}, where the detail is a short
explanation built only from facts without personal data (stages, dates, risk levels). Rules read
a fixed number of queries each, whatever the caseload. The rules, as the panel agreed them:

- new_case: the case is at intake or assessment and no panel has recorded a decision on it yet
  (it has never been "opened" by the MDT). It stays a candidate until a decision is recorded.
- plan_approval: only when settings.MDT_PLAN_APPROVAL_REQUIRED; a service plan awaits approval
  (approved_at and superseded_at empty) on a case at service plan or follow-up.
- review_due: a scheduled plan review or post-exit review is due before the next regular
  meeting (overdue ones included), so the panel sees it in time.
- risk_up: the latest completed assessment rates the overall risk higher than the completed
  assessment before it, and no panel decision has been recorded on the case since.
- closure_proposed: casework has no "request closure" record, so a closure is proposed when a
  case in follow-up has a plan in force whose goals are all achieved.
- stuck_stage: longer in its stage than settings.STAGE_TIME_LIMITS allows (the same rule as the
  overdue views: casework.selectors.stage_overdue_q).
- stuck_referral: a provider referral is still "requested" (no answer) after its respond-by
  time. Only once referrals.ProviderReferral exists; looked up at call time.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Assessment, Case, FollowUp, PlanGoal, ServicePlan
from casework.selectors import stage_overdue_q
from mdt.models import REASONS, Decision, Meeting

# The order items appear in: decisions first, then approvals, then the rest.
REASON_ORDER = list(REASONS)

RISK_RANK = {
    Assessment.RiskLevel.LOW: 1,
    Assessment.RiskLevel.MODERATE: 2,
    Assessment.RiskLevel.HIGH: 3,
}


@dataclass(frozen=True)
class AgendaContext:
    meeting: Meeting
    now: datetime.datetime
    next_meeting_at: datetime.datetime

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    def panel_cases(self) -> QuerySet:
        """Every case of the panel's teams, closed ones included (post-exit reviews)."""
        return Case.objects.filter(team__in=self.meeting.panel.teams.values("pk"))

    def open_cases(self) -> QuerySet:
        return self.panel_cases().open()


def next_meeting_at(meeting: Meeting) -> datetime.datetime:
    """The panel's meeting after this one: the next one scheduled, or its next regular slot."""
    scheduled = (
        Meeting.objects.filter(panel=meeting.panel_id, scheduled_for__gt=meeting.scheduled_for)
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
        .first()
    )
    return scheduled or meeting.panel.next_meeting_at(
        meeting.scheduled_for + datetime.timedelta(days=1)
    )


def context_for(meeting: Meeting, *, now=None) -> AgendaContext:
    return AgendaContext(
        meeting=meeting, now=now or timezone.now(), next_meeting_at=next_meeting_at(meeting)
    )


def _decided() -> Exists:
    return Exists(Decision.objects.filter(item__case=OuterRef("pk")))


def new_cases(ctx: AgendaContext) -> dict[int, str]:
    rows = (
        ctx.open_cases()
        .filter(stage__in=[Case.Stage.INTAKE, Case.Stage.ASSESSMENT])
        .exclude(_decided())
        .values_list("pk", "stage", "opened_at")
    )
    return {
        pk: _("At %(stage)s; opened %(date)s.") % {
            "stage": Case.Stage(stage).label, "date": timezone.localdate(opened).isoformat()
        }
        for pk, stage, opened in rows
    }


def plans_awaiting_approval(ctx: AgendaContext) -> dict[int, str]:
    if not settings.MDT_PLAN_APPROVAL_REQUIRED:
        return {}
    rows = ServicePlan.objects.filter(
        case__in=ctx.open_cases().filter(
            stage__in=[Case.Stage.SERVICE_PLAN, Case.Stage.FOLLOW_UP]
        ),
        approved_at__isnull=True,
        superseded_at__isnull=True,
    ).values_list("case_id", "version")
    return {case_id: _("Plan version %(v)s awaits approval.") % {"v": v} for case_id, v in rows}


def reviews_due(ctx: AgendaContext) -> dict[int, str]:
    rows = (
        FollowUp.objects.filter(
            case__in=ctx.panel_cases(),
            kind__in=FollowUp.REVIEW_KINDS,
            outcome=FollowUp.Outcome.SCHEDULED,
            due_on__lt=timezone.localdate(ctx.next_meeting_at),
        )
        .order_by("due_on", "pk")
        .values_list("case_id", "kind", "review_month", "due_on")
    )
    found: dict[int, str] = {}
    for case_id, kind, month, due_on in rows:
        follow_up = FollowUp(kind=kind, review_month=month)
        found.setdefault(
            case_id, _("%(title)s due %(date)s.") % {
                "title": follow_up.title, "date": due_on.isoformat()
            }
        )
    return found


def risk_went_up(ctx: AgendaContext) -> dict[int, str]:
    completed = Assessment.objects.filter(
        case=OuterRef("pk"), completed_at__isnull=False
    ).order_by("-completed_at", "-pk")
    rows = (
        ctx.open_cases()
        .annotate(
            latest=Subquery(completed.values("risk_level")[:1]),
            previous=Subquery(completed.values("risk_level")[1:2]),
            latest_at=Subquery(completed.values("completed_at")[:1]),
        )
        .filter(previous__isnull=False)
        .exclude(
            Exists(Decision.objects.filter(
                item__case=OuterRef("pk"), recorded_at__gte=OuterRef("latest_at")
            ))
        )
        .values_list("pk", "previous", "latest")
    )
    return {
        pk: _("Risk %(before)s → %(after)s at the latest assessment.") % {
            "before": Assessment.RiskLevel(previous).label,
            "after": Assessment.RiskLevel(latest).label,
        }
        for pk, previous, latest in rows
        if RISK_RANK.get(latest, 0) > RISK_RANK.get(previous, 0)
    }


def closures_proposed(ctx: AgendaContext) -> dict[int, str]:
    in_force = Q(plan__approved_at__isnull=False, plan__superseded_at__isnull=True)
    goals = PlanGoal.objects.filter(in_force, plan__case=OuterRef("pk"))
    rows = (
        ctx.open_cases()
        .filter(stage=Case.Stage.FOLLOW_UP)
        .filter(Exists(goals))
        .exclude(Exists(goals.exclude(progress=PlanGoal.Progress.ACHIEVED)))
        .values_list("pk", flat=True)
    )
    return {pk: _("Every goal of the plan in force is achieved.") for pk in rows}


def stuck_in_stage(ctx: AgendaContext) -> dict[int, str]:
    rows = (
        ctx.open_cases()
        .filter(stage_overdue_q(ctx.today))
        .values_list("pk", "stage", "stage_entered_at")
    )
    return {
        pk: _("In %(stage)s since %(date)s, past its limit of %(days)s working days.") % {
            "stage": Case.Stage(stage).label,
            "date": timezone.localdate(entered).isoformat(),
            "days": settings.STAGE_TIME_LIMITS[stage],
        }
        for pk, stage, entered in rows
    }


def provider_referral_model():
    """referrals.ProviderReferral, once that feature exists; None before (checked per call)."""
    if not apps.is_installed("referrals"):
        return None
    try:
        return apps.get_model("referrals", "ProviderReferral")
    except LookupError:
        return None


def unanswered_referrals(ctx: AgendaContext) -> dict[int, str]:
    model = provider_referral_model()
    if model is None:
        return {}
    rows = (
        model.objects.filter(
            case__in=ctx.open_cases(), status="requested", respond_by__lt=ctx.now
        )
        .order_by("respond_by")
        .values_list("case_id", "respond_by")
    )
    found: dict[int, str] = {}
    for case_id, respond_by in rows:
        found.setdefault(
            case_id, _("A provider referral was due an answer by %(date)s.") % {
                "date": timezone.localdate(respond_by).isoformat()
            }
        )
    return found


RULES = {
    "new_case": new_cases,
    "plan_approval": plans_awaiting_approval,
    "review_due": reviews_due,
    "risk_up": risk_went_up,
    "closure_proposed": closures_proposed,
    "stuck_stage": stuck_in_stage,
    "stuck_referral": unanswered_referrals,
}


def agenda_candidates(meeting: Meeting, *, now=None) -> dict[int, list[tuple[str, str]]]:
    """Every case some rule selects: {case id: [(reason code, detail), ...]} in rule order."""
    ctx = context_for(meeting, now=now)
    found: dict[int, list[tuple[str, str]]] = {}
    for code, rule in RULES.items():
        for case_id, detail in rule(ctx).items():
            found.setdefault(case_id, []).append((code, detail))
    return found


def sort_key(reasons: list[str]) -> int:
    return min((REASON_ORDER.index(code) for code in reasons if code in REASONS), default=99)
