"""Write, relay and perform outbox messages.

Delivery is at least once: the relay marks a row SENT and publishes it; a worker that dies
before finishing leaves it SENT, and the relay sends it again after OUTBOX_REDELIVER_SECONDS.
The effect is once: the worker claims the row (SENT -> DONE) in the transaction that runs the
task, so a second copy waits for the first to commit and then finds nothing to do.
"""

import datetime
import functools
import logging

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import notify, roles
from casework.outbox.models import OutboxMessage

logger = logging.getLogger("casework.outbox")
alerts = logging.getLogger("casework.alerts")

Status = OutboxMessage.Status
DELIVER_TASK = "casework.outbox.deliver"


def enqueue(task, **kwargs) -> OutboxMessage:
    """Record `task(**kwargs)` to run after the current transaction commits.

    `kwargs` must be ids and codes: the row and the broker message are not encrypted.
    """
    name = task if isinstance(task, str) else task.name
    if name not in current_app.tasks:
        raise ValueError(f"{name!r} is not a registered Celery task.")
    message = OutboxMessage.objects.create(task=name, kwargs=kwargs)
    if current_app.conf.task_always_eager:
        # No broker (tests, plain runserver): perform it in-process once the change commits.
        transaction.on_commit(functools.partial(deliver, message.pk))
    return message


def relay(*, limit: int = 200, now: datetime.datetime | None = None) -> int:
    """Publish due messages, oldest first; return how many went out.

    Stops at the first broker error and leaves the rest PENDING: a broker outage is not the
    messages' fault, so it costs them no attempt; the next run starts again from the oldest.
    """
    now = now or timezone.now()
    due_ids = list(
        OutboxMessage.objects.filter(
            status__in=[Status.PENDING, Status.SENT], next_attempt_at__lte=now
        ).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in due_ids:
        try:
            sent += _publish_one(message_id, now)
        except Exception as error:  # the broker's errors vary by transport
            logger.warning("outbox relay: broker unavailable (%s); %d message(s) wait",
                           type(error).__name__, len(due_ids) - sent)
            break
    return sent


def _publish_one(message_id: int, now) -> int:
    with transaction.atomic():
        # Lock the row while publishing (PostgreSQL; a second relay skips it), so the worker's
        # claim waits until SENT is committed and cannot be overwritten by it.
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status__in=[Status.PENDING, Status.SENT],
                    next_attempt_at__lte=now).first()
        )
        if message is None:
            return 0  # done meanwhile, or another relay has it
        if message.status == Status.SENT and message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            # Sent that many times and never finished: it kills its worker, or times out.
            _park(message, error="WorkerLost")
            return 0
        message.status = Status.SENT
        message.attempts += 1
        message.next_attempt_at = now + datetime.timedelta(
            seconds=settings.OUTBOX_REDELIVER_SECONDS
        )
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        # retry=False: fail at once when the broker is down, rather than hold the row lock.
        current_app.send_task(DELIVER_TASK, args=[message.pk], task_id=str(message.key),
                              retry=False)
    return 1


def deliver(message_id: int) -> bool:
    """Perform one message; return False if there was nothing to do (a redelivered copy).

    A failing task is recorded and retried with backoff, then parked; it is never re-raised
    into the worker, which has nothing better to do with it.
    """
    message = OutboxMessage.objects.filter(
        pk=message_id, status__in=[Status.PENDING, Status.SENT]
    ).first()
    if message is None:
        return False
    task = current_app.tasks[message.task]
    try:
        if getattr(task, "outbox_atomic", True):
            with transaction.atomic():
                if not _claim(message_id):
                    return False
                task.run(**message.kwargs)
        else:
            # A long job that commits its own progress (a directory import) and is idempotent
            # by its own state: run it, then mark the message done.
            task.run(**message.kwargs)
            _claim(message_id)
    except Exception as error:
        logger.exception("outbox message %s failed", message_id)
        _record_failure(message_id, error)
        return False
    return True


def _claim(message_id: int) -> bool:
    # This UPDATE waits for any other copy's transaction (the row lock on PostgreSQL, the write
    # lock on SQLite), then matches nothing if that copy committed: the effect happens once.
    return bool(OutboxMessage.objects.filter(
        pk=message_id, status__in=[Status.PENDING, Status.SENT]
    ).update(status=Status.DONE, done_at=timezone.now()))


def _record_failure(message_id: int, error: Exception) -> None:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status in (Status.DONE, Status.DEAD):
            return
        if message.status == Status.PENDING:
            message.attempts += 1  # performed in-process: the relay did not count this try
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _park(message, error=type(error).__name__)
            return
        message.status = Status.PENDING
        message.last_error = type(error).__name__[:200]
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before try `attempts + 1`: doubling from OUTBOX_BACKOFF_SECONDS, capped."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_MAX_SECONDS))


def _park(message: OutboxMessage, *, error: str) -> None:
    """Make it a dead letter, alert, and tell the system admins where to look."""
    message.status = Status.DEAD
    message.last_error = error[:200]
    message.save(update_fields=["status", "attempts", "last_error"])
    # Task name and id only: the kwargs are ids, but the alert goes to mail and log systems.
    alerts.error("outbox message %s (%s) failed %d times and is parked as a dead letter",
                 message.pk, message.task, message.attempts)
    link = reverse("admin:casework_outboxmessage_changelist") + "?status__exact=dead"
    text = _("A background job failed repeatedly and needs attention (dead letter %(id)s).") % {
        "id": message.pk
    }
    admins = get_user_model().objects.filter(is_active=True, groups__name=roles.ADMIN)
    notify.post(admins.distinct(), text, link)


def requeue(message: OutboxMessage) -> None:
    """Give a dead letter a fresh set of tries (the admin's action, after fixing the cause)."""
    OutboxMessage.objects.filter(pk=message.pk, status=Status.DEAD).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
