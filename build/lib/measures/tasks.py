from celery import shared_task

from measures import rollups


@shared_task(acks_late=True)
def refresh_measures():
    """Rebuild the key measures' rollup (idempotent: a rerun counts the same records)."""
    rollups.refresh()
