"""Turning subscriptions, messages and delivery attempts into the webhooks API's dicts.

Kept apart from the handlers so every operation answers the same shapes, and so the
secret is put in exactly two answers (creation, rotation) and nowhere else. The
catalogue's examples are wrapped in the CloudEvents envelope a receiver gets.
"""

from __future__ import annotations

from django.db.models import QuerySet

from mpp.integrations.models import DeliveryAttempt, Subscription, WebhookMessage
from mpp.integrations.webhooks import catalogue

EXAMPLE_MALL = "mpp-majalengka"
EXAMPLE_SUBJECT = "48213"
EXAMPLE_TIME = "2026-12-07T02:15:04.118Z"
EXAMPLE_WEBHOOK_ID = "msg_2b9f0c1d4e5f4a6b8c7d9e0f1a2b3c4d"


def subscriptions_of(client) -> QuerySet[Subscription]:
    """The client's own subscriptions with what their answer shows."""
    return Subscription.objects.filter(client_id=client.pk).select_related(
        "mall", "agency", "service"
    )


def subscription_out(subscription: Subscription) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": list(subscription.events or []),
        "description": subscription.description,
        "status": subscription.status,
        "disabled_reason": subscription.disabled_reason,
        "disabled_at": subscription.disabled_at,
        "paused_until": subscription.paused_until,
        "previous_secret_valid_until": subscription.previous_secret_until,
        "created_at": subscription.created_at,
        "mall": subscription.mall.code if subscription.mall_id else None,
        "agency": subscription.agency.code if subscription.agency_id else None,
        "service": subscription.service.code if subscription.service_id else None,
    }


def created_out(subscription: Subscription, secret: str) -> dict:
    """The one answer that carries the new secret."""
    return {**subscription_out(subscription), "secret": secret}


def delivery_out(attempt: DeliveryAttempt) -> dict:
    message = attempt.message
    return {
        "id": attempt.pk,
        "webhook_id": message.webhook_id,
        "event_type": message.event_type,
        "subject": message.subject,
        "attempt": attempt.number,
        "started_at": attempt.started_at,
        "outcome": attempt.outcome,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
    }


def message_out(message: WebhookMessage) -> dict:
    return {
        "id": message.pk,
        "webhook_id": message.webhook_id,
        "type": message.event_type,
        "subject": message.subject,
        "occurred_at": message.occurred_at,
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "delivered_at": message.delivered_at,
        "last_status_code": message.last_status_code,
        "last_error": message.last_error,
    }


def page(rows: QuerySet, render, *, before: int | None, limit: int) -> dict:
    """Newest first, `limit` rows older than the `before` id; `next` is the cursor of
    the following page (None when there is none)."""
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(rows.order_by("-pk")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return {"items": [render(r) for r in found], "next": found[-1].pk if more else None}


def example_envelope(event_type) -> dict:
    """What a receiver gets for this type (CloudEvents 1.0), with the catalogue's data."""
    data = dict(event_type.example or {})
    data.setdefault("mall", EXAMPLE_MALL)
    return {
        "specversion": "1.0",
        "id": EXAMPLE_WEBHOOK_ID,
        "type": event_type.name,
        "source": f"/api/v1/malls/{EXAMPLE_MALL}",
        "subject": EXAMPLE_SUBJECT,
        "time": EXAMPLE_TIME,
        "datacontenttype": "application/json",
        "mppeventid": 901733,
        "data": data,
    }


def event_types_out() -> dict:
    """The catalogue, by family and name."""
    items = []
    for name in sorted(catalogue.EVENT_TYPES):
        event_type = catalogue.EVENT_TYPES[name]
        items.append(
            {
                "name": event_type.name,
                "family": event_type.family,
                "description": str(event_type.description),
                "operation": catalogue.FAMILY_OPERATION.get(event_type.family),
                "example": example_envelope(event_type),
            }
        )
    return {"items": items}
