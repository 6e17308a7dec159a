"""Every write a user would call an action. Views, commands and tasks all come through here.

Each function is atomic, takes the acting user as `actor`, checks the access policy itself (so a
caller cannot forget), and writes anything that leaves the database as an outbox message in
the same transaction (casework.outbox).
"""

import calendar
import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_fsm import ConcurrentTransition, can_proceed
from guardian.shortcuts import assign_perm, remove_perm

from casework import access, crypto, outbox, revisions, roles, selectors
from casework.compiled import CompiledQuery
from casework.models import (
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
    GoalProgress,
    Instrument,
    Intervention,
    Person,
    PersonAlias,
    PlanGoal,
    Rating,
    ServicePlan,
    Task,
    Team,
    Transfer,
)
from casework.refusals import Refused, Stale
from casework.selectors import find_person
from casework.transitions import CASE_TRANSITIONS, STAGE_LIMITS, STAGE_TASK_KINDS, STAGE_TASKS

# Transitions that must say why: every one (casework.transitions); forward moves suggest a
# short reason that the person confirms.
REASON_REQUIRED = {name for name, t in CASE_TRANSITIONS.items() if t.needs_reason}


class TransitionRefused(Refused):
    """A change of state (a case's stage, a plan's approval, an assessment's sign-off) is not
    possible now; `messages` say what is missing. Other changes that cannot be made as asked
    (a note without text, a past due date) raise the family's own Refused."""


class StaleCase(Stale):
    """Someone else moved the case since the page was loaded; nothing was changed."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def find_or_add_person(
    *, first_name: str, last_name: str, date_of_birth, phone: str = ""
) -> Person:
    """The known person with this name and date of birth, or a new one."""
    person = find_person(first_name, last_name, date_of_birth)
    if person is None:
        person = Person.objects.create(
            first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, phone=phone
        )
    return person


def open_case(
    person: Person, *, team: Team, actor, pathway: str = "", caseworker=None
) -> Case:
    """Open a case at intake for `person`, held by `team` (and `caseworker`, if given).

    Screening (referrals.workflow) decides that a referral becomes a case and links it.
    """
    _require(access.can_open_cases(actor))
    with transaction.atomic():
        # A returning person's new case is a new episode, linked to the one before it.
        previous = person.cases.order_by("-opened_at", "-pk").first() if person.pk else None
        case = Case.objects.create(
            person=person, team=team, pathway=pathway, previous_episode=previous
        )
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
        raise Refused([_("Cases can only be assigned to caseworkers.")])
    if not caseworker.team_memberships.filter(team=case.team).exists():
        raise Refused([_("Choose a caseworker from the case's team.")])
    previous = case.caseworker
    if previous == caseworker:
        return
    if previous is not None:
        remove_perm(access.VIEW_CASE, previous, case)
    assign_perm(access.VIEW_CASE, caseworker, case)
    case.caseworker = caseworker
    case.save(update_fields=["caseworker"])
    _hand_over(case, previous, caseworker, actor=actor)
    outbox.enqueue("casework.tasks.notify_assignment", case_id=case.pk, user_id=caseworker.pk)


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
    if name not in CASE_TRANSITIONS or method is None:
        raise TransitionRefused([_("Unknown action.")])
    if expected_stage is not None and expected_stage != case.stage:
        raise StaleCase
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused([_("This action is not possible at the current stage.")])
    _require(access.may_take_transition(actor, case, name))
    reason = reason.strip()
    request = pending_closure_request(case) if name == "close" else None
    if name == "close":
        case.closure_reason = closure_reason or (request.closure_reason if request else "")
    unmet = unmet_conditions(case, name) + _unmet_approvals(case, name, actor, request)
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
            if request is not None:
                _decide(request, ClosureRequest.Outcome.APPROVED, actor=actor, note=reason)
            _after_transition(case, name, source, actor=actor)
    except ConcurrentTransition as error:
        raise StaleCase from error
    return case


def unmet_conditions(case: Case, name: str) -> list[str]:
    transition = getattr(case, name)._django_fsm.get_transition(case.stage)
    return [str(check.message) for check in transition.conditions if not check(case)]


def _unmet_approvals(case: Case, name: str, actor, request) -> list[str]:
    """The approvals the deployment makes gates (docs/oversight.md) that `name` still lacks.

    Sign-off before planning is the condition on the model (has_completed_assessment), plan
    approval before follow-up likewise (has_approved_plan); closing needs the caseworker's
    request, approved by someone other than who made it."""
    if name != "close" or not settings.CASEWORK_CLOSURE_REQUEST_REQUIRED:
        return []
    if request is None:
        return [_("Closing needs a closure request: the caseworker requests it with a reason, "
                  "and a supervisor approves it.")]
    if request.requested_by_id == actor.pk:
        return [_("A closure must be approved by someone other than who requested it.")]
    return []


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str
    unmet: list[str]  # what is still missing; the page shows it beside the button
    default_reason: str = ""  # suggested in the reason box, for the person to confirm


def available_transitions(case: Case, user, *,
                          closure_request=selectors.NOT_READ) -> list[AvailableTransition]:
    """The transitions `user` may take from the current stage, with any unmet conditions
    (`closure_request`: the pending one or None, when the caller has read it)."""
    request = closure_request
    if request is selectors.NOT_READ:
        request = pending_closure_request(case)
    return [
        AvailableTransition(
            t.name, CASE_TRANSITIONS[t.name].label,
            unmet_conditions(case, t.name) + _unmet_approvals(case, t.name, user, request),
            str(CASE_TRANSITIONS[t.name].default_reason),
        )
        for t in case.get_all_stage_transitions()
        if t.source == case.stage and access.may_take_transition(user, case, t.name)
    ]


# Closure requests ---------------------------------------------------------------------------


def may_be_closed(case: Case) -> bool:
    """Whether the case is at a stage it can close from (so closure may be requested)."""
    return can_proceed(case.close, check_conditions=False)


# Read on every case page: compiled once per connection (casework.compiled).
_PENDING_CLOSURE = CompiledQuery(lambda case_id: ClosureRequest.objects.filter(
    case_id=case_id, outcome=ClosureRequest.Outcome.PENDING).order_by("pk")[:1])


def pending_closure_request(case: Case) -> ClosureRequest | None:
    return next(iter(_PENDING_CLOSURE(case.pk, known_related={"case": case})), None)


def request_closure(case: Case, *, actor, closure_reason: str, reason: str) -> ClosureRequest:
    """Ask a supervisor to close the case, saying why; it waits in their "awaiting your
    approval" until approved (the case closes) or returned (it goes on)."""
    _require_records(actor, case)
    if not may_be_closed(case):
        raise TransitionRefused([_("A case at this stage cannot be closed.")])
    if closure_reason not in Case.ClosureReason.values:
        raise TransitionRefused([_("Choose a closure reason.")])
    if not reason.strip():
        raise TransitionRefused([_("Say why: a reason is required for this action.")])
    with transaction.atomic():
        _lock(case)
        if pending_closure_request(case) is not None:
            raise TransitionRefused([_("Closure has already been requested for this case.")])
        request = ClosureRequest.objects.create(
            case=case, closure_reason=closure_reason, reason=reason.strip(), requested_by=actor
        )
        outbox.enqueue("casework.tasks.notify_closure_request", request_id=request.pk)
    return request


