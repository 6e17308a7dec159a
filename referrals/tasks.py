"""Background work for referrals. Tasks take ids, re-read state, and carry no personal data.

Notices say a fixed phrase and a reference, never a name: they are shown on dashboards and sent
by email, where personal data must not go.
"""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import roles
from casework.models import Notification, TeamMembership


def _notify(users, message: str, link: str, subject: str) -> None:
    """Give each user an in-app notice (once) and an email after commit."""
    emails = []
    with transaction.atomic():
        for user in users:
            _, created = Notification.objects.get_or_create(
                user=user, message=message, link=link
            )
            if created and user.email:
                emails.append(user.email)
    body = message + "\n" + settings.SITE_URL.rstrip("/") + link
    for address in emails:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])


@shared_task(acks_late=True)
def notify_immediate_risk(referral_id: int) -> None:
    """Flag an immediate-risk referral to every intake coordinator; safe to run twice."""
    from referrals.models import Referral

    referral = Referral.objects.filter(pk=referral_id).only("reference", "status").first()
    if referral is None or not referral.is_awaiting_screening:
        return
    coordinators = get_user_model().objects.filter(is_active=True, groups__name=roles.INTAKE)
    _notify(
        coordinators.distinct(),
        _("Immediate-risk referral %(reference)s received: screen it now.")
        % {"reference": referral.reference},
        reverse("referral-detail", args=[referral.reference]),
        _("Immediate-risk referral received"),
    )


@shared_task(acks_late=True)
def notify_referral_attached(referral_id: int) -> None:
    """Tell the case's caseworker and team supervisors that a referral joined their case."""
    from referrals.models import Referral

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
        _("Referral %(referral)s was added to case %(case)s at screening.")
        % {"referral": referral.reference, "case": case.reference},
        case.get_absolute_url(),
        _("A referral was added to a case"),
    )


@shared_task(acks_late=True)
def send_referral_acknowledgement(referral_id: int) -> None:
    """Email the referrer what policy allows them to know; record when it was sent."""
    from referrals import workflow
    from referrals.models import Referral

    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None or referral.acknowledged_at is not None:
        return  # gone, or already acknowledged (a redelivered task)
    address = workflow.referrer_email(referral)
    if not address or not workflow.can_acknowledge(referral):
        return
    send_mail(
        subject=_("Your referral %(reference)s") % {"reference": referral.reference},
        message=workflow.acknowledgement_text(referral),
        from_email=None,
        recipient_list=[address],
    )
    referral.acknowledged_at = timezone.now()
    referral.save(update_fields=["acknowledged_at"])
