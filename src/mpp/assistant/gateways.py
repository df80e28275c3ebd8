"""Inbound messages from messaging gateways: one adapter per gateway format.

Why adapters: every SMS/WhatsApp gateway posts its own JSON. The webhook turns the
body into one `Inbound` (sender in E.164, text, the gateway's message id) and the
rest of the assistant never sees the gateway's format. MPP's own format ("mpp"):

    {"from": "+6281234567890", "text": "bikin ktp", "id": "gw-msg-8812"}

`from`: the sender's number (E.164 with or without "+", or national "08..."); `text`:
the message (may be empty, e.g. a picture); `id`: the gateway's id of the message,
the same on every retry of a delivery. To add a gateway, write a parser taking the
decoded JSON and returning an Inbound (raising InboundError on a bad shape), and add
it to ADAPTERS; the webhook picks it with `?format=<name>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from mpp.core.errors import Invalid
from mpp.notifications.services import E164

TEXT_MAX = 2000  # characters kept of a message (the engine reads far fewer)
ID_MAX = 200


class InboundError(Invalid):
    """The body is not an inbound message of the expected format (422)."""

    code = "invalid_message"


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen, whatever the gateway."""

    sender: str  # E.164, e.g. +6281234567890 (personal data: never logged)
    text: str
    message_id: str


def phone_e164(value: str) -> str | None:
    """A phone number in E.164 (+62...), from "+62...", "62..." or national "08..."."""
    raw = str(value or "").strip()
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = "+" + digits[2:]
    elif digits.startswith("0"):
        number = "+62" + digits[1:]
    else:
        number = "+" + digits
    return number if E164.match(number) else None  # what the outbox accepts


def parse_mpp(body: object) -> Inbound:
    """MPP's own format: {"from", "text", "id"} (see the module docstring)."""
    if not isinstance(body, dict):
        raise InboundError(_("The message must be a JSON object."))
    sender, text, message_id = body.get("from"), body.get("text", ""), body.get("id")
    sender = phone_e164(sender) if isinstance(sender, str) else None
    if sender is None:
        raise InboundError(_("“from” must be the sender's phone number."))
    if not isinstance(text, str):
        raise InboundError(_("“text” must be a string."))
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > ID_MAX:
        raise InboundError(_("“id” must be the gateway's message id."))
    return Inbound(sender=sender, text=text[:TEXT_MAX], message_id=message_id)


ADAPTERS: dict[str, Callable[[object], Inbound]] = {"mpp": parse_mpp}


def inbound_parse(raw: bytes, *, gateway_format: str = "mpp") -> Inbound:
    """The Inbound of a webhook body; InboundError (422) when it is not one."""
    adapter = ADAPTERS.get(gateway_format)
    if adapter is None:
        raise InboundError(_("Unknown gateway format."), code="unknown_format")
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InboundError(_("The request body is not valid JSON."), code="invalid_json") from exc
    return adapter(body)