def decide_closure(request: ClosureRequest, *, actor, approve: bool, note: str = "",
                   expected_stage: str | None = None) -> ClosureRequest:
    """Approve the request (the case closes, `note` or the request's reason as the transition's
    reason) or return it with a note saying what is missing."""
    case = request.case
    _require(access.may_take_transition(actor, case, "close"))
    request.refresh_from_db()
    if not request.is_pending:
        raise TransitionRefused([_("This closure request has been decided already.")])
    if approve:
        take_transition(case, "close", actor=actor, reason=note.strip() or request.reason,
                        closure_reason=request.closure_reason, expected_stage=expected_stage)
        request.refresh_from_db()
        return request
    if not note.strip():
        raise TransitionRefused([_("Say what is missing: returning a request needs a note.")])
    with transaction.atomic():
        _decide(request, ClosureRequest.Outcome.RETURNED, actor=actor, note=note.strip())
        outbox.enqueue("casework.tasks.notify_closure_returned", request_id=request.pk)
    return request


def _decide(request: ClosureRequest, outcome: str, *, actor, note: str) -> None:
    request.outcome = outcome
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])


def _require_records(actor, case: Case) -> None:
    _require(access.can_edit_records(actor, case))


@transaction.atomic
def record_consent(
    case: Case,
    *,
    actor,
    method: str,
    given_on,
    purpose: str,
    organization=None,
    service_category: str = "",
    given_by: str = Consent.GivenBy.PERSON,
    expires_on=None,
    wording=None,
    data_categories=(),
) -> Consent:
    """Record consent for support, or to share with one organisation or a category of service,
    under the wording version the person agreed to and for the data categories named."""
    _require_records(actor, case)
    return Consent.objects.create(
        case=case, method=method, given_on=given_on, purpose=purpose, recorded_by=actor,
        organization=organization, service_category=service_category or "", given_by=given_by,
        expires_on=expires_on, wording=wording,
        data_categories=",".join(c for c in Consent.DataCategory.values if c in data_categories),
    )


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor, seen_revision: int | None = None) -> Consent:
    """Withdraw consent. A sharing consent's providers lose sight of the referrals it covered
    at once: their access is computed from consents in force (referrals.models.with_sharing).

    A `seen_revision` other than the stored one raises StaleEdit and changes nothing."""
    _require_records(actor, consent.case)
    revisions.check_row(consent, seen_revision)
    consent.refresh_from_db(fields=["withdrawn_at"])
    if consent.withdrawn_at is not None:
        raise Refused([_("This consent was already withdrawn.")])
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "revision"])
    return consent


PERSON_DETAILS = ("first_name", "last_name", "date_of_birth", "phone", "email", "address",
                  "identifiers")


@transaction.atomic
def update_person(case: Case, *, actor, seen_revision: int | None = None, **details) -> Person:
    """Correct the details of the person `case` is about (names, date of birth, contact).

    The blind indexes follow (Person.save); the log records which fields changed, never their
    values. A `seen_revision` other than the stored one raises StaleEdit and changes nothing.
    """
    _require_records(actor, case)
    unknown = set(details) - set(PERSON_DETAILS)
    if unknown:
        raise Refused([_("The form is out of date: reload the page.")])
    person = Person.objects.get(pk=case.person_id)
    revisions.check_row(person, seen_revision)
    for name in ("first_name", "last_name"):
        if name in details and not str(details[name]).strip():
            raise Refused([_("Give the person's first and last name.")])
    changed = [name for name, value in details.items() if getattr(person, name) != value]
    if not changed:
        return person  # nothing to record: the revision stays, open pages stay current
    for name in changed:
        value = details[name]
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    person.save()
    return person


# Enough for the names a person is really known by; each adds search tokens and match keys.
ALIASES_PER_PERSON = 20


@transaction.atomic
def add_alias(case: Case, *, actor, name: str) -> PersonAlias:
    """Record another name the person `case` is about is known by.

    PersonAlias.save keeps the search tokens and match keys in step; the audit log records the
    new row with its name masked.
    """
    _require_records(actor, case)
    name = " ".join(name.split())
    if not name:
        raise TransitionRefused([_("Give the other name the person is known by.")])
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if person.aliases.filter(name_index=crypto.name_index(name)).exists():
        raise TransitionRefused([_("That name is already on the person's record.")])
    if person.aliases.count() >= ALIASES_PER_PERSON:
        raise TransitionRefused([
            _("A person can have at most %(count)d other names: remove one first.")
            % {"count": ALIASES_PER_PERSON}
        ])
    return PersonAlias.objects.create(person=person, name=name)


