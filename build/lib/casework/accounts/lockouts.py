"""Sign-in locks (django-axes): which are in force, and an admin's release of one."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit import events


def current_lockouts():
    """Username-and-address pairs locked now: AXES_FAILURE_LIMIT failures within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since,
    ).order_by("-attempt_time", "pk")


@transaction.atomic
def release(attempt_id: int, *, actor) -> None:
    attempt = current_lockouts().filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404
    # The user name may be mistyped or unknown: record the address and name as typed, no more.
    events.record(events.LOCKOUT_RELEASED, actor=actor, reference=attempt.username[:150],
                  address=attempt.ip_address)
    attempt.delete()
