"""Every write on closed-loop provider referrals: send, answer, progress, close, expire.

Each function is atomic, takes the acting user as `actor` (None only for the beat task's
expiry), checks the access policy itself (django-fsm does not enforce `permission=`), records a
ProviderReferralEvent for every status change, and notifies the other side after commit, with
tasks that take ids and notices that carry the reference only.

The statuses and their FHIR Task mapping are documented beside ProviderReferral in
referrals.models; the sharing rule (consent and agreement) is `covering_consents` there.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from api import webhooks
from casework import access, outbox, revisions, selectors
from casework.models import Case, Consent, PlanGoal, Task, TeamMembership
from casework.refusals import Refused, Stale
from casework.working_days import add_working_days
from privacy.inventory import health_fields
from privacy.notices import PART_2_REDISCLOSURE
from referrals.models import (
    ProviderReferral,
    ProviderReferralAttendance,
    ProviderReferralEvent,
    covering_consents,
)

Status = ProviderReferral.Status
Share = ProviderReferral.Share
Reason = ProviderReferral.Reason

# What each side may do, besides sending (send_provider_referral) and expiry (the beat task).
PROVIDER_ACTIONS = ("accept", "reject", "start", "hold", "resume", "complete", "fail", "cancel")
SENDER_ACTIONS = ("cancel",)
# Actions that must say why (a coded reason) or how it ended (an outcome).
REASON_REQUIRED = {"reject", "fail", "cancel"}
OUTCOME_REQUIRED = {"complete"}


class ReferralRefused(Refused):
    """The referral cannot be sent or moved as asked; `messages` say what to change."""


class ConsentMissing(ReferralRefused):
    """No sharing consent in force covers the receiving organisation or its category."""


class StaleProviderReferral(Stale):
    """The other side moved the referral since the page was loaded; nothing was changed."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def working_days(name: str) -> int:
    return int(getattr(settings, name))


# Sending ----------------------------------------------------------------------------------


def sharing_problems(case: Case, service, *, on: datetime.date) -> list[str]:
    """What stands in the way of sharing with `service`'s organisation on `on` (empty: none)."""
    organization = service.organization
    problems = []
    if not service.is_active:
        problems.append(_("That service is no longer offered: choose another."))
    if not organization.has_active_agreement(on=on):
        problems.append(
            _("%(org)s has no active data-sharing agreement, so nothing can be sent to it. "
              "Choose another provider, or ask an administrator about the agreement.")
            % {"org": organization.name}
        )
    if not covering_consents(case=case, organization=organization,
                             category=service.category, on=on).exists():
        problems.append(
            _("No sharing consent in force covers %(org)s or %(category)s services. Record the "
              "person's consent to share with them (purpose: sharing with service providers) "
              "before sending.")
            % {"org": organization.name, "category": service.get_category_display()}
        )
    return problems


def health_problems(case: Case, service, *, share, on: datetime.date) -> list[str]:
    """Health data (flagged in the data inventory) goes only under a consent that names it."""
    flagged = health_fields("referrals.ProviderReferral")
    if not any(f"shared_{name}" in flagged for name in share):
        return []
    named = covering_consents(case=case, organization=service.organization,
                              category=service.category, on=on).filter(
        data_categories__contains=Consent.DataCategory.HEALTH)
    if named.exists():
        return []
    return [_("The assessment summary is health data: share it only under a consent that names "
              "health data (42 CFR Part 2). Record that consent, or do not share it.")]


def redisclosure_notice(referral: ProviderReferral) -> str:
    """The 42 CFR Part 2 notice, when the referral's summary holds health-flagged data."""
    flagged = health_fields("referrals.ProviderReferral")
    if any(f"shared_{name}" in flagged for name in referral.shared_fields):
        return str(PART_2_REDISCLOSURE)
    return ""


