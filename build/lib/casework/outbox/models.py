"""The outbox: every side effect is a row written in the transaction of the change causing it.

Registered under the casework app label (casework/models.py imports this module).
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["OutboxMessage"]


class OutboxMessage(models.Model):
    """One side effect to perform after its transaction commits, at least once, effect once.

    `task` names a registered Celery task; `kwargs` are ids only (never personal data). The
    relay publishes the row (SENT) and the worker performs it and marks it DONE in the same
    transaction as the task's own writes, so a redelivered copy finds DONE and does nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent to a worker")
        DONE = "done", _("Done")
        DEAD = "dead", _("Failed: gave up after retries")

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    # The delivery key: the Celery task id of every copy, and what an idempotent consumer keys on.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the relay may (re)send it: now for a new row, later after a failure (backoff), or
    # after OUTBOX_REDELIVER_SECONDS for a SENT row whose worker died before finishing it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # The exception's class name only: messages may quote personal data.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The relay's query: due PENDING/SENT rows, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self):
        return f"outbox message {self.pk} ({self.task})"
