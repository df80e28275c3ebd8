"""Writes of the public consultation forum: a topic's life, and what citizens send to it.

Why: a consultation is only worth something if its record can be trusted: what was
asked, from when until when, what people said and what changed because of it. So a
topic moves only through these functions, each checking the current state under a row
lock, in one transaction, with an event in core's log (kind "consultation.*").

Topics (staff; `actor` is the staff member acting):
    topic_create(*, mall, title, body, kind, service=None, closes_at=None, actor=None,
                 now=None) -> Topic                                 (draft)
    topic_update(*, topic, title, body, kind, service=None, closes_at=None, actor=None,
                 now=None) -> Topic                                 (draft only)
    topic_open(*, topic, closes_at=None, actor=None, now=None)       draft -> open (publish)
    topic_extend(*, topic, closes_at, actor=None, now=None)          open, later closing time
    topic_close(*, topic, actor=None, now=None)                      open -> closed
    topic_conclude(*, topic, outcome, changes, actor=None, now=None) closed -> concluded
    topic_withdraw(*, topic, reason, actor=None, now=None)           draft/open/closed -> withdrawn

Citizens and moderators: comment_submit, comment_moderate, comment_support, vote_cast
(mpp.consultation.participation, re-exported here).

`changes` is a list of strings or of (description, service or None) pairs. A topic past
its closing time takes no more votes or comments even before someone closes it, and may
be concluded straight away; a topic with comments waiting for moderation may not be
concluded (the outcome must weigh every comment).

Errors (core.errors): Invalid 422 invalid_title, invalid_body, invalid_kind,
invalid_closes_at, invalid_outcome, invalid_change, invalid_reason; Conflict 409
invalid_state, pending_comments. Citizens' errors: see participation.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall, Service
from mpp.consultation import guards
from mpp.consultation.models import Comment, Topic, TopicChange
from mpp.consultation.participation import (  # noqa: F401 (re-exported)
    comment_moderate,
    comment_submit,
    comment_support,
    vote_cast,
)
from mpp.consultation.records import topic_event, topic_locked
from mpp.core.errors import Conflict, Invalid

MAX_OPEN_DAYS = 180  # a consultation open longer than half a year is not a consultation

Change = str | tuple[str, Service | None]


def _fields(*, title, body, kind) -> dict:
    if kind not in Topic.Kind.values:
        raise Invalid(_("Choose what kind of topic this is."), code="invalid_kind")
    return {
        "title": guards.bounded(
            title,
            low=guards.TITLE_MIN,
            high=guards.TITLE_MAX,
            code="invalid_title",
            multiline=False,
        ),
        "body": guards.bounded(
            body, low=guards.BODY_MIN, high=guards.BODY_MAX, code="invalid_body"
        ),
        "kind": kind,
    }


def _closing_check(closes_at: dt.datetime | None, now: dt.datetime, *, required: bool) -> None:
    if closes_at is None:
        if required:
            raise Invalid(_("Say until when the topic is open."), code="invalid_closes_at")
        return
    if timezone.is_naive(closes_at):
        raise Invalid(_("The closing time needs a time zone."), code="invalid_closes_at")
    if closes_at <= now:
        raise Invalid(_("The closing time must be in the future."), code="invalid_closes_at")
    if closes_at > now + dt.timedelta(days=MAX_OPEN_DAYS):
        raise Invalid(
            _("A topic may be open for at most %(n)d days.") % {"n": MAX_OPEN_DAYS},
            code="invalid_closes_at",
        )


def _require(topic: Topic, *allowed: str) -> None:
    if topic.status not in allowed:
        raise Conflict(
            _("This topic is %(status)s; this is not possible now.")
            % {"status": topic.get_status_display().lower()},
            code="invalid_state",
        )


@transaction.atomic
def topic_create(
    *,
    mall: Mall,
    title: str,
    body: str,
    kind: str,
    service: Service | None = None,
    closes_at: dt.datetime | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> Topic:
    """A new draft topic of `mall`; citizens see it once it is opened."""
    now = now or timezone.now()
    fields = _fields(title=title, body=body, kind=kind)
    _closing_check(closes_at, now, required=False)
    topic = Topic.objects.create(
        mall=mall,
        service=service,
        closes_at=closes_at,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **fields,
    )
    topic_event(topic, "topic_created", actor=actor, now=now, data={"kind": kind})
    return topic


@transaction.atomic
def topic_update(
    *,
    topic: Topic,
    title: str,
    body: str,
    kind: str,
    service: Service | None = None,
    closes_at: dt.datetime | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> Topic:
    """Change a draft. Once published the text stays as people read it (see topic_extend)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require(topic, Topic.Status.DRAFT)
    fields = _fields(title=title, body=body, kind=kind)
    _closing_check(closes_at, now, required=False)
    for name, value in {**fields, "service": service, "closes_at": closes_at}.items():
        setattr(topic, name, value)
    topic.updated_at = now
    topic.save()
    topic_event(topic, "topic_updated", actor=actor, now=now)
    return topic


