"""Background work. Tasks take ids, re-read state, and carry no personal data."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Case, Notification, Task


@shared_task(acks_late=True)
def notify_assignment(case_id: int, user_id: int) -> None:
    """Give the newly assigned caseworker a task and a notice; safe to run twice."""
    case = Case.objects.filter(pk=case_id).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if case is None or user is None or case.caseworker_id != user.pk:
        return  # reassigned again, or gone, before the task ran
    with transaction.atomic():
        task, created = Task.objects.get_or_create(
            case=case,
            owner=user,
            kind=Task.Kind.REVIEW_NEW_CASE,
            done_at=None,
            defaults={"due_on": timezone.localdate() + datetime.timedelta(days=2)},
        )
        if not created:
            return
        link = case.get_absolute_url()
        message = _("Case %(reference)s has been assigned to you.") % {
            "reference": case.reference
        }
        Notification.objects.create(user=user, message=message, link=link)
    if user.email:
        send_mail(
            subject=_("A case has been assigned to you"),
            message=message + "\n" + settings.SITE_URL.rstrip("/") + link,
            from_email=None,
            recipient_list=[user.email],
        )
