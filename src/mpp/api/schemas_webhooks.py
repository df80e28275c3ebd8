"""Request and response shapes of the webhooks API (issue 13: agency systems).

An agency system (an API client, `Authorization: Bearer mppc_...`) manages its own
webhook subscriptions, reads its delivery log and asks for messages to be sent again.
These shapes are the published contract and generate the committed OpenAPI spec, so
statuses and outcomes are spelled out here (tests check they match
mpp.integrations.models); every schema carries an example for the docs page.

Secrets: a subscription's signing secret appears only in the answer that creates it
(SubscriptionCreatedOut) and in the answer of a rotation (SecretOut), never in a list
or a read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from mpp.api.schemas import CODE_MAX, CODE_PATTERN

SubscriptionStatusName = Literal["active", "disabled"]
MessageStatusName = Literal["pending", "sending", "delivered", "failed", "dead", "cancelled"]
OutcomeName = Literal["delivered", "failed", "timeout", "gone"]

# Text a client sends that ends up in the database: no control characters (PostgreSQL
# refuses NUL bytes; the others have no business in a URL, a pattern or a label).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
URL_MAX = 500
DESCRIPTION_MAX = 200
EVENTS_MAX = 50
PAGE_MAX = 100

EXAMPLE_ID = "6f1c2a8e-1b7d-4c55-9a3e-2f4b8d0c9e71"
EXAMPLE_URL = "https://siak.example.go.id/mpp/webhook"
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EXAMPLE_WEBHOOK_ID = "msg_2b9f0c1d4e5f4a6b8c7d9e0f1a2b3c4d"
EXAMPLE_CREATED = "2026-12-07T02:10:00Z"


def _example(example: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


# An event type, a family ("ticket.*") or "*"; which exist is the catalogue's to say.
EventName = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=PLAIN_TEXT)]


class SubscriptionIn(Schema):
    """A new subscription: where to send, what, and optionally only one mall, agency
    or service (codes; each must lie within the client's own scope)."""

    model_config = _example(
        {
            "url": EXAMPLE_URL,
            "events": ["case.*", "ticket.finished"],
            "description": "SIAK Majalengka",
            "mall": "mpp-majalengka",
        }
    )

    url: str = Field(
        ...,
        min_length=1,
        max_length=URL_MAX,
        pattern=PLAIN_TEXT,
        description="HTTPS only (http://127.0.0.1 or localhost only on a server run with "
        "MPP_WEBHOOK_ALLOW_HTTP=1). 422 invalid_url otherwise.",
    )
    events: list[EventName] = Field(
        ...,
        min_length=1,
        max_length=EVENTS_MAX,
        description='Event types ("case.completed"), whole families ("ticket.*") or "*" '
        "(every family the client's operations allow); see GET /webhooks/event-types. "
        "422 invalid_events for an unknown type or a family the client may not read.",
    )
    description: str = Field("", max_length=DESCRIPTION_MAX, pattern=PLAIN_TEXT)
    mall: str | None = Field(
        None,
        min_length=1,
        max_length=60,
        pattern=CODE_PATTERN,
        description="Only events of this mall (its code; one of the client's malls).",
    )
    agency: str | None = Field(
        None,
        min_length=1,
        max_length=60,
        pattern=CODE_PATTERN,
        description="Only events of this agency (its code; the client's own agency).",
    )
    service: str | None = Field(
        None,
        min_length=1,
        max_length=CODE_MAX,
        pattern=CODE_PATTERN,
        description="Only events of this service (its code; one of the client's agency).",
    )


class SubscriptionPatch(Schema):
    """What changes; a field left out (or null) stays as it is."""

    model_config = _example({"events": ["case.*", "ticket.*"], "description": "SIAK (test)"})

    url: str | None = Field(None, min_length=1, max_length=URL_MAX, pattern=PLAIN_TEXT)
    events: list[EventName] | None = Field(None, min_length=1, max_length=EVENTS_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX, pattern=PLAIN_TEXT)


_SUBSCRIPTION_EXAMPLE = {
    "id": EXAMPLE_ID,
    "url": EXAMPLE_URL,
    "events": ["case.*", "ticket.finished"],
    "description": "SIAK Majalengka",
    "status": "active",
    "disabled_reason": "",
    "disabled_at": None,
    "paused_until": None,
    "previous_secret_valid_until": None,
    "created_at": EXAMPLE_CREATED,
    "mall": "mpp-majalengka",
    "agency": None,
    "service": None,
}


class SubscriptionOut(Schema):
    """A subscription as its client sees it (never its secret)."""

    model_config = _example(_SUBSCRIPTION_EXAMPLE)

    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    status: SubscriptionStatusName = Field(
        ..., description='"disabled" after a 410 answer, too many dead letters or by an admin.'
    )
    disabled_reason: str
    disabled_at: dt.datetime | None
    paused_until: dt.datetime | None = Field(
        ..., description="Deliveries wait until then (a failing or throttling receiver)."
    )
    previous_secret_valid_until: dt.datetime | None = Field(
        ..., description="After a rotation, the old secret also signs until then."
    )
    created_at: dt.datetime
    mall: str | None = Field(..., description="Filter: the mall's code.")
    agency: str | None = Field(..., description="Filter: the agency's code.")
    service: str | None = Field(..., description="Filter: the service's code.")


class SubscriptionCreatedOut(SubscriptionOut):
    """The new subscription with its signing secret, shown only this once."""

    model_config = _example({**_SUBSCRIPTION_EXAMPLE, "secret": EXAMPLE_SECRET})

    secret: str = Field(
        ...,
        description="Standard Webhooks signing secret (whsec_...): keep it, it is shown "
        "only now (and a new one on rotation).",
    )


class SubscriptionListOut(Schema):
    model_config = _example({"items": [_SUBSCRIPTION_EXAMPLE]})

    items: list[SubscriptionOut]


class SecretOut(Schema):
    """A rotated secret: the old one keeps signing until `previous_valid_until`."""

    model_config = _example(
        {"secret": EXAMPLE_SECRET, "previous_valid_until": "2026-12-08T02:10:00Z"}
    )

    secret: str
    previous_valid_until: dt.datetime | None


_DELIVERY_EXAMPLE = {
    "id": 90311,
    "webhook_id": EXAMPLE_WEBHOOK_ID,
    "event_type": "ticket.called",
    "subject": "ticket/48213",
    "attempt": 2,
    "started_at": "2026-12-07T02:15:09.402Z",
    "outcome": "delivered",
    "status_code": 200,
    "latency_ms": 84,
    "response_excerpt": '{"ok":true}',
    "error": "",
}


class DeliveryOut(Schema):
    """One HTTP attempt to deliver a message."""

    model_config = _example(_DELIVERY_EXAMPLE)

    id: int = Field(..., description="The attempt's id (the `before` cursor).")
    webhook_id: str
    event_type: str
    subject: str = Field(..., description='What the event is about: "ticket/48213".')
    attempt: int = Field(..., description="1 for the first attempt of the message.")
    started_at: dt.datetime
    outcome: OutcomeName
    status_code: int | None = Field(..., description="The receiver's HTTP status, if any.")
    latency_ms: int
    response_excerpt: str = Field(..., description="At most 500 characters of the answer.")
    error: str = Field(..., description="A timeout or connection error, in words.")


class DeliveryPageOut(Schema):
    model_config = _example({"items": [_DELIVERY_EXAMPLE], "next": 90311})

    items: list[DeliveryOut]
    next: int | None = Field(
        ..., description="Pass as `before` for the next (older) page; null: no more."
    )


_MESSAGE_EXAMPLE = {
    "id": 55120,
    "webhook_id": EXAMPLE_WEBHOOK_ID,
    "type": "ticket.called",
    "subject": "ticket/48213",
    "occurred_at": "2026-12-07T02:15:04.118Z",
    "status": "delivered",
    "attempts": 2,
    "next_attempt_at": "2026-12-07T02:15:09.300Z",
    "delivered_at": "2026-12-07T02:15:09.486Z",
    "last_status_code": 200,
    "last_error": "",
}


class WebhookMessageOut(Schema):
    """One event for this subscription (the same webhook id on every retry and replay)."""

    model_config = _example(_MESSAGE_EXAMPLE)

    id: int = Field(..., description="The message's id (the `before` cursor).")
    webhook_id: str
    type: str
    subject: str
    occurred_at: dt.datetime
    status: MessageStatusName = Field(
        ..., description="dead: given up after the last retry; replay it to send it again."
    )
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_status_code: int | None
    last_error: str


class WebhookMessagePageOut(Schema):
    model_config = _example({"items": [_MESSAGE_EXAMPLE], "next": None})

    items: list[WebhookMessageOut]
    next: int | None = Field(
        ..., description="Pass as `before` for the next (older) page; null: no more."
    )


class ReplayIn(Schema):
    """A time range [from, to) of the events' own times (at most 31 days, 10,000 messages)."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"}]
        },
    )

    start: dt.datetime = Field(..., alias="from", description="Inclusive (RFC 3339).")
    end: dt.datetime = Field(..., alias="to", description="Exclusive (RFC 3339).")


class ReplayOut(Schema):
    model_config = _example({"queued": 42})

    queued: int = Field(
        ..., description="Delivered, dead or cancelled messages sent again, same webhook ids."
    )


_ENVELOPE_EXAMPLE = {
    "specversion": "1.0",
    "id": EXAMPLE_WEBHOOK_ID,
    "type": "ticket.called",
    "source": "/api/v1/malls/mpp-majalengka",
    "subject": "48213",
    "time": "2026-12-07T02:15:04.118Z",
    "datacontenttype": "application/json",
    "mppeventid": 901733,
    "data": {"number": "B-017", "booth_id": 3, "mall": "mpp-majalengka"},
}


_EVENT_TYPE_EXAMPLE = {
    "name": "ticket.called",
    "family": "ticket",
    "description": "A ticket was called to a counter.",
    "operation": "ticket.read",
    "example": _ENVELOPE_EXAMPLE,
}


class EventTypeOut(Schema):
    model_config = _example(_EVENT_TYPE_EXAMPLE)

    name: str
    family: str
    description: str
    operation: str | None = Field(
        ..., description="The client operation needed to subscribe; null: any client."
    )
    example: dict[str, Any] = Field(..., description="A CloudEvents 1.0 envelope as sent.")


class EventTypeListOut(Schema):
    model_config = _example({"items": [_EVENT_TYPE_EXAMPLE]})

    items: list[EventTypeOut]
