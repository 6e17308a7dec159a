"""Every write a user would call an action. Views, commands and tasks all come through here.

Each function is atomic, takes the acting user as `actor`, checks the access policy itself (so a
caller cannot forget), and defers anything that leaves the database to `transaction.on_commit`.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed
from guardian.shortcuts import assign_perm, remove_perm

from casework import access, roles, tasks
from casework.models import (
    Assessment,
    Case,
    CaseTransition,
    Consent,
    FollowUp,
    Person,
    ServicePlan,
    Team,
)
from casework.selectors import find_person
from referrals.models import Referral

# Transitions that must say why: they end, divert or reverse the normal path.
REASON_REQUIRED = {"screen_out", "escalate", "replan", "close", "reopen", "resume"}


class TransitionRefused(Exception):
    """A transition is not possible now; `messages` say what is missing."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(str(m) for m in messages))


class StaleCase(Exception):
    """Someone else moved the case since the page was loaded; nothing was changed."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def open_case(referral: Referral, *, team: Team, actor, caseworker=None) -> Case:
    """Open a case at intake for the person a referral is about, and link the referral."""
    _require(access.can_open_cases(actor))
    if referral.case_id is not None:
        raise TransitionRefused([_("A case is already open for this referral.")])
    with transaction.atomic():
        person = find_person(referral.first_name, referral.last_name, referral.date_of_birth)
        if person is None:
            person = Person.objects.create(
                first_name=referral.first_name,
                last_name=referral.last_name,
                date_of_birth=referral.date_of_birth,
                phone=referral.phone,
            )
        case = Case.objects.create(person=person, team=team, pathway=referral.pathway)
        referral.case = case
        referral.status = Referral.Status.CASE_OPENED
        referral.save(update_fields=["case", "status"])
        if caseworker is not None:
            _assign(case, caseworker, actor=actor)
    return case


def assign_case(case: Case, caseworker, *, actor) -> Case:
    """Give the case to `caseworker`: grant their access, revoke the previous holder's."""
    _require(access.can_assign(actor, case))
    with transaction.atomic():
        _assign(case, caseworker, actor=actor)
    return case


def _assign(case: Case, caseworker, *, actor) -> None:
    if not roles.has(caseworker, roles.CASEWORKER):
        raise TransitionRefused([_("Cases can only be assigned to caseworkers.")])
    if not caseworker.team_memberships.filter(team=case.team).exists():
        raise TransitionRefused([_("Choose a caseworker from the case's team.")])
    previous = case.caseworker
    if previous == caseworker:
        return
    if previous is not None:
        remove_perm(access.VIEW_CASE, previous, case)
    assign_perm(access.VIEW_CASE, caseworker, case)
    case.caseworker = caseworker
    case.save(update_fields=["caseworker"])
    transaction.on_commit(lambda: tasks.notify_assignment.delay(case.pk, caseworker.pk))


def take_transition(
    case: Case,
    name: str,
    *,
    actor,
    reason: str = "",
    closure_reason: str = "",
    expected_stage: str | None = None,
) -> Case:
    """Apply transition `name` for `actor`, or raise with a message a person can act on.

    `expected_stage` is the stage the actor saw; if the case moved since, StaleCase is raised and
    nothing changes, so two people cannot move one case at once.
    """
    method = getattr(case, name, None)
    if name not in access.TRANSITION_ROLES or method is None:
        raise TransitionRefused([_("Unknown action.")])
    if expected_stage is not None and expected_stage != case.stage:
        raise StaleCase
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused([_("This action is not possible at the current stage.")])
    _require(access.can_take_transition(actor, case, name))
    reason = reason.strip()
    if name == "close":
        case.closure_reason = closure_reason
    unmet = unmet_conditions(case, name)
    if name in REASON_REQUIRED and not reason:
        unmet.append(_("Say why: a reason is required for this action."))
    if unmet:
        raise TransitionRefused(unmet)
    source = case.stage
    try:
        with transaction.atomic():
            method()
            case.save()
            CaseTransition.objects.create(
                case=case, name=name, source=source, target=case.stage, actor=actor, reason=reason
            )
    except ConcurrentTransition as error:
        raise StaleCase from error
    return case


def unmet_conditions(case: Case, name: str) -> list[str]:
    transition = getattr(case, name)._django_fsm.get_transition(case.stage)
    return [str(check.message) for check in transition.conditions if not check(case)]


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    unmet: list[str]  # what is still missing; the page shows it beside the button


def available_transitions(case: Case, user) -> list[AvailableTransition]:
    """The transitions `user` may take from the current stage, with any unmet conditions."""
    return [
        AvailableTransition(t.name, unmet_conditions(case, t.name))
        for t in case.get_all_stage_transitions()
        if t.source == case.stage and access.can_take_transition(user, case, t.name)
    ]


def _require_records(actor, case: Case) -> None:
    _require(access.can_edit_records(actor, case))


@transaction.atomic
def record_consent(case: Case, *, actor, method: str, given_on, purpose: str) -> Consent:
    _require_records(actor, case)
    return Consent.objects.create(
        case=case, method=method, given_on=given_on, purpose=purpose, recorded_by=actor
    )


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor) -> Consent:
    _require_records(actor, consent.case)
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    return consent


@transaction.atomic
def complete_assessment(case: Case, *, actor, risk_level: str, needs_summary: str) -> Assessment:
    _require_records(actor, case)
    if case.stage != Case.Stage.ASSESSMENT:
        raise TransitionRefused([_("Assessments are recorded while the case is in assessment.")])
    return Assessment.objects.create(
        case=case,
        risk_level=risk_level,
        needs_summary=needs_summary,
        completed_by=actor,
        completed_at=timezone.now(),
    )


@transaction.atomic
def draft_plan(case: Case, *, actor, goals: str, services) -> ServicePlan:
    _require_records(actor, case)
    if case.stage != Case.Stage.SERVICE_PLAN:
        raise TransitionRefused([_("Plans are written at the service plan stage.")])
    if not services:
        raise TransitionRefused([_("Choose at least one service for the plan.")])
    plan = ServicePlan.objects.create(case=case, goals=goals, created_by=actor)
    plan.services.set(services)
    return plan


@transaction.atomic
def approve_plan(plan: ServicePlan, *, actor) -> ServicePlan:
    _require(access.can_approve_plan(actor, plan.case))
    if plan.approved_at is not None:
        raise TransitionRefused([_("This plan is already approved.")])
    if plan.created_by_id == actor.pk:
        raise TransitionRefused([_("A plan must be approved by someone other than its author.")])
    plan.approved_by = actor
    plan.approved_at = timezone.now()
    plan.save(update_fields=["approved_by", "approved_at"])
    return plan


@transaction.atomic
def record_follow_up(case: Case, *, actor, kind: str, happened_on, summary: str) -> FollowUp:
    _require_records(actor, case)
    if case.stage != Case.Stage.FOLLOW_UP:
        raise TransitionRefused([_("Follow-ups are recorded while the case is in follow-up.")])
    return FollowUp.objects.create(
        case=case, kind=kind, happened_on=happened_on, summary=summary, recorded_by=actor
    )
