"""Background work for referrals. Tasks take ids, re-read state, and carry no personal data.

Notices say a fixed phrase and a reference, never a name: they are shown on dashboards and sent
by email, where personal data must not go.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import notify, roles
from casework.accounts import languages
from casework.models import TeamMembership
from providers.models import Membership
from referrals import conf, outgoing, workflow
from referrals.models import ProviderReferral, ProviderReferralEvent, Referral


def _notify(users, message, link: str, subject) -> None:
    """Give each user a notice (once) and an email, in the user's language: `message` and
    `subject` are called (no arguments) once for each language in use."""
    users = list(users)
    notify.notify(users, message, link, subject=subject, once=True,
                  languages=languages.languages_of(user.pk for user in users))


@shared_task(acks_late=True)
def notify_immediate_risk(referral_id: int) -> None:
    """Flag an immediate-risk referral to every intake coordinator; safe to run twice."""
    referral = Referral.objects.filter(pk=referral_id).only("reference", "status").first()
    if referral is None or not referral.is_awaiting_screening:
        return
    coordinators = get_user_model().objects.filter(is_active=True, groups__name=roles.INTAKE)
    _notify(
        coordinators.distinct(),
        lambda: _("Immediate-risk referral %(reference)s received: screen it now.")
        % {"reference": referral.reference},
        reverse("referral-detail", args=[referral.reference]),
        lambda: _("Immediate-risk referral received"),
    )


def intake_leads():
    """The intake lead: an intake coordinator who also holds a team's supervisor membership
    (leading intake for it; it gives no supervisor's powers without the supervisor role). Where
    no one is, every intake coordinator, so an escalation always reaches someone."""
    coordinators = get_user_model().objects.filter(is_active=True, groups__name=roles.INTAKE)
    leads = coordinators.filter(team_memberships__role=TeamMembership.Role.SUPERVISOR)
    return (leads if leads.exists() else coordinators).distinct()


def duty_supervisors():
    """Supervisors of the duty team (settings.REFERRAL_DUTY_TEAM), or of every team if unset."""
    memberships = TeamMembership.objects.filter(role=TeamMembership.Role.SUPERVISOR)
    if conf.duty_team():
        memberships = memberships.filter(team__name=conf.duty_team())
    return get_user_model().objects.filter(
        is_active=True, groups__name=roles.SUPERVISOR, pk__in=memberships.values("user_id")
    ).distinct()


@shared_task(acks_late=True)
def escalate_overdue_screenings(now_iso: str = "") -> int:
    """The beat job: escalate each overdue screening once (referrals.workflow); `now_iso` lets
    tests set the clock. Returns how many were escalated."""
    now = datetime.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    return sum(
        workflow.escalate_screening(referral, now=now)
        for referral in workflow.overdue_screenings(now).only("pk")
    )


@shared_task(acks_late=True)
def notify_overdue_screening(referral_id: int) -> None:
    """Tell the intake lead and the duty supervisor that a screening is overdue."""
    referral = Referral.objects.filter(pk=referral_id).only("reference", "status",
                                                            "urgency").first()
    if referral is None or not referral.is_awaiting_screening:
        return
    users = {user.pk: user for user in list(intake_leads()) + list(duty_supervisors())}

    def message():
        return (
            _("Immediate-risk referral %(reference)s has not been screened: act now.")
            if referral.is_immediate else
            _("Referral %(reference)s is past its screening deadline.")
        ) % {"reference": referral.reference}

    _notify(users.values(), message, reverse("referral-detail", args=[referral.reference]),
            lambda: _("A screening is overdue"))


@shared_task(acks_late=True)
def notify_referral_attached(referral_id: int) -> None:
    """Tell the case's caseworker and team supervisors that a referral joined their case."""
    referral = (
        Referral.objects.filter(pk=referral_id).select_related("case")
        .only("reference", "case__reference", "case__team_id", "case__caseworker_id").first()
    )
    if referral is None or referral.case is None:
        return
    case = referral.case
    user_ids = set(
        TeamMembership.objects.filter(
            team_id=case.team_id, role=TeamMembership.Role.SUPERVISOR
        ).values_list("user_id", flat=True)
    )
    if case.caseworker_id:
        user_ids.add(case.caseworker_id)
    _notify(
        get_user_model().objects.filter(pk__in=user_ids, is_active=True),
        lambda: _("Referral %(referral)s was added to case %(case)s at screening.")
        % {"referral": referral.reference, "case": case.reference},
        case.get_absolute_url(),
        lambda: _("A referral was added to a case"),
    )


@shared_task(acks_late=True)
def send_referral_acknowledgement(referral_id: int) -> None:
    """Email the referrer what policy allows them to know; record when it was sent."""
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None or referral.acknowledged_at is not None:
        return  # gone, or already acknowledged (a redelivered task)
    address = workflow.referrer_email(referral)
    if not address or not workflow.can_acknowledge(referral):
        return
    # In the language the referrer used the form in (the site's default for older referrals).
    with translation.override(referral.language or settings.LANGUAGE_CODE):
        subject = _("Your referral %(reference)s") % {"reference": referral.reference}
        message = workflow.acknowledgement_text(referral)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[address])
    referral.acknowledged_at = timezone.now()
    referral.save(update_fields=["acknowledged_at"])


