"""Webhook delivery, run by the outbox: at least once, in order per subscriber."""

import requests
from celery import shared_task
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery

TIMEOUT_SECONDS = 5


class WebhookNotDelivered(Exception):
    """The receiver did not answer 2xx (or an earlier delivery is still waiting); the outbox
    retries with backoff and parks it as a dead letter after OUTBOX_MAX_ATTEMPTS."""


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> None:
    delivery = WebhookDelivery.objects.select_related("subscriber").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return
    # In order: never overtake an earlier event for the same subscriber.
    if WebhookDelivery.objects.filter(subscriber=delivery.subscriber, pk__lt=delivery.pk).exclude(
            status=WebhookDelivery.Status.DELIVERED).exists():
        raise WebhookNotDelivered("waiting for an earlier delivery")
    body = webhooks.body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        webhooks.SIGNATURE_HEADER: webhooks.sign(delivery.subscriber.secret, body),
        "Casework-Event": delivery.event,
        "Casework-Delivery": str(delivery.pk),
    }
    try:
        response = requests.post(delivery.subscriber.url, data=body, headers=headers,
                                 timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as error:
        # The class name only: the message may quote the receiver's address.
        raise WebhookNotDelivered(type(error).__name__) from None
    if not 200 <= response.status_code < 300:
        raise WebhookNotDelivered(f"receiver answered {response.status_code}")
    delivery.status = WebhookDelivery.Status.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.last_status_code = response.status_code
    delivery.attempts += 1
    delivery.save(update_fields=["status", "delivered_at", "last_status_code", "attempts"])