def snapshot(case: Case, *, share, contact: str, need: str, goal: PlanGoal | None,
             note: str) -> dict:
    """The minimum-necessary summary, copied from the case: only the fields in `share`."""
    person = case.person
    chosen = [name for name in Share.values if name in set(share)]
    values = {"shared": ",".join(chosen)}
    if Share.FIRST_NAME in chosen:
        values["shared_first_name"] = person.first_name
    if Share.CONTACT in chosen:
        detail = {ProviderReferral.Contact.PHONE: person.phone,
                  ProviderReferral.Contact.EMAIL: person.email}.get(contact, "")
        label = str(ProviderReferral.Contact(contact).label) if contact else ""
        values["shared_contact"] = f"{label}: {detail}" if detail else label
    if Share.NEED in chosen:
        values["shared_need"] = need
    if Share.GOAL in chosen and goal is not None:
        values["shared_goal"] = goal.description
    if Share.ASSESSMENT in chosen:
        latest = selectors.latest_assessment(case)
        values["shared_assessment"] = latest.needs_summary if latest else ""
    if Share.NOTE in chosen:
        values["shared_note"] = note
    return values


def send_provider_referral(
    case: Case,
    *,
    actor,
    service,
    share=Share.values[:4],
    contact: str = ProviderReferral.Contact.CASEWORKER,
    need: str = "",
    goal: PlanGoal | None = None,
    note: str = "",
) -> ProviderReferral:
    """Send a referral from `case` to `service`, sharing only the fields in `share`.

    Refused, with nothing saved, without an active sharing consent covering the organisation
    (or its service's category) and the organisation's active data-sharing agreement.
    """
    _require(access.can_send_provider_referral(actor, case))
    today = timezone.localdate()
    problems = sharing_problems(case, service, on=today)
    share = [name for name in share if name in Share.values]
    if not share:
        problems.append(_("Choose at least one thing to share with the provider."))
    if Share.NEED in share and not need.strip():
        problems.append(_("Say what the person needs from this service, or do not share it."))
    if Share.NOTE in share and not note.strip():
        problems.append(_("Write the note for the provider, or do not share one."))
    problems += health_problems(case, service, share=share, on=today)
    if goal is not None and goal.plan.case_id != case.pk:
        problems.append(_("Choose a goal from this case's plan."))
    if Share.GOAL in share and goal is None:
        problems.append(_("Choose the goal to share, or do not share one."))
    if problems:
        consent_only = all("consent" in message for message in problems)
        raise (ConsentMissing if consent_only else ReferralRefused)(problems)
    now = timezone.now()
    with transaction.atomic():
        referral = ProviderReferral.objects.create(
            case=case, service=service, organization=service.organization, goal=goal,
            sent_by=actor,
            **snapshot(case, share=share, contact=contact, need=need.strip(), goal=goal,
                       note=note.strip()),
        )
        referral.send()
        referral.sent_at = now
        referral.respond_by = add_working_days(now, working_days("PROVIDER_REFERRAL_RESPOND_DAYS"))
        referral.first_contact_by = add_working_days(
            now, working_days("PROVIDER_REFERRAL_FIRST_CONTACT_DAYS")
        )
        referral.expires_at = add_working_days(now, working_days("PROVIDER_REFERRAL_EXPIRE_DAYS"))
        referral.save()
        event = _record(referral, "send", Status.DRAFT, actor=actor)
    return _notify_after_commit(referral, event)


# Answering and progress ----------------------------------------------------------------------


def take_transition(
    referral: ProviderReferral,
    name: str,
    *,
    actor,
    reason: str = "",
    outcome: str = "",
    note: str = "",
    expected_status: str | None = None,
    seen_revision: int | None = None,
) -> ProviderReferral:
    """Apply `name` for `actor`, or raise with a message a person can act on.

    `expected_status` is the status the actor saw; if the other side moved the referral since,
    StaleProviderReferral is raised and nothing changes. `seen_revision` is the revision the
    page showed: every status change bumps it, so a page that showed an older state (even the
    same status, reached again) raises revisions.StaleEdit and nothing changes.
    """
    if name not in PROVIDER_ACTIONS:
        raise ReferralRefused([_("Unknown action.")])
    if expected_status is not None and expected_status != referral.status:
        raise StaleProviderReferral
    method = getattr(referral, name)
    if not can_proceed(method):
        raise ReferralRefused([_("That is not possible now: the referral is %(status)s.")
                               % {"status": referral.get_status_display().lower()}])
    _require(access.may_take_transition(actor, referral, name))
    problems = []
    if name in REASON_REQUIRED and reason not in ProviderReferral.CHOSEN_REASONS:
        problems.append(_("Choose a reason."))
    if name in OUTCOME_REQUIRED and outcome not in ProviderReferral.Outcome.values:
        problems.append(_("Choose the outcome."))
    if (reason == Reason.OTHER or outcome == ProviderReferral.Outcome.OTHER) and not note.strip():
        problems.append(_("Say more in the note when the reason or outcome is \"other\"."))
    if problems:
        raise ReferralRefused(problems)
    source = referral.status
    try:
        with transaction.atomic():
            revisions.check_row(referral, seen_revision)  # locks the row, counts this change
            method()
            if name in REASON_REQUIRED:
                referral.status_reason = reason
            if name in OUTCOME_REQUIRED:
                referral.outcome = outcome
            referral.save()
            event = _record(referral, name, source, actor=actor, reason=reason, outcome=outcome,
                            note=note.strip())
    except ConcurrentTransition as error:
        raise StaleProviderReferral from error
    return _notify_after_commit(referral, event)


