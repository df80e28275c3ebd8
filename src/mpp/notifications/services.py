"""Writes of the notification outbox: enqueue a message, and requeue one given up.

Why: callers (bookings) must never wait for an e-mail server or SMS gateway. They
call `message_enqueue` inside their own transaction; it only inserts the outbox row,
so the message exists if and only if the caller's change committed. The worker
(mpp.notifications.worker) does the sending, at least once: a message may reach the
gateway twice, always with the same `reference`, which the gateway uses to drop the
repeat (docs/faults.md, "## outbox"). Enqueuing is deduplicated by `dedupe_key`.

Templates (templates/notifications/) and the context they read:
booking_confirmed, booking_reminder, booking_rescheduled, booking_cancelled, each for
email, sms and whatsapp, with context {"code": booking code, "service": service name,
"mall": mall name, "date": ISO date "2026-12-01", "time": "09:00-10:00", "name":
optional name for the e-mail greeting, "url": optional absolute link to the booking
page, "language": optional "id" or "en"}.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.conf import settings
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.notifications.models import Channel, Message, Status
from mpp.notifications.rendering import template_exists

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_NIK_KEYS = {"nik", "nik_digest", "nik_masked"}


def _check_recipient(channel: str, recipient: str) -> None:
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except Exception as exc:
            raise Invalid(_("The e-mail address is not valid.")) from exc
    elif not E164.match(recipient):
        raise Invalid(_("The phone number must be in international form, like +6281234567890."))


def _check_context(context: dict) -> None:
    if not isinstance(context, dict):
        raise Invalid(_("The message context must be a dictionary."))
    if _NIK_KEYS & {str(k).lower() for k in context}:
        raise Invalid(_("A message must never carry a NIK."))
    try:
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise Invalid(_("The message context must be JSON.")) from exc


def _message_new(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    not_before: dt.datetime | None = None,
    dedupe_key: str | None = None,
) -> Message:
    """A checked, unsaved outbox row (Invalid when any part of it is wrong)."""
    if channel not in Channel.values:
        raise Invalid(_("Unknown message channel."))
    recipient = (recipient or "").strip()
    _check_recipient(channel, recipient)
    if not template_exists(template, channel):
        raise Invalid(_("Unknown message template."))
    _check_context(context)
    language = str(context.get("language") or settings.LANGUAGE_CODE)
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Unknown language."))
    if not_before is not None and timezone.is_naive(not_before):
        raise Invalid(_("The send time must include a time zone."))
    due = not_before or timezone.now()
    return Message(
        channel=channel,
        recipient=recipient,
        template=template,
        language=language,
        context=context,
        not_before=due,
        next_attempt_at=due,
        dedupe_key=dedupe_key or None,
    )


def message_enqueue(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    not_before: dt.datetime | None = None,
    dedupe_key: str | None = None,
) -> Message:
    """Put one message in the outbox, in the caller's transaction; send nothing.

    `context["language"]` (optional) picks the language, Indonesian by default. With a
    `dedupe_key`, a second enqueue with the same key returns the first message.
    Raises Invalid for an unknown channel or template, a bad recipient or context.
    """
    message = _message_new(
        channel=channel,
        recipient=recipient,
        template=template,
        context=context,
        not_before=not_before,
        dedupe_key=dedupe_key,
    )
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        # A savepoint, so a lost race on the dedupe key leaves the caller's
        # transaction usable (PostgreSQL aborts a transaction on any error).
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        if not dedupe_key:
            raise
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    return message


def messages_enqueue(*, messages: list[dict]) -> int:
    """Put several messages in the outbox with ONE insert, in the caller's transaction.

    Why: a new booking queues its confirmation and reminder (SMS, and e-mail when
    given) in the 07:00 rush, where every statement counts. Each dict takes the
    keyword arguments of `message_enqueue`; all are checked before anything is written.
    A message whose dedupe_key is already in the outbox is skipped (not replaced).
    Returns how many were given (skipped ones included).
    """
    rows = [_message_new(**spec) for spec in messages]
    if rows:
        Message.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def messages_withdraw(*, dedupe_prefix: str) -> int:
    """Withdraw the not-yet-sent messages whose dedupe key starts with this prefix.

    A reminder queued for a booking that was then cancelled or moved must not reach
    the citizen. A message a worker is sending right now is past withdrawing.
    """
    if not dedupe_prefix:
        raise Invalid(_("A dedupe prefix is required."))
    return Message.objects.filter(
        dedupe_key__startswith=dedupe_prefix,
        status__in=[Status.PENDING, Status.FAILED],
    ).update(status=Status.WITHDRAWN, last_error="withdrawn")


def message_requeue(*, message_id: int, actor_id: int | None = None) -> Message:
    """Give a message that was given up (dead) a fresh set of attempts, due now."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise NotFound(_("Message not found."))
        if message.status != Status.DEAD:
            raise Conflict(_("Only a message that was given up can be sent again."))
        now = timezone.now()
        message.status = Status.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.last_error = ""
        message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
        event_record(
            kind="message.requeued",
            subject_type="message",
            subject_id=message.pk,
            actor_id=actor_id,
            data={"template": message.template, "channel": message.channel},
        )
    return message