@transaction.atomic
def remove_alias(alias: PersonAlias, *, case: Case, actor) -> None:
    """Remove another name of the person `case` is about (their search keys follow)."""
    _require_records(actor, case)
    if alias.person_id != case.person_id:
        raise PermissionDenied
    alias.delete()


# Assessments --------------------------------------------------------------------------------


def _lock(case: Case) -> None:
    """Hold the case row until the transaction ends: version numbers and "one draft" hold."""
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))


def _next_version(queryset) -> int:
    return (queryset.aggregate(highest=Max("version"))["highest"] or 0) + 1


@transaction.atomic
def save_assessment(
    case: Case,
    *,
    actor,
    ratings: dict | None = None,
    risk_level: str = "",
    needs_summary: str = "",
    change_summary: str = "",
    complete: bool = False,
    seen_revision: int | None = None,
) -> Assessment:
    """Save the case's draft assessment, starting the next version if there is no draft.

    `ratings` maps factor ids of the draft's instrument to (rating, evidence); rating "" means
    not rated. With `complete`, the assessment is completed and never changes again: the next
    save starts a reassessment. `seen_revision` is the draft's revision on the person's page
    (revisions.NEW if there was no draft): anything else raises StaleEdit and saves nothing.
    """
    _require_records(actor, case)
    if case.stage not in access.ASSESSMENT_STAGES:
        raise Refused([_("Assessments are recorded from assessment until follow-up.")])
    _lock(case)
    assessment = selectors.draft_assessment(case)
    # The case lock serialises the saves; with no draft, the completed versions count.
    revisions.check(assessment, seen_revision,
                    new=revisions.new_marker(case.assessments.count()))
    if assessment is None:
        assessment = Assessment.objects.create(
            case=case,
            version=_next_version(case.assessments),
            instrument=Instrument.current(),
            completed_by=actor,
        )
    _save_ratings(assessment, ratings or {})
    assessment.risk_level = risk_level
    assessment.needs_summary = needs_summary.strip()
    assessment.change_summary = change_summary.strip()
    if complete:
        missing = []
        if not risk_level:
            missing.append(_("Choose the overall risk level."))
        if not assessment.needs_summary:
            missing.append(_("Write the needs summary."))
        if missing:
            raise Refused(missing)
        assessment.completed_by = actor
        assessment.completed_at = timezone.now()
    assessment.save()
    if complete:
        _finish_tasks(case, Task.Kind.COMPLETE_ASSESSMENT, actor=actor)
    return assessment


def _save_ratings(assessment: Assessment, ratings: dict) -> None:
    factors = {factor.pk for factor in selectors.instrument_factors(assessment.instrument)}
    if set(ratings) - factors:
        raise Refused([_("The assessment form is out of date: reload the page.")])
    stored = {rating.factor_id: rating for rating in assessment.ratings.all()}
    for factor_id, (rating, evidence) in ratings.items():
        if rating and rating not in Rating.values:
            raise Refused([_("Choose a rating from the list.")])
        row = stored.get(factor_id)
        if row is None:
            if rating or evidence.strip():
                AssessmentRating.objects.create(
                    assessment=assessment, factor_id=factor_id, rating=rating,
                    evidence=evidence.strip(),
                )
        elif (row.rating, row.evidence) != (rating, evidence.strip()):
            row.rating, row.evidence = rating, evidence.strip()
            row.save(update_fields=["rating", "evidence"])  # only what changed reaches the log


def complete_assessment(
    case: Case, *, actor, risk_level: str, needs_summary: str, ratings: dict | None = None,
    change_summary: str = "",
) -> Assessment:
    """Complete the case's assessment (the draft, if one was started) in one step."""
    return save_assessment(
        case, actor=actor, ratings=ratings, risk_level=risk_level, needs_summary=needs_summary,
        change_summary=change_summary, complete=True,
    )


@transaction.atomic
def sign_off_assessment(assessment: Assessment, *, actor) -> Assessment:
    """Record the supervisor's sign-off of a completed assessment."""
    _require(access.can_sign_off_assessment(actor, assessment.case))
    if not assessment.is_complete:
        raise TransitionRefused([_("Only a completed assessment can be signed off.")])
    if assessment.is_signed_off:
        raise TransitionRefused([_("This assessment is already signed off.")])
    if assessment.completed_by_id == actor.pk:
        raise TransitionRefused(
            [_("An assessment is signed off by someone other than the person who completed it.")]
        )
    assessment.signed_off_by = actor
    assessment.signed_off_at = timezone.now()
    assessment.save(update_fields=["signed_off_by", "signed_off_at"])
    return assessment


@transaction.atomic
def copy_instrument(instrument: Instrument) -> Instrument:
    """Copy an instrument, domains and factors, to the next version of its key, unpublished.

    The admin site's way to change the framework: edit the copy, then publish it.
    """
    copy = Instrument.objects.create(
        key=instrument.key, version=_next_version(Instrument.objects.filter(key=instrument.key)),
        name=instrument.name,
        description=instrument.description,
    )
    for domain in instrument.domains.prefetch_related("factors"):
        new_domain = Domain.objects.create(
            instrument=copy, code=domain.code, title=domain.title, kind=domain.kind,
            pathway=domain.pathway, guidance=domain.guidance, order=domain.order,
        )
        for factor in domain.factors.all():
            Factor.objects.create(
                domain=new_domain, code=factor.code, title=factor.title,
                guidance=factor.guidance, order=factor.order,
                service_category=factor.service_category,
            )
    return copy


# Service plans ------------------------------------------------------------------------------

PLAN_STAGES = (Case.Stage.SERVICE_PLAN, Case.Stage.FOLLOW_UP)


