"""Delivery channels: e-mail through Django's mail backend; SMS and WhatsApp through
one HTTP gateway.

Why one small adapter per channel: the worker only needs to know "sent (with the
provider's id)", "try again later" or "give up". Errors carry no personal data (no
address, no phone number, no message text), because they are stored and logged.

The gateway contract: POST JSON {"to", "message", "channel", "reference"} to
settings.MPP_SMS_GATEWAY_URL with `Authorization: Bearer <MPP_SMS_GATEWAY_TOKEN>`,
10 s timeout. 2xx: sent (the body's "id", if any, is kept as the provider id).
408, 429, 5xx, timeouts, connection errors: retry. 401 and 403 (a bad or expired
token is the operator's to fix, not the message's fault): retry. Other 4xx: the
gateway refuses this message for good, so it is given up.
"""

from __future__ import annotations

import smtplib

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from mpp.notifications.models import Channel
from mpp.notifications.rendering import Rendered

GATEWAY_TIMEOUT = 10.0
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


def _http() -> httpx.Client:
    global _client
    if _client is None:
        _client = httpx.Client(timeout=GATEWAY_TIMEOUT, follow_redirects=False)
    return _client


def send_email(*, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send one e-mail through the configured Django backend; return "" (no provider id)."""
    mail = EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        to=[recipient],
        headers={"X-MPP-Reference": reference},
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
    token = settings.MPP_SMS_GATEWAY_TOKEN
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = _http().post(url, json=payload, headers=headers, timeout=GATEWAY_TIMEOUT)
    except httpx.TimeoutException as exc:
        raise Retry(f"gateway timeout ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise Retry(f"gateway unreachable ({type(exc).__name__})") from exc
    status = response.status_code
    if 200 <= status < 300:
        try:
            body = response.json()
        except ValueError:
            return ""
        provider_id = body.get("id") if isinstance(body, dict) else None
        return "" if provider_id is None else str(provider_id)[:120]
    if 400 <= status < 500 and status not in _RETRY_STATUSES:
        raise Permanent(f"gateway refused the message (HTTP {status})")
    raise Retry(f"gateway error (HTTP {status})")


def deliver(*, channel: str, recipient: str, rendered: Rendered, reference: str) -> str:
    """Send through `channel`; return the provider id ("" when none). Raises DeliveryError."""
    if channel == Channel.EMAIL:
        return send_email(recipient=recipient, rendered=rendered, reference=reference)
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return send_gateway(
            channel=channel, recipient=recipient, rendered=rendered, reference=reference
        )
    raise Permanent(f"unknown channel {channel!r}")
