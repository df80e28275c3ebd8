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
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.assistant.gateways import ID_MAX, TEXT_MAX, Inbound, InboundError, phone_e164
from mpp.core.errors import DomainError, Forbidden

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
OBJECT = "whatsapp_business_account"


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


def _text_message(item) -> Inbound | None:
    """A text message as an Inbound; None for anything else (picture, reaction, ...)."""
    if not isinstance(item, dict) or item.get("type") != "text":
        return None
    sender = phone_e164(str(item.get("from") or ""))
    message_id = item.get("id")
    text = item["text"].get("body") if isinstance(item.get("text"), dict) else None
    if sender is None or not isinstance(message_id, str) or not message_id.strip():
        return None
    if len(message_id) > ID_MAX or not isinstance(text, str):
        return None
    return Inbound(sender=sender, text=text[:TEXT_MAX], message_id=message_id)


def notification_parse(raw: bytes) -> Notification:
    """The text messages of a (signed) Cloud API body; InboundError (422) when the body is
    not JSON or not a webhook envelope. Another `object` is ignored whole."""
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
                inbound = _text_message(item)
                if inbound is None:
                    ignored += 1
                else:
                    messages.append(inbound)
    return Notification(messages=tuple(messages), ignored=ignored)
