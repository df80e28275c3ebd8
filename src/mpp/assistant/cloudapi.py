"""Meta's WhatsApp Cloud API webhook: the subscription check, the signature, the body.

Why apart from gateways.py: the Cloud API does not send a shared secret that the
generic webhook could check. Instead (Meta's "Webhooks: Getting Started", Graph API):

* when the webhook is configured, Meta sends GET `?hub.mode=subscribe&hub.challenge=
  <number>&hub.verify_token=<the token typed in the App Dashboard>`; the endpoint must
  check the token and answer with the challenge itself;
* every notification is a POST signed with the app secret: the header
  `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`; the signature is
  checked on the bytes received, before the JSON is read;
* one POST may carry several messages, and also delivery statuses (sent, delivered,
  read) in the same envelope:

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA id>", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "...", "phone_number_id": "..."},
        "contacts": [{"profile": {"name": "..."}, "wa_id": "6281..."}],
        "messages": [{"from": "6281...", "id": "wamid.HBgN...", "timestamp": "...",
                      "type": "text", "text": {"body": "bikin ktp"}}],
        "statuses": [{"id": "wamid...", "status": "delivered", ...}]}}]}]}

Only `messages` of type "text" are read; statuses, reactions, pictures and the like
are counted as ignored (answered 200 so that Meta does not retry them). A message id
(`wamid...`) is the same on every retry, so services.inbound_reply answers it once.

Replays: the signature covers the body, not the moment it is sent, so a captured
signed body stays valid for ever; the receipt that makes a `wamid` answered once is
deleted after services.RECEIPTS_KEPT (7 days). So a message is read only while its own
`timestamp` (Unix seconds, set by WhatsApp when the citizen sent it, the same on every
retry) lies within MESSAGE_MAX_AGE before now and MESSAGE_MAX_SKEW after it; older,
future or missing timestamps are counted as ignored and never answered. The window
(24 hours, WhatsApp's own customer-service window outside which a business may not
send a free-form reply anyway) is far shorter than the receipts are kept, so a replay
inside it is a duplicate and one outside it is stale: neither is answered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.assistant.gateways import ID_MAX, TEXT_MAX, Inbound, InboundError, phone_e164
from mpp.core.errors import DomainError, Forbidden

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
OBJECT = "whatsapp_business_account"
MESSAGE_MAX_AGE = dt.timedelta(hours=24)  # WhatsApp's customer-service window; < RECEIPTS_KEPT
MESSAGE_MAX_SKEW = dt.timedelta(minutes=5)  # a sender's clock ahead of ours by at most this


class SignatureError(DomainError):
    """The body is not signed with the app secret (401)."""

    status = 401
    code = "invalid_signature"
    default_message = gettext_lazy("The request is not signed with the app secret.")


def verify_subscription(*, mode: str, token: str, challenge: str, expected: str) -> str:
    """The challenge to echo when the verify token is right; Forbidden (403) otherwise."""
    if not expected:
        raise Forbidden(
            _("The WhatsApp Cloud API webhook is not enabled."), code="webhook_disabled"
        )
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden(_("The verify token is wrong."), code="invalid_token")
    return challenge


def signature_check(raw: bytes, header: str | None, *, secret: str) -> None:
    """Raise unless `header` is "sha256=" + the HMAC-SHA256 of `raw` under `secret`
    (compared in constant time). No secret configured: 403 webhook_disabled."""
    if not secret:
        raise Forbidden(
            _("The WhatsApp Cloud API webhook is not enabled."), code="webhook_disabled"
        )
    if not header:
        raise SignatureError(_("The X-Hub-Signature-256 header is missing."))
    expected = SIGNATURE_PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header.strip().lower().encode(), expected.encode()):
        raise SignatureError(_("The X-Hub-Signature-256 signature does not match the body."))


@dataclass(frozen=True)
class Notification:
    """The text messages of one Cloud API notification, and how many items were not."""

    messages: tuple[Inbound, ...]
    ignored: int


def _list(value) -> list:
    return value if isinstance(value, list) else []


def sent_at(item: dict) -> dt.datetime | None:
    """The message's `timestamp` (Unix seconds, a string or a number) as an aware
    datetime; None when missing or not a plausible number."""
    value = item.get("timestamp")
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**40:
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def is_fresh(item: dict, now: dt.datetime) -> bool:
    """Whether the message was sent within the window (see the module docstring)."""
    when = sent_at(item)
    return when is not None and now - MESSAGE_MAX_AGE <= when <= now + MESSAGE_MAX_SKEW


def _text_message(item, now: dt.datetime) -> Inbound | None:
    """A fresh text message as an Inbound; None for anything else (picture, reaction,
    a message outside the time window, ...)."""
    if not isinstance(item, dict) or item.get("type") != "text" or not is_fresh(item, now):
        return None
    sender = phone_e164(str(item.get("from") or ""))
    message_id = item.get("id")
    text = item["text"].get("body") if isinstance(item.get("text"), dict) else None
    if sender is None or not isinstance(message_id, str) or not message_id.strip():
        return None
    if len(message_id) > ID_MAX or not isinstance(text, str):
        return None
    return Inbound(sender=sender, text=text[:TEXT_MAX], message_id=message_id)


def notification_parse(raw: bytes, *, now: dt.datetime | None = None) -> Notification:
    """The fresh text messages of a (signed) Cloud API body; InboundError (422) when the
    body is not JSON or not a webhook envelope. Another `object` is ignored whole, and so
    is each message sent outside the time window (counted in `ignored`)."""
    now = now or timezone.now()
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InboundError(_("The request body is not valid JSON."), code="invalid_json") from exc
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise InboundError(_("The body is not a WhatsApp Cloud API notification."))
    if body.get("object") != OBJECT:
        return Notification(messages=(), ignored=1)
    messages: list[Inbound] = []
    ignored = 0
    for entry in _list(body["entry"]):
        changes = _list(entry.get("changes")) if isinstance(entry, dict) else []
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                ignored += 1
                continue
            ignored += len(_list(value.get("statuses")))
            for item in _list(value.get("messages")):
                inbound = _text_message(item, now)
                if inbound is None:
                    ignored += 1
                else:
                    messages.append(inbound)
    return Notification(messages=tuple(messages), ignored=ignored)
