"""The transactional outbox (docs/outbox.md).

    outbox.enqueue(tasks.notify_assignment, case_id=case.pk, user_id=user.pk)

writes an OutboxMessage in the caller's transaction: if the change rolls back, so does the
side effect; if it commits, the relay delivers it whatever the broker's state was at commit.
"""

from casework.outbox.delivery import deliver, enqueue, relay

__all__ = ["deliver", "enqueue", "relay"]