@transaction.atomic
def draft_plan(
    case: Case,
    *,
    actor,
    goals: str,
    services,
    need: Factor | None = None,
    target_on=None,
    frequency: str = Intervention.Frequency.WEEKLY,
    owner=None,
    seen_revision: int | None = None,
) -> ServicePlan:
    """Write the case's first plan: a goal with an intervention per service, sent for approval.

    `goals` describes that goal; more goals are added with `add_goal` until it is approved.
    With `seen_revision` (the page showed no plan), a plan written since raises StaleEdit.
    """
    _require_records(actor, case)
    if case.stage != Case.Stage.SERVICE_PLAN:
        raise Refused([_("Plans are written at the service plan stage.")])
    if not services:
        raise Refused([_("Choose at least one service for the plan.")])
    _lock(case)
    if seen_revision is not None:
        # The page showed no plan (revisions.NEW): one written since makes it stale.
        written = selectors.plan_awaiting_approval(case) or selectors.current_plan(case)
        if written is not None:
            raise revisions.StaleEdit(written)
    if selectors.plan_awaiting_approval(case) is not None:
        raise Refused(
            [_("A plan is already awaiting approval: add goals to it, or discard it.")]
        )
    if selectors.current_plan(case) is not None:
        raise Refused([_("This case has an approved plan: revise it to change it.")])
    plan = ServicePlan.objects.create(
        case=case, version=_next_version(case.plans), created_by=actor
    )
    _add_goal(
        plan, description=goals, need=need, target_on=target_on, services=services,
        frequency=frequency, owner=owner or case.caseworker,
    )
    return plan


def _require_plan_open(plan: ServicePlan, actor) -> None:
    _require_records(actor, plan.case)
    if plan.case.stage not in PLAN_STAGES:
        raise Refused([_("Plans are changed at the service plan or follow-up stage.")])
    if not plan.is_awaiting_approval:
        raise Refused([_("This plan is approved: revise it to change it.")])


def _add_goal(plan, *, description, need, target_on, services, frequency, owner) -> PlanGoal:
    if not description.strip():
        raise Refused([_("Describe the goal.")])
    if need is not None and need.pk not in selectors.assessed_need_ids(plan.case):
        raise Refused([_("Link the goal to a need from the latest assessment.")])
    goal = PlanGoal.objects.create(
        plan=plan,
        description=description.strip(),
        need=need,
        target_on=target_on,
        order=plan.plan_goals.count(),
    )
    for service in services:
        Intervention.objects.create(goal=goal, service=service, frequency=frequency, owner=owner)
    plan.services.add(*services)
    return goal


def _changed(plan: ServicePlan) -> None:
    # The approver confirms the revision they read: a change after that needs a fresh look.
    plan.revision += 1
    plan.save(update_fields=["revision"])


def _check_plan(plan: ServicePlan, seen_revision: int | None) -> None:
    """With the case locked: read the plan's state afresh, and raise StaleEdit if the page
    showed another revision of it (a goal, an intervention or a status changed since, or it
    was approved, replaced or discarded)."""
    stored = ServicePlan.objects.filter(pk=plan.pk).values(
        "revision", "approved_at", "superseded_at").first()
    if stored is None:
        raise revisions.StaleEdit(None)  # discarded since the page was shown
    for name, value in stored.items():
        setattr(plan, name, value)
    if seen_revision is not None and plan.revision != seen_revision:
        raise revisions.StaleEdit(plan)


@transaction.atomic
def add_goal(
    plan: ServicePlan,
    *,
    actor,
    description: str,
    need: Factor | None = None,
    target_on=None,
    services=(),
    frequency: str = Intervention.Frequency.WEEKLY,
    owner=None,
    seen_revision: int | None = None,
) -> PlanGoal:
    """Add a goal, and an intervention per service, to a plan awaiting approval."""
    _require_plan_open(plan, actor)
    _lock(plan.case)
    _check_plan(plan, seen_revision)
    _require_plan_open(plan, actor)
    goal = _add_goal(
        plan, description=description, need=need, target_on=target_on, services=services,
        frequency=frequency, owner=owner or plan.case.caseworker,
    )
    _changed(plan)
    return goal


@transaction.atomic
def add_intervention(
    goal: PlanGoal, *, actor, service, frequency: str, owner=None,
    seen_revision: int | None = None,
) -> Intervention:
    """Add an intervention to a goal of a plan awaiting approval."""
    plan = goal.plan
    _require_plan_open(plan, actor)
    _lock(plan.case)
    _check_plan(plan, seen_revision)
    _require_plan_open(plan, actor)
    intervention = Intervention.objects.create(
        goal=goal, service=service, frequency=frequency, owner=owner or plan.case.caseworker
    )
    plan.services.add(service)
    _changed(plan)
    return intervention


@transaction.atomic
def discard_plan(plan: ServicePlan, *, actor, seen_revision: int | None = None) -> None:
    """Delete a plan that was never approved, to start again. Approved plans are history."""
    _require_plan_open(plan, actor)
    _lock(plan.case)
    _check_plan(plan, seen_revision)
    _require_plan_open(plan, actor)
    for goal in plan.plan_goals.all():
        goal.interventions.all().delete()
    plan.plan_goals.all().delete()
    plan.delete()


