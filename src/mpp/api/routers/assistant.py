"""The service assistant over HTTP: a stateless chat for agency apps, the messaging
gateway's inbound webhook (WhatsApp, SMS), and Meta's WhatsApp Cloud API webhook.

Thin: parse, authorise (the webhook's shared secret; the Cloud API's signature), call
mpp.assistant (engine for the chat, services.inbound_reply for the webhooks) and
render. docs/assistant.md has the webhook contracts and the gateway formats.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema
from ninja.security import APIKeyHeader, HttpBearer

from mpp.api.lookups import mall_or_404
from mpp.api.schemas import ErrorOut, ValidationErrorOut
from mpp.assistant import engine
from mpp.assistant.cloudapi import (
    SIGNATURE_HEADER,
    notification_parse,
    signature_check,
    verify_subscription,
)
from mpp.assistant.gateways import ADAPTERS, inbound_parse
from mpp.assistant.render import API, WHATSAPP, answer_text
from mpp.assistant.services import CHANNELS, inbound_replies, inbound_reply
from mpp.assistant.throttle import assistant_throttle
from mpp.core.errors import Forbidden, NotFound
from mpp.core.links import public_base_url
from mpp.core.ratelimit import RateLimited

router = Router(tags=["assistant"])
TEXT_MAX = 500


def _mall_id(code: str | None) -> int | None:
    """The id of the mall a `mall` parameter names (404 mall_not_found); None: every mall."""
    return mall_or_404(code).pk if code is not None else None


# The stateless chat ----------------------------------------------------------------


class MessageIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX, examples=["bikin ktp"])
    mall: str | None = Field(None, max_length=60, description="Mall code; none: every mall.")
    state: dict | None = Field(
        None,
        description="The `state` of the previous answer, sent back unchanged (none: a new "
        "conversation). A state that is malformed or of another mall starts afresh.",
    )


class ChoiceOut(Schema):
    number: int
    label: str
    service: str | None = Field(None, description="Service code, when the choice is one.")


class StepOut(Schema):
    kind: str = Field(..., description="ticket, book, apply or detail.")
    label: str
    url: str | None


class ServiceOut(Schema):
    service: str = Field(..., examples=["dukcapil-ktp-el-hilang-rusak"])
    name: str
    agency: str
    mall: str | None
    booth: str | None
    fee: str = Field(..., description="As shown to citizens (Free, Rp 50.000, ...).")
    time: str
    requirements: list[str]
    more_requirements: int
    next_steps: list[StepOut]


class MessageOut(Schema):
    reply: str = Field(..., description="The whole answer as plain text (choices numbered).")
    kind: str = Field(
        ...,
        description="welcome, help, thanks, menu, question (one clarifying question), "
        "service (the conversation's answer), follow_up (an answer about that service: "
        "its fee, requirements, time, place, next steps or opening hours) or not_found.",
    )
    options: list[ChoiceOut] = Field(
        ..., description="Numbered choices; the citizen answers with a number or in words."
    )
    service: ServiceOut | None
    links: list[StepOut] = Field(
        ..., description="A follow_up's links (book online, the service's page, ...)."
    )
    state: dict = Field(..., description="Send it back with the next message.")


def _service_out(card) -> dict | None:
    if card is None:
        return None
    return {
        "service": card.code,
        "name": card.name,
        "agency": card.agency,
        "mall": card.mall or None,
        "booth": card.booth or None,
        "fee": card.fee,
        "time": card.time,
        "requirements": list(card.requirements),
        "more_requirements": card.more_requirements,
        "next_steps": [{"kind": s.kind, "label": s.label, "url": s.url} for s in card.steps],
    }


@router.post(
    "/assistant/messages",
    response={200: MessageOut, 404: ErrorOut, 422: ValidationErrorOut | ErrorOut, 429: ErrorOut},
    operation_id="assistantMessage",
)
def assistant_message(request, payload: MessageIn):
    """One message to the assistant and its answer: a service with its next steps, or
    one clarifying question with numbered options. Stateless: the client keeps `state`.

    404 mall_not_found; 429 rate_limited (per client IP) with Retry-After.
    """
    mall_id = _mall_id(payload.mall)
    limited = assistant_throttle(request)
    if not limited.allowed:
        raise RateLimited(limited.retry_after)
    state, answer = engine.reply(payload.state, payload.text, mall_id=mall_id)
    return {
        "reply": answer_text(answer, channel=API, base_url=public_base_url()),
        "kind": answer.kind,
        "options": [
            {"number": c.number, "label": c.label, "service": c.service or None}
            for c in answer.choices
        ],
        "service": _service_out(answer.service),
        "links": [{"kind": s.kind, "label": s.label, "url": s.url} for s in answer.links],
        "state": state,
    }


# The messaging webhook -------------------------------------------------------------


def _check_token(token: str) -> bool | None:
    """True for the configured secret; None without a token (401); Forbidden (403) else."""
    if not token:
        return None
    expected = settings.MPP_ASSISTANT_WEBHOOK_TOKEN
    if not expected:
        raise Forbidden(_("The assistant's webhook is not enabled."), code="webhook_disabled")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden(_("The webhook token is wrong."), code="invalid_token")
    return True


class WebhookBearer(HttpBearer):
    """The gateway's shared secret as `Authorization: Bearer <MPP_ASSISTANT_WEBHOOK_TOKEN>`."""

    def authenticate(self, request, token: str):
        return _check_token(token.strip())


