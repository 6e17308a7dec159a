"""Start an import in the background, in the embedded default too."""

import threading

from celery import current_app
from django.conf import settings
from django.db import connections, transaction

from casework import outbox
from providers.models import ImportRun

IMPORT_TASK = "providers.tasks.import_directory"


def start_import(*, upload, actor, all_or_nothing: bool = False) -> ImportRun:
    """Keep the uploaded file, record the run and queue it for after the commit."""
    run = ImportRun(started_by=actor, file_name=upload.name[:200], all_or_nothing=all_or_nothing)
    run.source.save(upload.name[-80:], upload, save=False)
    run.save()
    enqueue_import(run.pk)
    return run


def enqueue_import(run_id: int) -> None:
    """Run the import after commit: through the outbox to the worker when there is a broker,
    else on a thread of this process, so the request returns at once and the progress page can
    follow. The one place that hands an import to the background."""
    # Named, not imported: the task module sits above this one and calls down into it.
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.PROVIDERS_IMPORT_THREAD:
        task = current_app.tasks[IMPORT_TASK]
        transaction.on_commit(lambda: _thread(task, run_id).start())
    else:
        outbox.enqueue(IMPORT_TASK, run_id=run_id)


def _thread(task, run_id: int) -> threading.Thread:
    def work():
        try:
            task(run_id)
        finally:
            connections.close_all()  # this thread's connections, not the request's

    return threading.Thread(target=work, name=f"hsds-import-{run_id}", daemon=True)
