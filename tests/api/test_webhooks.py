"""Webhooks: signed, minimal, through the outbox. A real HTTP receiver on 127.0.0.1 in a thread
checks the signature; a receiver that was down gets the event once it is up; events arrive in
order; and no personal data leaves (a canary in the person's name and the shared summary)."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscriber
from casework.outbox.models import OutboxMessage
from referrals import outgoing

SECRET = "test-webhook-secret-0123456789"
CANARY = "Zebulonqx"


class Receiver:
    """A partner's endpoint: records each request, answers 204."""

    def __init__(self, port):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def subscriber(riverside, port):
    return WebhookSubscriber.objects.create(organization=riverside,
                                            url=f"http://127.0.0.1:{port}/hook", secret=SECRET)


def _pending():
    return list(OutboxMessage.objects.filter(task="api.tasks.deliver_webhook",
                                             status="pending").order_by("pk"))


def _deliver_all():
    from casework import outbox

    for message in _pending():
        outbox.deliver(message.pk)


@pytest.fixture
def canary_referral(alice, north, riverside):
    from casework.models import Case
    from tests.factories import CaseFactory, PersonFactory, ServiceFactory, sent_provider_referral

    person = PersonFactory(first_name=CANARY, last_name=f"{CANARY}son")
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN, person=person)
    service = ServiceFactory(organization=riverside, category="mentoring")
    return sent_provider_referral(case, service, by=alice, need=f"{CANARY} needs a mentor.")


def test_a_stopped_receiver_gets_the_event_once_it_is_up_signed_and_without_personal_data(
        subscriber, port, pat, django_capture_on_commit_callbacks, alice, north, riverside):
    from casework.models import Case
    from tests.factories import CaseFactory, PersonFactory, ServiceFactory, sent_provider_referral

    with django_capture_on_commit_callbacks(execute=True):  # the receiver is not running
        person = PersonFactory(first_name=CANARY, last_name=f"{CANARY}son")
        case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN,
                           person=person)
        service = ServiceFactory(organization=riverside, category="mentoring")
        referral = sent_provider_referral(case, service, by=alice,
                                          need=f"{CANARY} needs a mentor.")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    message = OutboxMessage.objects.get(task="api.tasks.deliver_webhook")
    assert (message.status, message.attempts, message.last_error) == (
        "pending", 1, "WebhookNotDelivered")  # retried later, with backoff

    receiver = Receiver(port)
    try:
        _deliver_all()
    finally:
        receiver.stop()

    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert webhooks.verify(SECRET, body, headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify("another secret", body, headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify(SECRET, body + b" ", headers[webhooks.SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "provider_referral.created"
    assert payload["provider_referral"] == referral.reference
    assert payload["status"] == "requested"
    everything = (body + json.dumps(headers).encode()).decode()
    assert CANARY not in everything and "mentor" not in everything
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.delivered_at is not None
    message.refresh_from_db()
    assert message.status == "done"


def test_events_arrive_in_order(subscriber, port, canary_referral, pat,
                                django_capture_on_commit_callbacks):
    from casework import outbox

    WebhookDelivery.objects.update(status="delivered")  # the creation event went earlier
    with django_capture_on_commit_callbacks(execute=True):
        outgoing.accept(canary_referral, actor=pat)
    with django_capture_on_commit_callbacks(execute=True):
        outgoing.start(canary_referral, actor=pat)
    first, second = _pending()[-2:]  # after the creation event's (already delivered)
    receiver = Receiver(port)
    try:
        outbox.deliver(second.pk)  # the later event waits for the earlier one
        assert receiver.received == []
        outbox.deliver(first.pk)
        outbox.deliver(second.pk)
    finally:
        receiver.stop()
    statuses = [json.loads(body)["status"] for _headers, body in receiver.received]
    assert statuses == ["accepted", "in-progress"]


def test_other_organisations_subscribers_hear_nothing(subscriber, elsewhere_referral):
    assert not WebhookDelivery.objects.exists()


def test_a_subscriber_may_choose_its_events(subscriber, riverside_referral, pat,
                                            django_capture_on_commit_callbacks):
    subscriber.events = ["provider_referral.created"]
    subscriber.save()
    WebhookDelivery.objects.all().delete()
    outgoing.accept(riverside_referral, actor=pat)
    assert not WebhookDelivery.objects.exists()


def test_the_secret_is_encrypted_at_rest(subscriber):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM api_webhooksubscriber")
        (stored,) = cursor.fetchone()
    assert SECRET not in stored


@pytest.mark.django_db
def test_a_screened_referral_tells_the_organisation_that_sent_it_and_no_one_else(
        subscriber, riverside, ivy):
    from referrals import workflow
    from tests.factories import OrganizationFactory, ReferralFactory

    sent = ReferralFactory(referrer_organization=riverside, first_name=CANARY)
    other = ReferralFactory(referrer_organization=OrganizationFactory(name="Elsewhere"))
    workflow.screen_referral(sent, "decline", actor=ivy, reason=f"{CANARY} is known to us.")
    workflow.screen_referral(other, "decline", actor=ivy, reason="No concern.")
    (delivery,) = WebhookDelivery.objects.filter(event="referral.status_changed")
    assert delivery.subscriber == subscriber
    assert set(delivery.payload) == {"referral", "status", "occurred_at"}
    assert delivery.payload["referral"] == sent.reference
    assert delivery.payload["status"] == "declined"
    assert CANARY not in webhooks.body_of(delivery).decode()