@transaction.atomic
def topic_open(
    *,
    topic: Topic,
    closes_at: dt.datetime | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> Topic:
    """Publish a draft: votes and comments are taken from now until `closes_at` (or the
    closing time the draft already has)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require(topic, Topic.Status.DRAFT)
    closes_at = closes_at or topic.closes_at
    _closing_check(closes_at, now, required=True)
    topic.status = Topic.Status.OPEN
    topic.opens_at = now
    topic.closes_at = closes_at
    topic.updated_at = now
    topic.save(update_fields=["status", "opens_at", "closes_at", "updated_at"])
    topic_event(
        topic, "topic_opened", actor=actor, now=now, data={"closes_at": closes_at.isoformat()}
    )
    return topic


@transaction.atomic
def topic_extend(
    *, topic: Topic, closes_at: dt.datetime, actor=None, now: dt.datetime | None = None
) -> Topic:
    """Keep an open topic open longer (never shorter: people plan around the date)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require(topic, Topic.Status.OPEN)
    _closing_check(closes_at, now, required=True)
    if topic.closes_at and closes_at <= topic.closes_at:
        raise Invalid(
            _("The new closing time must be later than the current one."),
            code="invalid_closes_at",
        )
    previous = topic.closes_at
    topic.closes_at = closes_at
    topic.updated_at = now
    topic.save(update_fields=["closes_at", "updated_at"])
    data = {"closes_at": closes_at.isoformat(), "previous": previous and previous.isoformat()}
    topic_event(topic, "topic_extended", actor=actor, now=now, data=data)
    return topic


def _close(topic: Topic, now: dt.datetime) -> None:
    topic.status = Topic.Status.CLOSED
    topic.closed_at = min(now, topic.closes_at) if topic.closes_at else now


@transaction.atomic
def topic_close(*, topic: Topic, actor=None, now: dt.datetime | None = None) -> Topic:
    """Stop taking votes and comments (before or after the closing time)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require(topic, Topic.Status.OPEN)
    _close(topic, now)
    topic.updated_at = now
    topic.save(update_fields=["status", "closed_at", "updated_at"])
    topic_event(topic, "topic_closed", actor=actor, now=now)
    return topic


def _changes_clean(changes: list[Change]) -> list[tuple[str, Service | None]]:
    rows = []
    for item in changes or []:
        text, service = (item, None) if isinstance(item, str) else item
        text = guards.text_clean(text, multiline=False)
        if not text:
            continue
        if len(text) > guards.CHANGE_MAX:
            raise Invalid(
                _("Describe each change in at most %(n)d characters.") % {"n": guards.CHANGE_MAX},
                code="invalid_change",
            )
        rows.append((text, service))
    if len(rows) > guards.CHANGES_MAX:
        raise Invalid(
            _("List at most %(n)d changes.") % {"n": guards.CHANGES_MAX}, code="invalid_change"
        )
    return rows


@transaction.atomic
def topic_conclude(
    *,
    topic: Topic,
    outcome: str,
    changes: list[Change] = (),
    actor=None,
    now: dt.datetime | None = None,
) -> Topic:
    """Publish the outcome and the concrete changes made because of the consultation.

    From a closed topic, or an open one past its closing time. No change at all is a
    valid outcome (the outcome then says why nothing changed)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    if topic.status == Topic.Status.OPEN and not topic.accepts_input(now):
        _close(topic, now)
    _require(topic, Topic.Status.CLOSED)
    text = guards.bounded(
        outcome, low=guards.OUTCOME_MIN, high=guards.OUTCOME_MAX, code="invalid_outcome"
    )
    rows = _changes_clean(list(changes))
    waiting = topic.comments.filter(status=Comment.Status.PENDING).count()
    if waiting:
        raise Conflict(
            _("%(n)d comments still wait for moderation; moderate them first.") % {"n": waiting},
            code="pending_comments",
        )
    TopicChange.objects.bulk_create(
        TopicChange(topic=topic, position=i, description=d, service=s)
        for i, (d, s) in enumerate(rows, start=1)
    )
    topic.status = Topic.Status.CONCLUDED
    topic.outcome = text
    topic.concluded_at = now
    topic.updated_at = now
    topic.save(update_fields=["status", "closed_at", "outcome", "concluded_at", "updated_at"])
    topic_event(topic, "topic_concluded", actor=actor, now=now, data={"changes": len(rows)})
    return topic


@transaction.atomic
def topic_withdraw(
    *, topic: Topic, reason: str, actor=None, now: dt.datetime | None = None
) -> Topic:
    """Take a topic back with a reason (shown to citizens if it had been published)."""
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require(topic, Topic.Status.DRAFT, Topic.Status.OPEN, Topic.Status.CLOSED)
    if not guards.text_clean(reason):
        raise Invalid(_("Give the reason for withdrawing the topic."), code="invalid_reason")
    text = guards.bounded(
        reason, low=guards.REASON_MIN, high=guards.REASON_MAX, code="invalid_reason"
    )
    previous = topic.status
    topic.status = Topic.Status.WITHDRAWN
    topic.withdrawn_at = now
    topic.withdrawn_reason = text
    topic.updated_at = now
    topic.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    topic_event(topic, "topic_withdrawn", actor=actor, now=now, data={"from": previous})
    return topic
