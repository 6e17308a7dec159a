"""Start an import in the background, in the embedded default too."""

import threading

from django.conf import settings
from django.db import connections, transaction

from casework import outbox
from providers.models import ImportRun


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
    # The task module sits above this one; imported here, at call time, to hand the run over.
    from providers import tasks

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.PROVIDERS_IMPORT_THREAD:
        transaction.on_commit(lambda: _thread(tasks.import_directory, run_id).start())
    else:
        outbox.enqueue(tasks.import_directory, run_id=run_id)


def _thread(task, run_id: int) -> threading.Thread:
    def work():
        try:
            task(run_id)
        finally:
            connections.close_all()  # this thread's connections, not the request's

    return threading.Thread(target=work, name=f"hsds-import-{run_id}", daemon=True)