@transaction.atomic
def revise_plan(plan: ServicePlan, *, actor, seen_revision: int | None = None) -> ServicePlan:
    """Start the next version of the approved plan, a copy to change and send for approval.

    A `seen_revision` other than the plan's (an intervention's status changed since the page
    was shown) raises StaleEdit: the copy would not be the plan the person read."""
    case = plan.case
    _require_records(actor, case)
    if case.stage not in PLAN_STAGES:
        raise Refused([_("Plans are changed at the service plan or follow-up stage.")])
    _lock(case)
    _check_plan(plan, seen_revision)
    if not plan.is_current:
        raise Refused([_("Only the current approved plan can be revised.")])
    if selectors.plan_awaiting_approval(case) is not None:
        raise Refused([_("A revised plan is already awaiting approval.")])
    revised = ServicePlan.objects.create(
        case=case, version=_next_version(case.plans), goals=plan.goals, created_by=actor
    )
    for goal in plan.plan_goals.prefetch_related("interventions"):
        copy = PlanGoal.objects.create(
            plan=revised, need_id=goal.need_id, description=goal.description,
            target_on=goal.target_on, progress=goal.progress, order=goal.order,
        )
        for intervention in goal.interventions.all():
            Intervention.objects.create(
                goal=copy, service_id=intervention.service_id,
                frequency=intervention.frequency, owner_id=intervention.owner_id,
                status=intervention.status,
            )
    revised.services.set(plan.services.all())
    return revised


@transaction.atomic
def approve_plan(
    plan: ServicePlan, *, actor, revision: int | None = None, mdt_meeting_on=None
) -> ServicePlan:
    """Approve a plan: the supervisor's approval, or (with `mdt_meeting_on`) the MDT's decision
    at that meeting, recorded as what it was. Where settings.CASEWORK_PLAN_APPROVAL is "mdt",
    only the MDT's decision approves a plan.

    `revision` is the revision the approver read; if the plan changed since, nothing happens.
    Approving a revised plan supersedes the one it replaces.
    """
    case = plan.case
    _require(access.can_approve_plan(actor, case))
    _lock(case)
    plan.refresh_from_db()
    if not plan.is_awaiting_approval:
        raise TransitionRefused([_("This plan is already approved.")])
    if plan.created_by_id == actor.pk:
        raise TransitionRefused([_("A plan must be approved by someone other than its author.")])
    if revision is not None and revision != plan.revision:
        raise TransitionRefused(
            [_("The plan changed since you opened it: read it again before approving.")]
        )
    if not plan.services.exists():
        raise TransitionRefused([_("Add at least one intervention before approving the plan.")])
    by_mdt = mdt_meeting_on is not None
    if settings.CASEWORK_PLAN_APPROVAL == ServicePlan.ApprovedVia.MDT and not by_mdt:
        raise TransitionRefused([_("Give the date of the MDT meeting that approved the plan.")])
    via = ServicePlan.ApprovedVia.MDT if by_mdt else ServicePlan.ApprovedVia.SUPERVISOR
    now = timezone.now()
    for earlier in case.plans.filter(approved_at__isnull=False, superseded_at__isnull=True):
        earlier.superseded_at = now
        earlier.save(update_fields=["superseded_at"])
    plan.approved_by = actor
    plan.approved_at = now
    plan.approved_via = via
    plan.mdt_meeting_on = mdt_meeting_on
    # The approval changes the plan too: a page that showed it awaiting approval is stale.
    plan.revision += 1
    plan.save(update_fields=["approved_by", "approved_at", "approved_via", "mdt_meeting_on",
                             "revision"])
    _finish_tasks(case, Task.Kind.WRITE_PLAN, actor=actor)
    return plan


@transaction.atomic
def set_intervention_status(intervention: Intervention, *, actor, status: str,
                            seen_revision: int | None = None) -> Intervention:
    """Mark an intervention of the current plan completed, stopped, or active again.

    The plan's revision covers its interventions: `seen_revision` other than the plan's raises
    StaleEdit, and a change bumps it."""
    plan = intervention.goal.plan
    _require_records(actor, plan.case)
    _lock(plan.case)
    _check_plan(plan, seen_revision)
    if not plan.is_current:
        raise Refused([_("Only interventions of the approved plan are delivered.")])
    if status not in Intervention.Status.values:
        raise Refused([_("Choose a status from the list.")])
    intervention.refresh_from_db(fields=["status"])
    if intervention.status != status:
        intervention.status = status
        intervention.save(update_fields=["status"])
        _changed(plan)
    return intervention


# Follow-up ----------------------------------------------------------------------------------

FOLLOW_UP_TASKS = {
    FollowUp.Kind.CHECK_IN: Task.Kind.CONTACT_DUE,
    FollowUp.Kind.REVIEW: Task.Kind.REVIEW_DUE,
    FollowUp.Kind.POST_EXIT_REVIEW: Task.Kind.POST_EXIT_REVIEW_DUE,
}
RECORDED_OUTCOMES = (
    FollowUp.Outcome.COMPLETED,
    FollowUp.Outcome.ATTEMPTED,
    FollowUp.Outcome.NO_SHOW,
    FollowUp.Outcome.CANCELLED,
)


def _require_follow_up_stage(case: Case) -> None:
    if case.stage != Case.Stage.FOLLOW_UP:
        raise Refused([_("Follow-ups are recorded while the case is in follow-up.")])


@transaction.atomic
def record_follow_up(
    case: Case,
    *,
    actor,
    kind: str = FollowUp.Kind.CHECK_IN,
    happened_on,
    summary: str,
    mode: str = "",
    outcome: str = FollowUp.Outcome.COMPLETED,
) -> FollowUp:
    """Record a contact that was not scheduled beforehand."""
    _require_records(actor, case)
    _require_follow_up_stage(case)
    if outcome not in RECORDED_OUTCOMES or outcome == FollowUp.Outcome.CANCELLED:
        raise Refused([_("Choose what happened.")])
    return FollowUp.objects.create(
        case=case, kind=kind, mode=mode, happened_on=happened_on, outcome=outcome,
        summary=summary.strip(), recorded_by=actor, recorded_at=timezone.now(),
    )


@transaction.atomic
def schedule_follow_up(
    case: Case, *, actor, due_on, kind: str = FollowUp.Kind.CHECK_IN, mode: str = ""
) -> FollowUp:
    """Schedule a contact or review; its owner gets a task due the same day."""
    _require_records(actor, case)
    _require_follow_up_stage(case)
    if due_on < timezone.localdate():
        raise Refused([_("The due date cannot be in the past.")])
    if kind == FollowUp.Kind.POST_EXIT_REVIEW:
        raise Refused([_("Post-exit reviews are scheduled when the case closes.")])
    return _schedule(case, kind=kind, due_on=due_on, mode=mode, actor=actor)


