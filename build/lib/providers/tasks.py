"""Background work for the directory. Tasks take ids and re-read state."""

from celery import shared_task

from providers.hsds import write
from providers.models import ImportRun


# outbox_atomic=False: the import commits its own progress (the progress page reads it).
@shared_task(acks_late=True, outbox_atomic=False)
def import_directory(run_id: int) -> None:
    """Run a queued HSDS import; a run that has already started is left alone (redelivery)."""
    run = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PENDING).first()
    if run is None:
        return
    write.run_import(run)
