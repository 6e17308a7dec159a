"""Background work through a real broker and worker (CI's PostgreSQL pass sets the broker)."""

import time

import pytest
from django.db import transaction

from casework import workflow
from casework.celery import app
from casework.models import Notification, Task
from casework.outbox.delivery import relay
from tests.factories import CaseFactory


def test_the_embedded_default_runs_tasks_in_process(settings):
    assert (not settings.CELERY_BROKER_URL) == settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CELERY_TASK_EAGER_PROPAGATES


def test_tasks_are_acknowledged_late_and_redelivered_if_a_worker_dies():
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    assert app.conf.task_serializer == "json"


@pytest.mark.broker
@pytest.mark.xdist_group("broker")  # one test worker owns the broker at a time
# serialized_rollback: a transactional test before this one may have flushed migration data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_gives_the_new_caseworker_a_task(require_broker, alice, sam, north):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    case = CaseFactory(team=north)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            workflow.assign_case(case, alice, actor=sam)
        deadline = time.monotonic() + 20
        while not Task.objects.filter(owner=alice, case=case).exists():
            assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
            relay()  # what beat's relay does: hand the outbox row to the broker
            time.sleep(0.1)
    assert Notification.objects.filter(user=alice).count() == 1