def _schedule(case, *, kind, due_on, mode="", review_month=None, actor=None) -> FollowUp:
    follow_up = FollowUp.objects.create(
        case=case, kind=kind, mode=mode, due_on=due_on, review_month=review_month,
        outcome=FollowUp.Outcome.SCHEDULED, recorded_by=actor,
    )
    if case.caseworker_id is not None:
        Task.objects.create(
            case=case, owner_id=case.caseworker_id, kind=FOLLOW_UP_TASKS[kind],
            follow_up=follow_up, due_on=due_on, created_by=actor,
        )
    return follow_up


@transaction.atomic
def record_outcome(
    follow_up: FollowUp,
    *,
    actor,
    outcome: str,
    happened_on=None,
    summary: str = "",
    mode: str = "",
    progress: dict | None = None,
    seen_revision: int | None = None,
) -> FollowUp:
    """Record what came of a scheduled contact or review, and close its task.

    For a plan review, `progress` maps goal ids of the current plan to (progress, comment); each
    is kept as that review's record and becomes the goal's current progress. A `seen_revision`
    other than the stored one raises StaleEdit and records nothing.
    """
    case = follow_up.case
    revisions.check_row(follow_up, seen_revision)
    if follow_up.kind == FollowUp.Kind.POST_EXIT_REVIEW:
        _require(access.can_record_post_exit_review(actor, case))
    else:
        _require_records(actor, case)
        _require_follow_up_stage(case)
    if not follow_up.is_scheduled:
        raise Refused([_("The outcome of this has been recorded already.")])
    if outcome not in RECORDED_OUTCOMES:
        raise Refused([_("Choose what happened.")])
    if outcome != FollowUp.Outcome.CANCELLED and happened_on is None:
        raise Refused([_("Give the date it happened.")])
    follow_up.outcome = outcome
    follow_up.happened_on = happened_on
    follow_up.summary = summary.strip()
    follow_up.mode = mode or follow_up.mode
    follow_up.recorded_by = actor
    follow_up.recorded_at = timezone.now()
    follow_up.save()
    if progress and follow_up.kind == FollowUp.Kind.REVIEW:
        _record_progress(follow_up, progress)
    for task in follow_up.tasks.filter(done_at__isnull=True):
        _close_task(task, actor=actor, cancelled=outcome == FollowUp.Outcome.CANCELLED)
    if follow_up.kind == FollowUp.Kind.REVIEW and outcome == FollowUp.Outcome.COMPLETED:
        _schedule_plan_review(case, actor=actor, after=happened_on,
                              month=(follow_up.review_month or 0))
    return follow_up


def _record_progress(review: FollowUp, progress: dict) -> None:
    plan = selectors.current_plan(review.case)
    goals = {goal.pk: goal for goal in plan.plan_goals.all()} if plan else {}
    if set(progress) - set(goals):
        raise Refused([_("The review form is out of date: reload the page.")])
    for goal_id, (value, comment) in progress.items():
        if value not in PlanGoal.Progress.values:
            raise Refused([_("Choose the progress of each goal from the list.")])
        GoalProgress.objects.create(
            review=review, goal_id=goal_id, progress=value, comment=comment.strip()
        )
        goal = goals[goal_id]
        if goal.progress != value:
            goal.progress = value
            goal.save(update_fields=["progress"])


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def _schedule_plan_review(case: Case, *, actor, after=None, month: int = 0) -> None:
    """Schedule the next plan review, unless one is already waiting."""
    if case.stage != Case.Stage.FOLLOW_UP:
        return
    waiting = case.follow_ups.filter(
        kind=FollowUp.Kind.REVIEW, outcome=FollowUp.Outcome.SCHEDULED
    )
    if waiting.exists():
        return
    every = settings.CASEWORK_PLAN_REVIEW_MONTHS
    start = after or timezone.localdate()
    due_on, review_month = add_months(start, every), month + every
    # Follow-up's time limit (casework.transitions) drives the schedule: the last review falls
    # on it, and none is scheduled after it (the team closes the case or replans).
    limit = STAGE_LIMITS["follow_up"].amount
    if limit:
        began = timezone.localdate(case.stage_entered_at)
        ends_on = add_months(began, limit)
        if start >= ends_on:
            return
        if due_on >= ends_on:
            due_on, review_month = ends_on, limit
    _schedule(case, kind=FollowUp.Kind.REVIEW, due_on=due_on, review_month=review_month,
              actor=actor)


def _cancel_scheduled(case: Case, kinds, *, actor) -> None:
    for follow_up in case.follow_ups.filter(kind__in=kinds, outcome=FollowUp.Outcome.SCHEDULED):
        follow_up.outcome = FollowUp.Outcome.CANCELLED
        follow_up.save(update_fields=["outcome"])
        for task in follow_up.tasks.filter(done_at__isnull=True):
            _close_task(task, actor=actor, cancelled=True)


def _schedule_post_exit_reviews(case: Case, *, actor) -> None:
    closed_on = timezone.localdate(case.closed_at)
    for months in settings.CASEWORK_POST_EXIT_REVIEW_MONTHS:
        _schedule(case, kind=FollowUp.Kind.POST_EXIT_REVIEW,
                  due_on=add_months(closed_on, months), review_month=months, actor=actor)


# What a stage change sets in motion ---------------------------------------------------------