def accept(referral, *, actor, note="", expected_status=None):
    return take_transition(referral, "accept", actor=actor, note=note,
                           expected_status=expected_status)


def reject(referral, *, actor, reason, note="", expected_status=None):
    return take_transition(referral, "reject", actor=actor, reason=reason, note=note,
                           expected_status=expected_status)


def start(referral, *, actor, note="", expected_status=None):
    return take_transition(referral, "start", actor=actor, note=note,
                           expected_status=expected_status)


def hold(referral, *, actor, note="", expected_status=None):
    return take_transition(referral, "hold", actor=actor, note=note,
                           expected_status=expected_status)


def resume(referral, *, actor, note="", expected_status=None):
    return take_transition(referral, "resume", actor=actor, note=note,
                           expected_status=expected_status)


def complete(referral, *, actor, outcome, note="", expected_status=None):
    return take_transition(referral, "complete", actor=actor, outcome=outcome, note=note,
                           expected_status=expected_status)


def fail(referral, *, actor, reason, note="", expected_status=None):
    return take_transition(referral, "fail", actor=actor, reason=reason, note=note,
                           expected_status=expected_status)


def cancel(referral, *, actor, reason, note="", expected_status=None):
    return take_transition(referral, "cancel", actor=actor, reason=reason, note=note,
                           expected_status=expected_status)


def available_actions(referral: ProviderReferral, user) -> list[str]:
    """The actions `user` may take on the referral now, in the order the page shows them."""
    return [
        name for name in PROVIDER_ACTIONS
        if can_proceed(getattr(referral, name))
        and access.may_take_transition(user, referral, name)
    ]


@transaction.atomic
def record_attendance(referral: ProviderReferral, *, actor, on: datetime.date,
                      attended: bool) -> ProviderReferralAttendance:
    """The provider records an appointment and whether the person came."""
    _require(access.can_act_for_provider(actor, referral))
    if referral.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD):
        raise ReferralRefused([_("Attendance can be recorded once the referral is accepted and "
                                 "until it is closed.")])
    if on > timezone.localdate():
        raise ReferralRefused([_("The date cannot be in the future.")])
    return ProviderReferralAttendance.objects.create(
        referral=referral, on=on, attended=attended, recorded_by=actor
    )


# Time-driven moves (referrals.tasks) ---------------------------------------------------------


