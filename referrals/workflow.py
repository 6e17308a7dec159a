"""Every write on referrals and bias reports a user would call an action.

Each function is atomic, takes the acting user as `actor` (None only for the public forms),
checks the access policy itself, and writes anything that leaves the database (notifications,
emails) as an outbox message in the same transaction, with tasks that take ids.

Screening follows the django-fsm transitions on Referral: `screen_referral` checks the
transition and its permission, applies it and records a ScreeningDecision with the reason. A
decision that opened or joined a case is on that case's timeline through
referrals.selectors.screening_timeline (registered in casework.selectors.TIMELINE_SOURCES).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from api import webhooks
from casework import access, outbox
from casework import workflow as case_workflow
from casework.models import Case, Person, Team
from casework.refusals import Refused, Stale
from referrals import conf, matching
from referrals.models import (
    BiasIncident,
    BiasIncidentTriage,
    MatchLink,
    Referral,
    ScreeningCheck,
    ScreeningDecision,
)

Decision = ScreeningDecision.Name


class ScreeningRefused(Refused):
    """The decision cannot be taken as asked; `messages` say what to change."""


class StaleReferral(Stale):
    """Someone else decided on the referral since the page was loaded; nothing was changed."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# Receiving ---------------------------------------------------------------------------------


def receive_referral(
    referral: Referral, *, channel: str, actor=None, language: str = ""
) -> Referral:
    """Save a new referral from any channel. An immediate risk is flagged to intake at once.

    `language` is the one the form was used in (the request's active language): the referrer's
    acknowledgement is written in it. One the site does not offer is not kept.
    """
    if channel == Referral.Channel.STAFF:
        _require(actor is not None and access.can_enter_referral(actor))
    elif channel == Referral.Channel.PARTNER:
        _require(actor is not None and access.can_make_partner_referral(actor))
    referral.channel = channel
    referral.entered_by = actor if channel != Referral.Channel.PUBLIC else None
    referral.status = Referral.Status.NEW
    offered = {code for code, _name in settings.LANGUAGES}
    language = language if language in offered else language.split("-")[0]
    referral.language = language if language in offered else ""
    with transaction.atomic():
        referral.save()
        if referral.is_immediate:
            outbox.enqueue("referrals.tasks.notify_immediate_risk", referral_id=referral.pk)
    return referral


# Before the decision -------------------------------------------------------------------------


@transaction.atomic
def record_check(
    referral: Referral, *, actor, kind: str, checked_on: datetime.date, outcome: str
) -> ScreeningCheck:
    """Record a check made before deciding: its kind, date and outcome, nothing more."""
    _require(access.can_screen_referrals(actor))
    if not referral.is_awaiting_screening:
        raise ScreeningRefused([_("This referral has already been screened.")])
    return ScreeningCheck.objects.create(
        referral=referral, kind=kind, checked_on=checked_on, outcome=outcome, recorded_by=actor
    )


@transaction.atomic
def link_person(referral: Referral, person_reference: str, *, actor) -> MatchLink:
    """Record that the referral is about a known person found by duplicate detection.

    Only a person the blind indexes actually match can be linked, so a reference cannot be
    guessed into a link.
    """
    _require(access.can_screen_referrals(actor))
    if not referral.is_awaiting_screening:
        raise ScreeningRefused([_("This referral has already been screened.")])
    match = matching.match_for(referral, person_reference)
    if match is None:
        raise ScreeningRefused([_("That person is not a possible match for this referral.")])
    if match.linked:
        raise ScreeningRefused([_("This referral is already linked to that person.")])
    referral.person = match.person
    referral.save(update_fields=["person"])
    return MatchLink.objects.create(
        referral=referral, person=match.person, basis=match.basis, actor=actor
    )


# The decision ----------------------------------------------------------------------------------


