"""The transactional outbox: side effects are rows in the change's transaction, performed once.

In-process here (no broker); tests/casework/test_outbox_broker.py runs the same path through a
real Redis and worker, with the broker down and workers killed.
"""

import datetime
import logging

import pytest
from celery import shared_task
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework import outbox, workflow
from casework.models import Notification, OutboxMessage, Task
from tests.factories import CaseFactory

Status = OutboxMessage.Status


@shared_task(name="tests.outbox.always_fails")
def always_fails(case_id: int) -> None:
    """A job whose every run fails (a bug, or a partner that keeps refusing)."""
    Notification.objects.create(user_id=None, message="never")  # violates NOT NULL


@pytest.mark.django_db
def test_assigning_a_case_writes_its_notification_as_an_outbox_row(alice, sam, north,
                                                                    django_capture_on_commit_callbacks):
    case = CaseFactory(team=north)
    with django_capture_on_commit_callbacks(execute=False):
        workflow.assign_case(case, alice, actor=sam)
    message = OutboxMessage.objects.get()
    assert message.task == "casework.tasks.notify_assignment"
    assert message.kwargs == {"case_id": case.pk, "user_id": alice.pk}
    assert message.status == Status.PENDING
    assert not Task.objects.exists()  # nothing happens before the commit


@pytest.mark.django_db
def test_a_change_that_rolls_back_leaves_no_side_effect(alice, sam, north):
    case = CaseFactory(team=north)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.assign_case(case, alice, actor=sam)
        raise RuntimeError("the rest of the request failed")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_message_is_performed_once_however_often_it_is_delivered(alice, sam, north,
                                                                   django_capture_on_commit_callbacks):
    case = CaseFactory(team=north)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign_case(case, alice, actor=sam)
    message = OutboxMessage.objects.get()
    assert outbox.deliver(message.pk) is False  # a redelivered copy
    message.refresh_from_db()
    assert message.status == Status.DONE and message.done_at is not None
    assert Notification.objects.filter(user=alice).count() == 1
    assert Task.objects.filter(owner=alice, case=case).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_enqueue_refuses_an_unknown_task():
    with pytest.raises(ValueError, match="not a registered Celery task"):
        outbox.enqueue("casework.tasks.no_such_task", case_id=1)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_failing_job_is_retried_with_backoff_then_parked_with_an_alert(
    settings, adam, north, caplog, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 10
    case = CaseFactory(team=north)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(always_fails, case_id=case.pk)
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error == "IntegrityError"  # the class name only, never its text
    wait = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=8) < wait <= datetime.timedelta(seconds=10)

    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 2)
    wait = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=18) < wait <= datetime.timedelta(seconds=20)  # doubled

    with caplog.at_level(logging.ERROR, logger="casework.alerts"):
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DEAD, 3)
    (alert,) = [r for r in caplog.records if r.name == "casework.alerts"]
    assert "dead letter" in alert.getMessage() and "tests.outbox.always_fails" in alert.getMessage()
    notice = Notification.objects.get(user=adam)
    assert str(message.pk) in notice.message and "dead" in notice.link
    assert outbox.deliver(message.pk) is False  # parked: nothing runs it again by itself


def test_backoff_doubles_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 10
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    assert [outbox.delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        10, 20, 40, 60, 60]


@pytest.mark.django_db
def test_the_admin_sees_dead_letters_and_can_retry_them(client, adam, north):
    message = OutboxMessage.objects.create(task="casework.tasks.notify_assignment",
                                           kwargs={"case_id": 1, "user_id": 1},
                                           status=Status.DEAD, attempts=8,
                                           last_error="SMTPException")
    client.force_login(adam)
    url = reverse("admin:casework_outboxmessage_changelist")
    page = client.get(url + "?status__exact=dead")
    assert page.status_code == 200
    assert "casework.tasks.notify_assignment" in page.content.decode()
    response = client.post(url, {"action": "requeue", "_selected_action": [message.pk]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "audrey", "pat"])
def test_nobody_else_sees_the_outbox(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:casework_outboxmessage_changelist"))
    assert response.status_code in (302, 403)
