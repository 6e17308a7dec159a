"""The worker's side of the outbox: perform a message, and the periodic relay."""

from celery import shared_task

from casework.outbox import delivery


@shared_task(name=delivery.DELIVER_TASK, acks_late=True)
def deliver_outbox_message(message_id: int) -> None:
    """Perform one outbox message; a redelivered copy does nothing."""
    delivery.deliver(message_id)


@shared_task(name="casework.outbox.relay", ignore_result=True)
def relay_outbox() -> int:
    """Publish due outbox messages (beat runs this every OUTBOX_RELAY_SECONDS)."""
    return delivery.relay()