def screen_referral(
    referral: Referral,
    decision: str,
    *,
    actor,
    reason: str,
    expected_status: str | None = None,
    acknowledge: bool = False,
    team: Team | None = None,
    caseworker=None,
    attach_to: str = "",
    signposted_service=None,
    signposted_to: str = "",
    contacted: str = "",
    contacted_at: datetime.datetime | None = None,
    contact_reference: str = "",
    duplicate_of: str = "",
) -> ScreeningDecision:
    """Take screening decision `decision` for `actor`, or raise with what is missing.

    `expected_status` is the status the actor saw; if the referral moved since, StaleReferral is
    raised and nothing changes, so two screeners cannot decide one referral twice.
    """
    if decision not in Decision.values:
        raise ScreeningRefused([_("Unknown decision.")])
    if expected_status is not None and expected_status != referral.status:
        raise StaleReferral
    method = getattr(referral, decision)
    if not can_proceed(method):
        raise ScreeningRefused([_("This decision is not possible now: the referral has already "
                                  "been screened.")])
    _require(access.may_take_transition(actor, referral, decision))
    reason = (reason or "").strip()
    problems = [] if reason else [_("Say why: a reason is required for every decision.")]
    details = _decision_details(
        referral, decision, problems, actor=actor, team=team, attach_to=attach_to,
        signposted_service=signposted_service, signposted_to=signposted_to.strip(),
        contacted=contacted, contacted_at=contacted_at, duplicate_of=duplicate_of.strip(),
    )
    if acknowledge and not can_acknowledge(referral):
        problems.append(_("An acknowledgement can only go to a referrer who gave an email "
                          "address, and only when acknowledgements are switched on."))
    if problems:
        raise ScreeningRefused(problems)
    source = referral.status
    try:
        with transaction.atomic():
            case = None
            if decision == Decision.ACCEPT and details.get("attach_case") is None:
                # open_case_from_referral takes the `accept` transition and saves the referral
                # with its case.
                case = open_case_from_referral(
                    referral, team=team, actor=actor, caseworker=caseworker,
                    person=referral.person,
                )
                referral.person = case.person
                referral.previous_case = _latest_closed_case(case)
                referral.save(update_fields=["person", "previous_case", "decided_at"])
            elif decision == Decision.ACCEPT:
                case = details["attach_case"]
                method()
                referral.save(update_fields=["status", "decided_at"])
                attach_to_case(referral, case, actor=actor)
            else:
                method()
                referral.duplicate_of = details.get("duplicate_of")
                referral.save(update_fields=["status", "decided_at", "duplicate_of"])
            record = ScreeningDecision.objects.create(
                referral=referral,
                name=decision,
                source=source,
                target=referral.status,
                actor=actor,
                reason=reason,
                case=case,
                attached=details.get("attach_case") is not None,
                signposted_service=signposted_service if decision == Decision.SIGNPOST else None,
                signposted_to=signposted_to.strip() if decision == Decision.SIGNPOST else "",
                contacted=contacted if decision == Decision.ESCALATE else "",
                contacted_at=contacted_at if decision == Decision.ESCALATE else None,
                contact_reference=contact_reference.strip()
                if decision == Decision.ESCALATE else "",
                duplicate_of=details.get("duplicate_of"),
                within_deadline=referral.decided_within_deadline,
            )
            webhooks.referral_status_changed(referral, record)  # the referrer's system
    except ConcurrentTransition as error:
        raise StaleReferral from error
    if record.attached:
        outbox.enqueue("referrals.tasks.notify_referral_attached", referral_id=referral.pk)
    if acknowledge:
        outbox.enqueue("referrals.tasks.send_referral_acknowledgement", referral_id=referral.pk)
    return record


