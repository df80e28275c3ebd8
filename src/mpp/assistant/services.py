"""Writes of the assistant: answer an inbound WhatsApp/SMS message, and clean up.

Why here and not in the webhook: the webhook only authenticates and parses; this
decides whether a message is new (a gateway retries deliveries), keeps the sender's
conversation state, and queues the reply in the notification outbox, all in one
transaction. The reply is sent by `mpp worker` through the gateway, never in the
request, so the webhook answers in milliseconds even when the gateway is slow. It is
written in the message's language (Indonesian or English, mpp.assistant.language),
kept in the conversation for replies that do not tell ("2", "ok").

Personal data: the sender's number is kept only as the outbox message's recipient
(like every SMS); the conversation and the receipt hold keyed digests. The citizen's
text is read and forgotten: not stored, not logged.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from mpp.assistant import engine
from mpp.assistant.gateways import Inbound
from mpp.assistant.language import detect
from mpp.assistant.models import Conversation, InboundReceipt
from mpp.assistant.render import answer_text
from mpp.core.links import public_base_url
from mpp.core.pii import keyed_digest
from mpp.core.ratelimit import limit_for, ratelimit_hit
from mpp.notifications.models import Channel
from mpp.notifications.services import message_enqueue

log = logging.getLogger(__name__)

CHANNELS = (Channel.WHATSAPP.value, Channel.SMS.value)  # the outbox's phone channels
TEMPLATE = "assistant_reply"
SILENCE = dt.timedelta(minutes=30)  # a conversation quiet this long starts afresh
RECEIPTS_KEPT = dt.timedelta(days=7)  # longer than any gateway retries a delivery
QUEUED, DUPLICATE, RATE_LIMITED = "queued", "duplicate", "rate_limited"
LANGUAGE_KEY = "lang"  # the conversation's last language, kept beside the engine's state


def _digest(kind: str, value: str) -> str:
    return keyed_digest(f"assistant-{kind}:{value}")


def sender_digest(channel: str, sender: str) -> str:
    """The keyed digest a conversation is found by (mpp.core.pii's key, its own prefix)."""
    return _digest("sender", f"{channel}:{sender}")


def _conversation(channel: str, digest: str, now: dt.datetime) -> Conversation:
    """The sender's conversation, locked for this transaction (created when new)."""
    rows = Conversation.objects.select_for_update()
    conversation = rows.filter(channel=channel, sender_digest=digest).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                channel=channel, sender_digest=digest, state={}, updated_at=now
            )
    except IntegrityError:  # created by a concurrent message of the same sender
        return rows.get(channel=channel, sender_digest=digest)


def reply_language(text: str, state: dict | None) -> str:
    """The reply's language: the message's own (language.detect), else the one the
    conversation was last in (a "2" or "ok" tells nothing), else the default."""
    languages = {code for code, _name in settings.LANGUAGES}
    saved = state.get(LANGUAGE_KEY) if isinstance(state, dict) else None
    for language in (detect(text), saved):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE


def inbound_reply(*, channel: str, inbound: Inbound, mall_id: int | None) -> str:
    """Answer one inbound message: "queued" (the reply is in the outbox), "duplicate"
    (this message id was handled before: no second reply) or "rate_limited" (the sender
    sent too many messages; no reply, so a flood costs no SMS)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    now = timezone.now()
    message_digest = _digest("message", f"{channel}:{inbound.message_id}")
    digest = sender_digest(channel, inbound.sender)
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboundReceipt.objects.create(channel=channel, message_digest=message_digest)
        except IntegrityError:
            return DUPLICATE
        limit = limit_for("assistant_sender")
        limited = limit and ratelimit_hit(
            scope="assistant_sender", key=digest[:32], limit=limit[0], window_seconds=limit[1]
        )
        if limited and not limited.allowed:
            log.info("assistant: %s sender over its rate limit, no reply", channel)
            return RATE_LIMITED
        conversation = _conversation(channel, digest, now)
        state = conversation.state if conversation.updated_at >= now - SILENCE else None
        language = reply_language(inbound.text, state)
        with translation.override(language):
            new_state, answer = engine.reply(state, inbound.text, mall_id=mall_id)
            text = answer_text(answer, channel=channel, base_url=public_base_url())
        message_enqueue(
            channel=channel,
            recipient=inbound.sender,
            template=TEMPLATE,
            context={"text": text, "language": language},
            dedupe_key=f"assistant:{message_digest[:48]}",
        )
        conversation.state = {**new_state, LANGUAGE_KEY: language}
        conversation.updated_at = now
        conversation.save(update_fields=["state", "updated_at"])
    log.info("assistant: %s reply queued (%s)", channel, answer.kind)
    return QUEUED


def inbound_replies(*, channel: str, messages, mall_id: int | None) -> dict[str, int]:
    """Answer each message of a batch (a Cloud API notification may hold several), each
    in its own transaction; returns how many were queued, duplicate, rate_limited."""
    counts = dict.fromkeys((QUEUED, DUPLICATE, RATE_LIMITED), 0)
    for inbound in messages:
        counts[inbound_reply(channel=channel, inbound=inbound, mall_id=mall_id)] += 1
    return counts


def assistant_cleanup(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete conversations silent for SILENCE and receipts older than RECEIPTS_KEPT;
    returns how many of each (run by the worker, see apps.py)."""
    now = now or timezone.now()
    with transaction.atomic():
        conversations, _ = Conversation.objects.filter(updated_at__lt=now - SILENCE).delete()
        receipts, _ = InboundReceipt.objects.filter(received_at__lt=now - RECEIPTS_KEPT).delete()
    return conversations, receipts
