"""Background work of the privacy app: the nightly retention schedule (privacy/schedule.py)."""

from celery import shared_task

from privacy import schedule


@shared_task(acks_late=True)
def apply_retention() -> dict:
    """Apply the retention schedule; safe to run twice (the ledger skips what is done)."""
    return {outcome.key: outcome.done for outcome in schedule.apply()}
