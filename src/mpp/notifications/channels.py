"""Delivery channels: e-mail through Django's mail backend; SMS and WhatsApp through
one HTTP gateway.

Why one small adapter per channel: the worker only needs to know "sent (with the
provider's id)", "try again later" or "give up". Errors carry no personal data (no
address, no phone number, no message text), because they are stored and logged.

The gateway contract: POST JSON {"to", "message", "channel", "reference"} to
settings.MPP_SMS_GATEWAY_URL with `Authorization: Bearer <MPP_SMS_GATEWAY_TOKEN>` and
`Idempotency-Key: <reference>`, a timeout of 10 s (at most a third of the worker's
lease). 2xx: sent (the body's "id", if any, is kept as the provider id).
"reference" (equal to the Idempotency-Key header) is the message's stable id, a UUID
that is the same on every attempt of one message and differs between messages: it is
the idempotency key. A gateway that answers a repeated reference with its first answer,
without sending again, turns the outbox's "at least once" into "once" at the citizen's
phone; one that ignores it may deliver a message twice after a lost answer or a killed
worker (docs/faults.md, "## outbox").
408, 429, 5xx, timeouts, connection errors: retry. 401 and 403 (a bad or expired
token is the operator's to fix, not the message's fault): retry. Other 4xx: the
gateway refuses this message for good, so it is given up.

WhatsApp can instead go straight to Meta's WhatsApp Cloud API when
MPP_WHATSAPP_CLOUD_PHONE_ID and MPP_WHATSAPP_CLOUD_TOKEN are set (send_whatsapp_cloud):
POST {MPP_WHATSAPP_CLOUD_URL}/{phone number id}/messages with
{"messaging_product": "whatsapp", "recipient_type": "individual", "to": <digits>,
"type": "text", "text": {"body": ...}} and the access token as a bearer token; the
answer's messages[0].id (a "wamid") is the provider id. Statuses are read as above.
The Cloud API has no idempotency key: the reference goes in "biz_opaque_callback_data",
which Meta does not read but returns in the status webhooks, so a message can be traced;
a repeated attempt after a lost answer may reach the citizen twice.
A free-form text reaches a citizen only within 24 hours of their last message to the
business (Meta's customer service window); outside it Meta refuses it (HTTP 400), and
the message is given up: reminders sent days later need an approved template, which
MPP does not send yet.
"""

from __future__ import annotations

import smtplib

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from mpp.notifications.models import Channel
from mpp.notifications.rendering import Rendered

GATEWAY_TIMEOUT = 10.0  # seconds; lowered to a third of a short lease (request_timeout)
NO_GATEWAY = "no gateway configured"
_RETRY_STATUSES = {401, 403, 408, 429}

_client: httpx.Client | None = None


class DeliveryError(Exception):
    """A failed attempt. `reason` is short and free of personal data."""

    permanent = False

    def __init__(self, reason: str):
        self.reason = reason[:300]
        super().__init__(self.reason)


class Retry(DeliveryError):
    """The attempt failed for a reason that may pass: try again later."""


class Permanent(DeliveryError):
    """This message can never be delivered as it is: give up."""

    permanent = True


def request_timeout() -> float:
    """Seconds a gateway request may wait (connect, send, answer: each at most this).

    At most a third of the worker's lease, so that a request still open when the lease
    ends is rare: the message would then be sent again (with the same reference).
    """
    return min(GATEWAY_TIMEOUT, settings.MPP_OUTBOX_LEASE / 3)


def _http() -> httpx.Client:
    global _client
    if _client is None:
        _client = httpx.Client(timeout=request_timeout(), follow_redirects=False)
    return _client


def _message_id(reference: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{reference}@{domain}>"


def send_email(*, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send one e-mail through the configured Django backend; return "" (no provider id).

    The Message-ID is built from the reference, so a repeated attempt carries the same
    one (mail programs that drop repeated Message-IDs show it once; none must)."""
    mail = EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        to=[recipient],
        headers={"X-MPP-Reference": reference, "Message-ID": _message_id(reference)},
    )
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise Permanent("SMTP server refused the recipient") from exc
    except smtplib.SMTPResponseException as exc:
        raise Retry(f"SMTP error {exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise Retry(f"SMTP {type(exc).__name__}") from exc
    return ""


def send_gateway(*, channel: str, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send one SMS or WhatsApp message through the HTTP gateway; return its provider id."""
    url = settings.MPP_SMS_GATEWAY_URL
    if not url:
        raise Retry(NO_GATEWAY)
    payload = {
        "to": recipient,
        "message": rendered.body,
        "channel": channel,
        "reference": reference,
    }
    response = _post(
        url, payload=payload, token=settings.MPP_SMS_GATEWAY_TOKEN, idempotency_key=reference
    )
    status = response.status_code
    if 200 <= status < 300:
        try:
            body = response.json()
        except ValueError:
            return ""
        provider_id = body.get("id") if isinstance(body, dict) else None
        return "" if provider_id is None else str(provider_id)[:120]
    raise _refused(status)


def _post(url: str, *, payload: dict, token: str, idempotency_key: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        return _http().post(url, json=payload, headers=headers, timeout=request_timeout())
    except httpx.TimeoutException as exc:
        raise Retry(f"gateway timeout ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise Retry(f"gateway unreachable ({type(exc).__name__})") from exc


def _refused(status: int) -> DeliveryError:
    if 400 <= status < 500 and status not in _RETRY_STATUSES:
        return Permanent(f"gateway refused the message (HTTP {status})")
    return Retry(f"gateway error (HTTP {status})")


def whatsapp_cloud_enabled() -> bool:
    return bool(
        getattr(settings, "MPP_WHATSAPP_CLOUD_PHONE_ID", "")
        and getattr(settings, "MPP_WHATSAPP_CLOUD_TOKEN", "")
    )


def send_whatsapp_cloud(*, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send one WhatsApp text through Meta's Cloud API; return its message id (wamid).
    The Cloud API has no idempotency key: `reference` goes in biz_opaque_callback_data,
    which Meta only hands back in status webhooks (no protection against a repeat)."""
    base = settings.MPP_WHATSAPP_CLOUD_URL.rstrip("/")
    url = f"{base}/{settings.MPP_WHATSAPP_CLOUD_PHONE_ID}/messages"
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient.removeprefix("+"),
        "type": "text",
        "text": {"preview_url": False, "body": rendered.body},
        "biz_opaque_callback_data": reference,
    }
    response = _post(url, payload=payload, token=settings.MPP_WHATSAPP_CLOUD_TOKEN)
    if not 200 <= response.status_code < 300:
        raise _refused(response.status_code)
    try:
        body = response.json()
        return str(body["messages"][0]["id"])[:120]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def deliver(*, channel: str, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send through `channel`; return the provider id ("" when none). Raises DeliveryError."""
    if channel == Channel.EMAIL:
        return send_email(recipient=recipient, rendered=rendered, reference=reference)
    if channel == Channel.WHATSAPP and whatsapp_cloud_enabled():
        return send_whatsapp_cloud(recipient=recipient, rendered=rendered, reference=reference)
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return send_gateway(
            channel=channel, recipient=recipient, rendered=rendered, reference=reference
        )
    raise Permanent(f"unknown channel {channel!r}")