def open_case_from_referral(
    referral: Referral, *, team: Team, actor, caseworker=None, person: Person | None = None
) -> Case:
    """Open a case at intake for the person a referral is about, and link the referral.

    `person` is the known person screening linked the referral to; without it the person is
    looked up by name and date of birth, and added if unknown.
    """
    _require(access.can_open_cases(actor))
    if referral.case_id is not None:
        raise ScreeningRefused([_("A case is already open for this referral.")])
    if referral.status != Referral.Status.CASE_OPENED and not referral.is_awaiting_screening:
        # Declined, signposted or merged: that decision stands (screen decides).
        raise ScreeningRefused([_("This referral has already been screened.")])
    with transaction.atomic():
        if person is None:
            person = case_workflow.find_or_add_person(
                first_name=referral.first_name, last_name=referral.last_name,
                date_of_birth=referral.date_of_birth, phone=referral.phone,
            )
        case = case_workflow.open_case(
            person, team=team, actor=actor, pathway=referral.pathway, caseworker=caseworker
        )
        referral.case = case
        if referral.status != Referral.Status.CASE_OPENED:
            referral.accept()  # the screening transition (referrals.models.Referral)
        referral.save(update_fields=["case", "status", "decided_at"])
    return case


def attach_to_case(referral: Referral, case: Case, *, actor) -> Case:
    """Add an accepted referral to the person's open case: a new concern on a live episode.

    The actor need not see the case (intake sees only cases at intake); the case's own staff
    are told by screen, which records the decision.
    """
    _require(access.can_open_cases(actor))
    if referral.case_id is not None:
        raise ScreeningRefused([_("This referral is already linked to a case.")])
    if case.is_closed:
        raise ScreeningRefused([_("Choose an open case: this one is closed.")])
    with transaction.atomic():
        referral.case = case
        referral.person_id = case.person_id
        referral.save(update_fields=["case", "person"])
    return case


def _decision_details(referral, decision, problems, *, actor, team, attach_to,
                      signposted_service, signposted_to, contacted, contacted_at,
                      duplicate_of) -> dict:
    """Check what each decision needs, appending a message for anything missing."""
    details: dict = {}
    if decision == Decision.ACCEPT:
        if attach_to:
            case = _open_case_of_linked_person(referral, attach_to)
            if case is None:
                problems.append(_("Choose one of the linked person's open cases."))
            details["attach_case"] = case
        elif team is None:
            problems.append(_("Choose the team that will hold the new case."))
    elif decision == Decision.SIGNPOST:
        if signposted_service is None and not signposted_to:
            problems.append(_("Say which service the referral is signposted to."))
    elif decision == Decision.ESCALATE:
        if not contacted:
            problems.append(_("Say who was contacted: emergency services or law enforcement."))
        if contacted_at is None:
            problems.append(_("Say when they were contacted."))
        elif contacted_at > timezone.now() + datetime.timedelta(minutes=5):
            problems.append(_("The time of contact cannot be in the future."))
    elif decision == Decision.MERGE:
        target = _merge_target(referral, duplicate_of, actor, problems)
        details["duplicate_of"] = target
    return details


def _open_case_of_linked_person(referral: Referral, reference: str) -> Case | None:
    if referral.person_id is None:
        return None
    return (
        Case.objects.open()
        .filter(person_id=referral.person_id, reference=reference)
        .first()
    )


def _merge_target(referral, reference, actor, problems) -> Referral | None:
    if not reference:
        problems.append(_("Enter the reference of the referral this one duplicates."))
        return None
    target = access.visible_referrals(actor).filter(reference=reference.upper()).first()
    if target is None:
        problems.append(_("No referral has that reference."))
    elif target.pk == referral.pk:
        problems.append(_("A referral cannot duplicate itself."))
    elif target.status == Referral.Status.MERGED:
        problems.append(_("That referral was itself merged: choose the one it was merged into."))
    else:
        return target
    return None


def _latest_closed_case(case: Case) -> Case | None:
    """The person's most recent closed episode before `case`, if they are returning."""
    return (
        Case.objects.filter(person_id=case.person_id, stage__in=Case.CLOSED_STAGES)
        .exclude(pk=case.pk)
        .order_by("-closed_at", "-pk")
        .first()
    )


# Acknowledgement to the referrer ---------------------------------------------------------------