def _after_transition(case: Case, name: str, source: str, *, actor) -> None:
    """Close the old stage's task, open the new one's, and keep the follow-up schedule true."""
    old_kind = STAGE_TASK_KINDS.get(source)
    if old_kind:
        for task in case.tasks.filter(kind=old_kind, done_at__isnull=True):
            _close_task(task, actor=actor, cancelled=True)
    _open_stage_task(case)
    for effect in CASE_TRANSITIONS[name].effects:
        EFFECTS[effect](case, actor=actor)


# The side effects a transition may declare (casework.transitions.Transition.effects).
EFFECTS = {
    "schedule_plan_review": _schedule_plan_review,
    "cancel_follow_ups": functools.partial(
        _cancel_scheduled, kinds=(FollowUp.Kind.CHECK_IN, FollowUp.Kind.REVIEW)
    ),
    "schedule_post_exit_reviews": _schedule_post_exit_reviews,
    "cancel_post_exit_reviews": functools.partial(
        _cancel_scheduled, kinds=(FollowUp.Kind.POST_EXIT_REVIEW,)
    ),
}


def _open_stage_task(case: Case) -> None:
    """Give the caseworker the task that belongs to the stage, due by its time limit."""
    kind = STAGE_TASK_KINDS.get(case.stage)
    if kind is None or case.caseworker_id is None:
        return
    due_on = selectors.stage_due_on(case) or timezone.localdate()
    Task.objects.get_or_create(
        case=case, owner_id=case.caseworker_id, kind=kind, done_at=None,
        defaults={"due_on": due_on},
    )


def _hand_over(case: Case, previous, caseworker, *, actor) -> None:
    """Reassignment: open tasks and active interventions follow the case to its new holder."""
    if previous is not None:
        for task in case.tasks.filter(owner=previous, done_at__isnull=True):
            clash = task.kind in Task.ONE_OPEN_PER_CASE and case.tasks.filter(
                owner=caseworker, kind=task.kind, done_at__isnull=True
            ).exists()
            if task.kind == Task.Kind.REVIEW_NEW_CASE or clash:
                _close_task(task, actor=actor, cancelled=True)
            else:
                task.owner = caseworker
                task.save(update_fields=["owner"])
        for intervention in Intervention.objects.filter(
            goal__plan__case=case, goal__plan__superseded_at__isnull=True, owner=previous,
            status=Intervention.Status.ACTIVE,
        ):
            intervention.owner = caseworker
            intervention.save(update_fields=["owner"])
    _open_stage_task(case)


# Notes --------------------------------------------------------------------------------------


@transaction.atomic
def write_note(
    case: Case, *, actor, text: str, sensitivity: str = CaseNote.Sensitivity.STANDARD
) -> CaseNote:
    """Save a case note. It can never be changed afterwards: corrections are addenda."""
    _require(access.can_write_notes(actor, case))
    if sensitivity not in access.note_levels_for(actor, case):
        raise Refused([_("You cannot write a note at that level.")])
    if not text.strip():
        raise Refused([_("Write the note.")])
    return CaseNote.objects.create(case=case, author=actor, text=text.strip(),
                                   sensitivity=sensitivity)


@transaction.atomic
def add_addendum(note: CaseNote, *, actor, text: str) -> CaseNote:
    """Add a correction or addition to a note; the original stays exactly as it was."""
    case = note.case
    _require(access.can_write_notes(actor, case) and access.can_read_note(actor, case, note))
    if not text.strip():
        raise Refused([_("Write the addendum.")])
    original = note.amends or note
    return CaseNote.objects.create(
        case=case, author=actor, text=text.strip(), sensitivity=original.sensitivity,
        amends=original,
    )


# Tasks --------------------------------------------------------------------------------------


@transaction.atomic
def add_task(case: Case, *, actor, title: str, owner, due_on) -> Task:
    """Give someone working the case a task of their own wording."""
    _require(access.can_manage_tasks(actor, case))
    if owner not in selectors.task_owners(case):
        raise Refused([_("Choose the case's caseworker or a supervisor of its team.")])
    if due_on < timezone.localdate():
        raise Refused([_("The due date cannot be in the past.")])
    if not title.strip():
        raise Refused([_("Say what needs doing.")])
    return Task.objects.create(
        case=case, owner=owner, kind=Task.Kind.OTHER, title=title.strip(), due_on=due_on,
        created_by=actor,
    )


@transaction.atomic
def complete_task(task: Task, *, actor, seen_revision: int | None = None) -> Task:
    """Mark a task done. A `seen_revision` other than the stored one (someone marked it done
    or it was closed since the page was shown) raises StaleEdit and changes nothing."""
    _require(access.can_complete_task(actor, task.case, task))
    revisions.check_row(task, seen_revision)
    task.refresh_from_db(fields=["done_at", "done_by", "cancelled", "owner"])
    if not task.is_open:
        raise Refused([_("This task is already closed.")])
    if task.follow_up_id is not None:
        raise Refused(
            [_("Record the outcome of the contact or review: that completes this task.")]
        )
    if task.kind in WORK_DONE_BY:
        raise TransitionRefused([WORK_DONE_BY[task.kind]])
    _close_task(task, actor=actor, counted=True)
    return task


# Workflow tasks close when their work is done, never by hand: what does each.
WORK_DONE_BY = {
    Task.Kind.COMPLETE_ASSESSMENT: _lazy("Complete the assessment: that completes this task."),
    Task.Kind.WRITE_PLAN: _lazy("Have the service plan approved: that completes this task."),
    Task.Kind.REVIEW_NEW_CASE: _lazy("Open the case: that completes this task."),
}
assert set(WORK_DONE_BY) >= STAGE_TASKS, "every stage task says what completes it"


def acknowledge_case(case: Case, *, actor) -> None:
    """The case's own caseworker opened it: their "Review newly assigned case" task is done.
    (Atomic for each task it closes: the task and its audit entry together; most page views
    find none.)"""
    if case.caseworker_id == actor.pk:
        for task in _OPEN_TASKS_OF_KIND(case.pk, kind=Task.Kind.REVIEW_NEW_CASE,
                                        known_related={"case": case}):
            with transaction.atomic():
                _close_task(task, actor=actor)


