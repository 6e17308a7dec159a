"""Webhooks: minimal, signed events for an organisation's subscribers, delivered by the outbox.

A payload carries references and status only, never personal data. Each delivery is signed
with the subscriber's secret: header `Casework-Signature: t=<unix time>,v1=<hex>` where the hex
is HMAC-SHA-256(secret, "<t>.<body>"); receivers recompute it and refuse old timestamps.
"""

import hashlib
import hmac
import json
import time

from django.utils import timezone

from api.models import WebhookDelivery, WebhookSubscriber
from casework import outbox

Event = WebhookSubscriber.Event
SIGNATURE_HEADER = "Casework-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (docs/api.md has the same in a few lines for partners)."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps({"id": delivery.pk, "event": delivery.event, **delivery.payload},
                      separators=(",", ":"), sort_keys=True).encode()


def publish(event: str, *, organization_id: int, payload: dict) -> list[WebhookDelivery]:
    """Queue `event` for the organisation's subscribers, in the caller's transaction."""
    from api import tasks  # the task module imports this one

    deliveries = []
    for subscriber in WebhookSubscriber.objects.filter(organization_id=organization_id,
                                                       is_active=True).order_by("pk"):
        if not subscriber.wants(event):
            continue
        delivery = WebhookDelivery.objects.create(subscriber=subscriber, event=event,
                                                  payload=payload)
        outbox.enqueue(tasks.deliver_webhook, delivery_id=delivery.pk)
        deliveries.append(delivery)
    return deliveries


def provider_referral_changed(referral, event) -> None:
    """A provider referral was sent (created) or moved (updated): tell the receiving side."""
    name = Event.PROVIDER_REFERRAL_CREATED if event.name == "send" else \
        Event.PROVIDER_REFERRAL_UPDATED
    publish(name, organization_id=referral.organization_id, payload={
        "provider_referral": referral.reference,
        "fhir_task": f"Task/{referral.reference}",
        "status": referral.status,
        "status_reason": referral.status_reason,
        "outcome": referral.outcome,
        "occurred_at": timezone.localtime(event.at).isoformat(),
    })


def referral_status_changed(referral, decision) -> None:
    """A referral was screened: tell the organisation that sent it (its reference and the new
    status, nothing of who it is about or why)."""
    if referral.referrer_organization_id is None:
        return
    publish(Event.REFERRAL_STATUS_CHANGED, organization_id=referral.referrer_organization_id,
            payload={
                "referral": referral.reference,
                "status": referral.status,
                "occurred_at": timezone.localtime(decision.at).isoformat(),
            })
