"""Nothing lost, nothing twice: side effects across a broker outage and killed processes.

Against the real Redis (CELERY_BROKER_URL) through a port the test closes and opens, with a
real worker and relay run as deployment runs them (`celery worker`, `manage.py relay_outbox`).
"""

import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse

from casework import workflow
from casework.models import Case, Notification, OutboxMessage, Task
from referrals.models import ProviderReferral, Referral
from tests.brokerkit import BrokerPort, Processes, wait_until
from tests.factories import CaseFactory, sharing_consent
from tests.referrals.test_public_referral import VALID

pytestmark = [
    pytest.mark.broker,
    pytest.mark.postgres,  # the worker shares the test database: a file or server, not memory
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("broker"),  # one test worker owns the broker at a time
]
Status = OutboxMessage.Status


@pytest.fixture
def broker(require_broker):
    port = BrokerPort(require_broker)
    yield port
    port.close()


@pytest.fixture
def processes(broker, tmp_path):
    running = Processes(broker, tmp_path, queue=f"outbox-test-{uuid.uuid4().hex[:8]}")
    yield running
    running.stop_all()


def all_done():
    return not OutboxMessage.objects.exclude(status=Status.DONE).exists()


def test_with_the_broker_down_changes_answer_normally_and_every_effect_arrives_once_after(
    client, broker, processes, alice, sam, ivy, pat, north, mentoring
):
    # The broker's port is closed: nothing listens there.
    case = CaseFactory(team=north, stage=Case.Stage.SERVICE_PLAN)
    client.force_login(sam)
    assigned = client.post(reverse("case-assign", args=[case.reference]),
                           {"caseworker": alice.pk})
    sharing_consent(case, by=alice, organization=mentoring.organization)
    client.force_login(alice)
    sent = client.post(reverse("provider-referral-new", args=[case.reference]),
                       {"service": mentoring.pk, "share": ["first_name", "need"],
                        "need": "A mentor.", "contact": "caseworker"})
    client.logout()
    public = client.post("/referrals/public/", {**VALID, "urgency": "immediate"})

    assert [assigned.status_code, sent.status_code, public.status_code] == [302, 302, 302]
    assert ProviderReferral.objects.count() == 1 and Referral.objects.count() == 1
    waiting = set(OutboxMessage.objects.values_list("task", flat=True))
    assert {"casework.tasks.notify_assignment", "referrals.tasks.notify_provider_referral_event",
            "referrals.tasks.notify_immediate_risk"} <= waiting
    assert processes.relay_once() == 0  # the broker is down: everything waits, nothing is lost
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.PENDING, 0)}
    assert not Notification.objects.exists()

    broker.open()
    processes.worker()
    assert processes.relay_once() == len(waiting)
    wait_until(all_done, what="delivery of the backlog")
    assert processes.relay_once() == 0  # nothing is sent twice

    for person in (alice, pat, ivy):
        assert Notification.objects.filter(user=person).count() == 1, person
        assert processes.emails_to(person.email) == 1, person
    assert Task.objects.filter(owner=alice, case=case, kind=Task.Kind.REVIEW_NEW_CASE).count() == 1


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    broker, processes, alice, sam, north
):
    case = CaseFactory(team=north)
    with transaction.atomic():
        workflow.assign_case(case, alice, actor=sam)
    broker.open()
    worker = processes.worker()
    with transaction.atomic(), connection.cursor() as cursor:
        # Hold off new notifications: the worker claims the message and writes the task, then
        # waits inside its transaction to write the notice. (Not a row lock on alice: foreign
        # keys are checked at commit, so a row lock would stop the worker only after it had
        # already sent its email.)
        cursor.execute("LOCK TABLE casework_notification IN SHARE ROW EXCLUSIVE MODE")
        assert processes.relay_once() == 1
        wait_until(lambda: _backends_waiting_on_a_lock() == 1, what="the worker blocking")
        worker.kill()  # SIGKILL: no clean-up, no acknowledgement
        worker.wait()
    assert OutboxMessage.objects.get().status == Status.SENT  # its transaction never committed
    assert not Task.objects.exists() and not Notification.objects.exists()

    processes.worker()
    # Redelivered by the broker (the unacknowledged message is restored) or by the relay (sent
    # again once OUTBOX_REDELIVER_SECONDS, 3 s here, have passed): either way, performed once.
    processes.relay_loop()
    wait_until(all_done, what="redelivery after the worker died")
    assert Task.objects.filter(owner=alice, case=case).count() == 1
    assert Notification.objects.filter(user=alice).count() == 1
    assert processes.emails_to(alice.email) == 1


def test_a_relay_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    broker, processes, alice, sam, north
):
    cases = [CaseFactory(team=north) for _ in range(15)]
    with transaction.atomic():
        for case in cases:
            workflow.assign_case(case, alice, actor=sam)
    broker.open()
    processes.worker()
    relay = processes.relay_loop()
    wait_until(lambda: OutboxMessage.objects.exclude(status=Status.PENDING).exists(),
               what="the relay starting")
    relay.kill()  # SIGKILL, part way through the batch
    relay.wait()
    processes.relay_loop()
    wait_until(all_done, what="delivery after the relay died")
    for case in cases:
        assert Task.objects.filter(owner=alice, case=case).count() == 1
    assert Notification.objects.filter(user=alice).count() == len(cases)
    assert processes.emails_to(alice.email) == len(cases)


def _backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]