def _close_task(task: Task, *, actor=None, cancelled: bool = False, counted: bool = False) -> None:
    """Close the task. The revision counts the change (unless revisions.check already did), so
    a page still offering "Mark done" is stale."""
    task.done_at = timezone.now()
    task.done_by = actor
    task.cancelled = cancelled
    if not counted:
        task.revision += 1
    task.save(update_fields=["done_at", "done_by", "cancelled", "revision"])


_OPEN_TASKS_OF_KIND = CompiledQuery(lambda case_id, *, kind: Task.objects.filter(
    case_id=case_id, kind=kind, done_at__isnull=True).order_by("pk"))


def _finish_tasks(case: Case, kind: str, *, actor) -> None:
    for task in _OPEN_TASKS_OF_KIND(case.pk, kind=kind, known_related={"case": case}):
        _close_task(task, actor=actor)


# Transfers ------------------------------------------------------------------------------------


class TransferRefused(Refused):
    """A transfer cannot be offered or decided now; `messages` say why."""


@transaction.atomic
def request_transfer(case: Case, *, actor, to_team: Team, reason: str) -> Transfer:
    """Offer the case to `to_team` (of this agency or another). The sending team keeps it, and
    its work, until a supervisor of `to_team` accepts."""
    _require(access.can_request_transfer(actor, case))
    _lock(case)
    reason = reason.strip()
    problems = []
    if to_team.pk == case.team_id:
        problems.append(_("Choose another team: the case is already with this one."))
    if not reason:
        problems.append(_("Say why the case should move."))
    if case.transfers.filter(status=Transfer.Status.PENDING).exists():
        problems.append(_("A transfer of this case already awaits a decision."))
    if problems:
        raise TransferRefused(problems)
    transfer = Transfer.objects.create(
        case=case, from_team_id=case.team_id, to_team=to_team, reason=reason, requested_by=actor
    )
    outbox.enqueue("casework.tasks.notify_transfer", transfer_id=transfer.pk)
    return transfer


def _lock_transfer(transfer: Transfer, seen_revision: int | None) -> None:
    revisions.check_row(transfer, seen_revision)
    transfer.refresh_from_db(fields=["status", "decided_by", "decided_at"])
    if not transfer.is_pending:
        raise TransferRefused([_("This transfer has been decided already.")])


@transaction.atomic
def accept_transfer(
    transfer: Transfer, *, actor, caseworker=None, seen_revision: int | None = None
) -> Transfer:
    """Take the case into the receiving team. Access follows the case's team from the next
    request: the sending caseworker's grant and every other per-case grant end, the chosen
    caseworker's begins, and the open tasks (scheduled contacts and reviews with them) and
    active interventions pass to that caseworker, or to the accepting supervisor."""
    _require(access.is_receiving_supervisor(actor, transfer))
    _lock_transfer(transfer, seen_revision)
    case = transfer.case
    _lock(case)
    case.refresh_from_db(fields=["stage", "team", "caseworker"])
    if case.is_closed:
        raise TransferRefused([_("The case was closed after it was offered: decline the offer.")])
    if caseworker is not None and not (
        roles.has(caseworker, roles.CASEWORKER)
        and caseworker.team_memberships.filter(team_id=transfer.to_team_id).exists()
    ):
        raise TransferRefused([_("Choose a caseworker of your team, or nobody for now.")])
    holder = caseworker or actor
    for grant in case.caseuserobjectpermission_set.select_related("user", "permission"):
        if grant.user_id != getattr(caseworker, "pk", None):
            remove_perm(grant.permission.codename, grant.user, case)
    if caseworker is not None:
        assign_perm(access.VIEW_CASE, caseworker, case)
    case.team_id = transfer.to_team_id
    case.caseworker = caseworker
    case.save(update_fields=["team", "caseworker"])
    _move_work(case, holder, actor=actor)
    transfer.status = Transfer.Status.ACCEPTED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.assigned_to = caseworker
    transfer.save()
    if caseworker is not None:
        outbox.enqueue("casework.tasks.notify_assignment", case_id=case.pk, user_id=caseworker.pk)
    outbox.enqueue("casework.tasks.notify_transfer", transfer_id=transfer.pk)
    return transfer


def _move_work(case: Case, holder, *, actor) -> None:
    """Every open task of the case to `holder`; a workflow task `holder` already has open is
    closed rather than doubled, and the stage task is opened for the new caseworker."""
    for task in case.tasks.filter(done_at__isnull=True).exclude(owner=holder).order_by("pk"):
        clash = task.kind in Task.ONE_OPEN_PER_CASE and case.tasks.filter(
            owner=holder, kind=task.kind, done_at__isnull=True
        ).exists()
        if clash:
            _close_task(task, actor=actor, cancelled=True)
        else:
            task.owner = holder
            task.save(update_fields=["owner"])
    for intervention in Intervention.objects.filter(
        goal__plan__case=case, goal__plan__superseded_at__isnull=True,
        status=Intervention.Status.ACTIVE, owner__isnull=False,
    ).exclude(owner=holder):
        intervention.owner = holder
        intervention.save(update_fields=["owner"])
    _open_stage_task(case)


@transaction.atomic
def decline_transfer(
    transfer: Transfer, *, actor, reason: str, seen_revision: int | None = None
) -> Transfer:
    """Turn the offer down with a reason; the case stays, unchanged, with the sending team."""
    _require(access.is_receiving_supervisor(actor, transfer))
    reason = reason.strip()
    if not reason:
        raise TransferRefused([_("Say why you decline the transfer.")])
    _lock_transfer(transfer, seen_revision)
    transfer.status = Transfer.Status.DECLINED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.decision_note = reason
    transfer.save()
    outbox.enqueue("casework.tasks.notify_transfer", transfer_id=transfer.pk)
    return transfer