class WebhookToken(APIKeyHeader):
    """The same secret in an `X-Webhook-Token` header, for gateways that cannot set
    Authorization."""

    param_name = "X-Webhook-Token"

    def authenticate(self, request, key: str | None):
        return _check_token((key or "").strip())


class WebhookOut(Schema):
    status: str = Field(
        ...,
        description="queued: the reply is in the outbox (sent by the worker through the "
        "gateway); duplicate: this message id was handled before, no second reply; "
        "rate_limited: too many messages from this sender, no reply.",
        examples=["queued"],
    )


_INBOUND_SCHEMA = {
    "type": "object",
    "required": ["from", "id"],
    "properties": {
        "from": {"type": "string", "example": "+6281234567890",
                 "description": "Sender's number (E.164, 62..., or 08...)."},
        "text": {"type": "string", "example": "bikin ktp", "description": "May be empty."},
        "id": {"type": "string", "example": "gw-msg-8812",
               "description": "The gateway's message id, the same on every retry."},
    },
}  # fmt: skip


@router.post(
    "/assistant/webhook/{channel}",
    response={
        200: WebhookOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
    auth=[WebhookBearer(), WebhookToken()],
    operation_id="assistantWebhook",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _INBOUND_SCHEMA}},
        }
    },
)
def assistant_webhook(
    request,
    channel: str = Path(..., description="whatsapp or sms"),
    mall: str | None = Query(
        None, max_length=60, description="Mall code the number serves; none: every mall."
    ),
    gateway: str = Query(
        "mpp", alias="format", max_length=30, description="Gateway format: " + ", ".join(ADAPTERS)
    ),
):
    """An inbound WhatsApp or SMS message (`channel`: whatsapp or sms) from the gateway.

    The reply is queued in the notification outbox and sent by `mpp worker` through
    the gateway; this answers at once. A retried delivery (same `id`) gets no second
    reply. 401 without the shared secret, 403 with a wrong one; 422 invalid_message
    or invalid_json for a body that is not a message; 404 unknown_channel,
    mall_not_found.
    """
    if channel not in CHANNELS:
        raise NotFound(_("Unknown channel."), code="unknown_channel")
    inbound = inbound_parse(request.body, gateway_format=gateway)
    status = inbound_reply(channel=channel, inbound=inbound, mall_id=_mall_id(mall))
    return {"status": status}


# Meta's WhatsApp Cloud API webhook -------------------------------------------------

CLOUD = "/assistant/whatsapp-cloud"


@router.get(
    CLOUD,
    response={200: None, 403: ErrorOut},
    operation_id="assistantWhatsappCloudVerify",
    openapi_extra={
        "responses": {  # int key: merged into ninja's own 200 (a "200" string was a second key)
            200: {
                "description": "The challenge, echoed as text/plain.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def whatsapp_cloud_verify(
    request,
    mode: str = Query("", alias="hub.mode", max_length=20),
    token: str = Query("", alias="hub.verify_token", max_length=200),
    challenge: str = Query("", alias="hub.challenge", max_length=200),
):
    """Meta's subscription check: `hub.mode=subscribe` with the verify token
    (`MPP_WHATSAPP_VERIFY_TOKEN`) is answered with `hub.challenge` as text/plain.

    403 invalid_token for a wrong token or mode; 403 webhook_disabled without a token
    configured.
    """
    echoed = verify_subscription(
        mode=mode, token=token, challenge=challenge, expected=settings.MPP_WHATSAPP_VERIFY_TOKEN
    )
    return HttpResponse(echoed, content_type="text/plain; charset=utf-8")


class CloudOut(Schema):
    queued: int = Field(..., description="Text messages answered (replies in the outbox).")
    duplicate: int = Field(..., description="Messages handled before (a retry): no reply.")
    rate_limited: int = Field(..., description="Messages of a flooding sender: no reply.")
    ignored: int = Field(..., description="Statuses, pictures, reactions, ...: no reply.")


_CLOUD_SCHEMA = {
    "type": "object",
    "required": ["object", "entry"],
    "description": "A WhatsApp Cloud API notification (object whatsapp_business_account); "
    "entry[].changes[].value.messages[] of type text are answered.",
    "properties": {"object": {"type": "string", "example": "whatsapp_business_account"},
                   "entry": {"type": "array", "items": {"type": "object"}}},
}  # fmt: skip


@router.post(
    CLOUD,
    response={200: CloudOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="assistantWhatsappCloud",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _CLOUD_SCHEMA}},
        }
    },
)
def whatsapp_cloud(
    request,
    signature: str | None = Header(
        None,
        alias=SIGNATURE_HEADER,
        description="sha256=<hex HMAC-SHA256 of the raw body with the app secret>",
    ),
    mall: str | None = Query(
        None, max_length=60, description="Mall code the number serves; none: every mall."
    ),
):
    """A notification of Meta's WhatsApp Cloud API, signed with the app secret
    (`MPP_WHATSAPP_APP_SECRET`). Its text messages are answered through the outbox, like
    the gateway webhook's; statuses and other message types are ignored. A retried
    delivery (same message id) gets no second reply.

    401 invalid_signature (missing or wrong signature); 403 webhook_disabled; 422
    invalid_json / invalid_message; 404 mall_not_found.
    """
    signature_check(request.body, signature, secret=settings.MPP_WHATSAPP_APP_SECRET)
    notification = notification_parse(request.body)
    counts = inbound_replies(
        channel=WHATSAPP, messages=notification.messages, mall_id=_mall_id(mall)
    )
    return {**counts, "ignored": notification.ignored}