# Closed-loop provider referrals ------------------------------------------------------------------


def _provider_staff(organization_id):
    return get_user_model().objects.filter(
        is_active=True, groups__name=roles.PROVIDER,
        provider_memberships__organization_id=organization_id,
    ).distinct()


def _sender_side(referral):
    """The case's caseworker and whoever sent the referral (if still on the case's team)."""
    user_ids = {uid for uid in (referral.case.caseworker_id, referral.sent_by_id) if uid}
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True)


@shared_task(acks_late=True)
def notify_provider_referral_event(event_id: int) -> None:
    """Tell the other side about a status change: the reference and the new status only."""
    event = (
        ProviderReferralEvent.objects.filter(pk=event_id)
        .select_related("referral__case").first()
    )
    if event is None:
        return
    referral = event.referral
    by_provider = event.actor_id is not None and Membership.objects.filter(
        organization_id=referral.organization_id, user_id=event.actor_id
    ).exists()

    def message():
        if event.name == "expire":
            text = _("Provider referral %(ref)s expired unanswered: send it elsewhere.")
        elif event.name == "send":
            text = _("New provider referral %(ref)s: please accept or decline it.")
        else:
            text = _("Provider referral %(ref)s is now: %(status)s.")
        return text % {"ref": referral.reference,
                       "status": str(event.get_target_display()).lower()}

    if event.name == "send" or (event.actor_id is not None and not by_provider):
        recipients = _provider_staff(referral.organization_id)
    else:
        recipients = _sender_side(referral)
    _notify(recipients, message, referral.get_absolute_url(),
            lambda: _("Provider referral update"))


@shared_task(acks_late=True)
def notify_consent_withdrawn(event_id: int) -> None:
    """Tell both sides a referral was cancelled because consent was withdrawn: reference only."""
    event = (ProviderReferralEvent.objects.filter(pk=event_id)
             .select_related("referral__case").first())
    if event is None:
        return
    referral = event.referral
    def message():
        return _("Provider referral %(ref)s was cancelled: the person withdrew their consent to "
                 "share. Nothing more is shared with the provider.") % {"ref": referral.reference}

    recipients = {*_provider_staff(referral.organization_id), *_sender_side(referral)}
    _notify(sorted(recipients, key=lambda user: user.pk), message, referral.get_absolute_url(),
            lambda: _("Provider referral update"))


@shared_task(acks_late=True)
def notify_provider_referral_escalation(referral_id: int, kind: str) -> None:
    """Tell the sender's team supervisors a provider is late (their task is already made)."""
    referral = ProviderReferral.objects.filter(pk=referral_id).select_related("case").first()
    if referral is None:
        return
    supervisors = get_user_model().objects.filter(
        is_active=True, team_memberships__team_id=referral.case.team_id,
        team_memberships__role=TeamMembership.Role.SUPERVISOR,
    ).distinct()
    _notify(
        supervisors,
        lambda: (
            _("Provider referral %(ref)s has had no answer by its deadline: chase the provider.")
            if kind == "response" else
            _("Provider referral %(ref)s has had no first contact by its deadline: chase the "
              "provider.")
        ) % {"ref": referral.reference},
        referral.get_absolute_url(),
        lambda: _("A provider referral is late"),
    )


@shared_task(acks_late=True)
def sweep_provider_referral_deadlines(now_iso: str = "") -> dict[str, int]:
    """The beat job: escalate late referrals to the sender's supervisors, once each, then expire
    requests unanswered past their time, handing them back to the caseworker.

    Each referral is handled in its own transaction through referrals.outgoing, which re-reads
    it under a lock; a rerun does nothing twice. `now_iso` lets tests set the clock.
    """
    now = datetime.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    counts = {"escalated": 0, "expired": 0}
    Status = ProviderReferral.Status
    late_answers = ProviderReferral.objects.filter(
        status=Status.REQUESTED, respond_by__lt=now, response_escalated_at__isnull=True
    ).only("pk")
    late_contacts = ProviderReferral.objects.filter(
        status__in=(Status.ACCEPTED, Status.ON_HOLD), started_at__isnull=True,
        first_contact_by__lt=now, contact_escalated_at__isnull=True,
    ).only("pk")
    for referral in late_answers:
        counts["escalated"] += outgoing.escalate(referral, "response", now=now)
    for referral in late_contacts:
        counts["escalated"] += outgoing.escalate(referral, "contact", now=now)
    expiring = ProviderReferral.objects.filter(status=Status.REQUESTED, expires_at__lt=now)
    for referral in expiring.only("pk"):
        counts["expired"] += outgoing.expire(referral, now=now)
    return counts
