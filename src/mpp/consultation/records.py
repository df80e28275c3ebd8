"""Shared steps of the consultation services: locking a row, writing its event.

Why: every write reads the current state under a row lock (two moderators, or a vote
arriving as the manager closes the topic, must not both win), and records one event in
core's log in the same transaction. Events carry ids and states, never a comment's text
or a voter's key.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from mpp.consultation.models import Comment, Topic
from mpp.core.errors import NotFound
from mpp.core.events import event_record


def topic_not_found() -> NotFound:
    return NotFound(_("There is no such consultation topic."), code="consultation_not_found")


def comment_not_found() -> NotFound:
    return NotFound(_("There is no such comment."), code="comment_not_found")


def topic_locked(topic: Topic) -> Topic:
    """The topic read again under a row lock (call inside a transaction)."""
    fresh = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("mall")
        .filter(pk=topic.pk)
        .first()
    )
    if fresh is None:
        raise topic_not_found()
    return fresh


def comment_locked(comment: Comment) -> Comment:
    fresh = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("topic__mall")
        .filter(pk=comment.pk)
        .first()
    )
    if fresh is None:
        raise comment_not_found()
    return fresh


def topic_event(
    topic: Topic, verb: str, *, actor=None, now: dt.datetime, data: dict | None = None
) -> None:
    event_record(
        kind=f"consultation.{verb}",
        subject_type="consultation_topic",
        subject_id=topic.pk,
        mall_id=topic.mall_id,
        actor_id=getattr(actor, "pk", None),
        data={"status": topic.status, **(data or {})},
        occurred_at=now,
    )


def comment_event(
    comment: Comment, verb: str, *, mall_id: int, actor=None, now: dt.datetime, data=None
) -> None:
    event_record(
        kind=f"consultation.{verb}",
        subject_type="consultation_comment",
        subject_id=comment.pk,
        mall_id=mall_id,
        actor_id=getattr(actor, "pk", None),
        data={"topic": comment.topic_id, "status": comment.status, **(data or {})},
        occurred_at=now,
    )