def overdue_screenings(now: datetime.datetime):
    """Referrals awaiting screening past their time and not yet escalated: an immediate risk
    after settings.REFERRAL_IMMEDIATE_RISK_MINUTES, any other after its decision deadline."""
    immediate_since = now - datetime.timedelta(minutes=conf.immediate_risk_minutes())
    return Referral.objects.filter(
        status=Referral.Status.NEW, screening_escalated_at__isnull=True
    ).filter(
        Q(urgency=Referral.Urgency.IMMEDIATE, received_at__lt=immediate_since)
        | Q(due_at__lt=now)
    )


def escalate_screening(referral: Referral, *, now: datetime.datetime) -> int:
    """Send an overdue screening to the intake lead and the duty supervisor, once (1 if sent).

    Re-read under a lock: a rerun, or two runs at once, escalate it once."""
    with transaction.atomic():
        locked = overdue_screenings(now).select_for_update().filter(pk=referral.pk).first()
        if locked is None:
            return 0
        # Saved, not updated in bulk: the escalation is on the audit record like any change.
        locked.screening_escalated_at = now
        locked.save(update_fields=["screening_escalated_at"])
        outbox.enqueue("referrals.tasks.notify_overdue_screening", referral_id=referral.pk)
    return 1


def referrer_email(referral: Referral) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    contact = (referral.referrer_contact or "").strip()
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return contact


def can_acknowledge(referral: Referral) -> bool:
    return conf.acknowledgement_level() != "off" and bool(referrer_email(referral))


def acknowledgement_text(referral: Referral) -> str:
    """What the referrer may be told: never a name, and the outcome only as policy allows."""
    level = conf.acknowledgement_level()
    received = timezone.localtime(referral.received_at).date()
    parts = [
        _("Thank you. We received your referral %(ref)s on %(date)s.")
        % {"ref": referral.reference, "date": received.isoformat()}
    ]
    if level in ("reviewed", "outcome") and not referral.is_awaiting_screening:
        parts.append(_("Our intake team has reviewed it."))
    if level == "outcome":
        outcome = {
            Referral.Status.CASE_OPENED: _("The service will offer support."),
            Referral.Status.SIGNPOSTED: _("Another service is better placed to help, and we "
                                          "have pointed the way to it."),
            Referral.Status.DECLINED: _("The service will not be taking it further."),
            Referral.Status.MERGED: _("It has been joined with another referral we hold."),
        }.get(referral.status)
        if outcome:
            parts.append(outcome)
    parts.append(_("To protect the privacy of the people involved, we cannot share more. "
                   "If anyone is in immediate danger, call 911."))
    return " ".join(str(part) for part in parts)


# Bias-incident reports ---------------------------------------------------------------------------


@transaction.atomic
def report_bias_incident(incident: BiasIncident) -> BiasIncident:
    """Save a report from the public form (no account, anonymous if the reporter wishes)."""
    incident.status = BiasIncident.Status.RECEIVED
    incident.save()
    return incident


TRIAGE_ACTIONS = ("log", "refer_to_police", "make_referral", "close")


def triage_bias_incident(
    incident: BiasIncident, action: str, *, actor, note: str = "", referral_reference: str = ""
) -> BiasIncidentTriage:
    """Take triage step `action` on a report, with the referral it became if that is the step."""
    if action not in TRIAGE_ACTIONS:
        raise ScreeningRefused([_("Unknown action.")])
    method = getattr(incident, action)
    if not can_proceed(method):
        raise ScreeningRefused([_("That step is not possible from the report's current status.")])
    _require(access.may_take_transition(actor, incident, action))
    referral = None
    if action == "make_referral":
        referral = (
            access.visible_referrals(actor).filter(reference=referral_reference.strip().upper())
            .first()
            if referral_reference.strip() else None
        )
        if referral is None:
            raise ScreeningRefused([_("Enter the reference of the referral made from this "
                                      "report.")])
    source = incident.status
    try:
        with transaction.atomic():
            method()
            if referral is not None:
                incident.referral = referral
            incident.save()
            return BiasIncidentTriage.objects.create(
                incident=incident, name=action, source=source, target=incident.status,
                actor=actor, note=note.strip(),
            )
    except ConcurrentTransition as error:
        raise StaleReferral from error
