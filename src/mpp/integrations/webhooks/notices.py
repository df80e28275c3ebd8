"""E-mail notices to an API client's contact about its webhooks.

Why: an agency whose receiver is down learns it from us, not weeks later from missing
data. Two notices, both through the notification outbox (so they leave with the
worker, at least once, and exist only if the change that caused them committed):
"webhook_dead" when a message is given up after its last retry, and
"webhook_disabled" when a subscription is disabled (a 410 answer, or by hand).
At most one notice of each kind per subscription per day (the outbox's dedupe key),
however many messages die that day. A client without a contact e-mail gets none.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from django.utils import timezone

from mpp.core.errors import Invalid
from mpp.notifications.models import Channel, Message
from mpp.notifications.services import message_enqueue

log = logging.getLogger(__name__)

TEMPLATES = ("webhook_dead", "webhook_disabled")


def _safe_url(url: str) -> str:
    """The URL without query or fragment (they may carry the receiver's own tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def notice_contact(
    *, subscription, template: str, context: dict, now: dt.datetime | None = None
) -> Message | None:
    """Queue `template` ("webhook_dead" | "webhook_disabled") to the subscription's
    client contact, in the caller's transaction; once per subscription, kind and day.

    The template reads: client, subscription (id), url, description, and from
    `context`: webhook_id, event_type, attempts, last_error (dead) or reason
    (disabled). Returns the outbox message (the day's first one when deduplicated),
    or None when the client has no contact e-mail or it is not a valid address.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown webhook notice template {template!r}")
    client = subscription.client
    recipient = (client.contact_email or "").strip()
    if not recipient:
        return None
    day = timezone.localdate(now or timezone.now())
    full = {
        "client": client.name,
        "subscription": str(subscription.pk),
        "url": _safe_url(subscription.url),
        "description": subscription.description,
        **{key: value for key, value in context.items() if value is not None},
    }
    try:
        return message_enqueue(
            channel=Channel.EMAIL,
            recipient=recipient,
            template=template,
            context=full,
            dedupe_key=f"{template}:{subscription.pk}:{day.isoformat()}",
        )
    except Invalid:
        log.warning("subscription %s: contact notice %s not queued", subscription.pk, template)
        return None