def expire(referral: ProviderReferral, *, now: datetime.datetime | None = None) -> bool:
    """Expire an unanswered request past its time and hand it back to the caseworker.

    Returns False (and changes nothing) if it was answered or is not yet due: a rerun, or two
    runs at once, expire nothing twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            ProviderReferral.objects.select_for_update().select_related("case")
            .filter(pk=referral.pk).first()
        )
        if (current is None or current.status != Status.REQUESTED
                or current.expires_at is None or current.expires_at > now):
            return False
        current.expire()
        current.status_changed_at = now
        current.revision += 1  # a page that offered the provider "accept" is stale now
        current.save()
        event = _record(current, "expire", Status.REQUESTED, actor=None, reason=Reason.EXPIRED)
        owner = current.case.caseworker or current.sent_by
        if not current.case.is_closed:
            Task.objects.create(
                case=current.case, owner=owner, kind=Task.Kind.OTHER,
                title=_("Send elsewhere: provider referral %(ref)s expired unanswered")
                % {"ref": current.reference},
                due_on=timezone.localdate(now) + datetime.timedelta(days=2),
            )
        outbox.enqueue("referrals.tasks.notify_provider_referral_event", event_id=event.pk)
        webhooks.provider_referral_changed(current, event)
    return True


SHARED_FIELDS = ("shared_first_name", "shared_contact", "shared_need", "shared_goal",
                 "shared_assessment", "shared_note")


def cancel_for_withdrawn_consent(consent: Consent, *, actor) -> list[ProviderReferral]:
    """Cancel the open provider referrals that only `consent` (now withdrawn) allowed.

    Each is cancelled with the reason "consent withdrawn", its shared summary is erased (the
    provider keeps the reference and the status, nothing about the person), both sides are told
    after commit, and no chase task follows: a cancelled referral is never overdue. A referral
    another consent in force still covers is left as it is."""
    if consent.purpose != Consent.Purpose.PROVIDER_SHARING:
        return []
    candidates = ProviderReferral.objects.open().filter(case_id=consent.case_id)
    if consent.organization_id:
        candidates = candidates.filter(organization_id=consent.organization_id)
    elif consent.service_category:
        candidates = candidates.filter(service__category=consent.service_category)
    else:
        return []
    today, now, cancelled = timezone.localdate(), timezone.now(), []
    with transaction.atomic():
        for referral in candidates.select_for_update().select_related("service").order_by("pk"):
            if covering_consents(case=consent.case_id, organization=referral.organization_id,
                                 category=referral.service.category, on=today).exists():
                continue
            source = referral.status
            referral.cancel()
            referral.status_reason = Reason.CONSENT_WITHDRAWN
            referral.status_changed_at = now
            referral.shared = ""
            for name in SHARED_FIELDS:
                setattr(referral, name, "")
            referral.revision += 1  # a provider's page still offering an action is stale now
            referral.save()
            event = _record(referral, "cancel", source, actor=actor,
                            reason=Reason.CONSENT_WITHDRAWN)
            outbox.enqueue("referrals.tasks.notify_consent_withdrawn", event_id=event.pk)
            webhooks.provider_referral_changed(referral, event)
            cancelled.append(referral)
    return cancelled


def escalate(referral: ProviderReferral, kind: str, *,
             now: datetime.datetime | None = None) -> bool:
    """Tell the sender's team supervisors that the provider is late, with a task, once.

    `kind` is "response" (no answer by respond_by) or "contact" (no first contact by
    first_contact_by). Returns False if there was nothing (left) to escalate.
    """
    now = now or timezone.now()
    marker = f"{kind}_escalated_at"
    with transaction.atomic():
        current = (
            ProviderReferral.objects.select_for_update().select_related("case")
            .filter(pk=referral.pk).first()
        )
        if current is None or getattr(current, marker) is not None or not current.is_overdue(now):
            return False
        setattr(current, marker, now)
        current.save(update_fields=[marker])
        title = (
            _("Chase provider referral %(ref)s: no answer from the provider")
            if kind == "response" else
            _("Chase provider referral %(ref)s: no first contact yet")
        ) % {"ref": current.reference}
        for supervisor in _supervisors(current.case):
            Task.objects.create(
                case=current.case, owner=supervisor, kind=Task.Kind.OTHER, title=title,
                due_on=timezone.localdate(now) + datetime.timedelta(days=1),
            )
        outbox.enqueue("referrals.tasks.notify_provider_referral_escalation",
                       referral_id=current.pk, kind=kind)
    return True


def _supervisors(case: Case):
    return list(get_user_model().objects.filter(
        is_active=True,
        team_memberships__team_id=case.team_id,
        team_memberships__role=TeamMembership.Role.SUPERVISOR,
    ).distinct())


# ---------------------------------------------------------------------------------------------


def _record(referral, name, source, *, actor, reason="", outcome="", note=""):
    return ProviderReferralEvent.objects.create(
        referral=referral, case_id=referral.case_id, name=name, source=source,
        target=referral.status, actor=actor, at=referral.status_changed_at, reason=reason,
        outcome=outcome, note=note,
    )


def _notify_after_commit(referral, event):
    outbox.enqueue("referrals.tasks.notify_provider_referral_event", event_id=event.pk)
    webhooks.provider_referral_changed(referral, event)  # the partner's system, by the outbox
    return referral
