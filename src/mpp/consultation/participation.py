"""Writes of citizens and moderators in a consultation: comments, moderation, votes, supports.

Why: anyone may take part without an account, so the guards live here, in one place for
the pages and the API: a comment is checked (length, links, no NIK or phone number) and
waits for a moderator; a vote is one stance per voter and topic (voting again changes
it, never adds one: a unique constraint and the topic's row lock make sure); each is
rate-limited per client IP and per voter (mpp.core.ratelimit), counted before anything
else so refused attempts count too. Nothing is taken once the topic stops accepting
input (closed, or past its closing time).

    comment_submit(*, topic, body, display_name="", author_key="", ip=None, now=None)
        -> Comment (pending)
    comment_moderate(*, comment, decision, reason="", reply="", actor=None, now=None)
        -> Comment   decision "approve" (optional public reply) or "reject" (reason needed);
                     an approved comment may be taken down later, a rejected one approved
    vote_cast(*, topic, voter_key, stance, ip=None, now=None) -> VoteResult
    comment_support(*, comment, voter_key, support=True, ip=None, now=None) -> bool

`author_key` / `voter_key` are digests from mpp.consultation.voters, never raw cookies.
Errors: Invalid 422 comment_too_short, comment_too_long, too_many_links, personal_data,
invalid_name, invalid_stance, invalid_decision, invalid_reason, invalid_reply,
invalid_voter; Conflict 409 topic_not_open, duplicate_comment, invalid_state;
NotFound 404 comment_not_found; RateLimited 429 rate_limited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.consultation import guards
from mpp.consultation.models import Comment, CommentSupport, Topic, Vote
from mpp.consultation.records import (
    comment_event,
    comment_locked,
    comment_not_found,
    topic_event,
    topic_locked,
)
from mpp.core.errors import Conflict, Invalid
from mpp.core.ratelimit import RateLimited, limit_for, ratelimit_hit


def throttle(scope: str, key: str | None) -> None:
    """Count one attempt against a named limit of settings.MPP_RATE_LIMITS
    ("consultation_comment_ip", "_voter", "consultation_vote_ip", "_voter": loose per IP,
    as a mall's Wi-Fi puts many people behind one); RateLimited (429) when over."""
    limit = limit_for(scope)
    if not key or not limit:
        return
    result = ratelimit_hit(scope=scope, key=key[:64], limit=limit[0], window_seconds=limit[1])
    if not result.allowed:
        raise RateLimited(result.retry_after)


def _require_open(topic: Topic, now: dt.datetime) -> None:
    if not topic.accepts_input(now):
        raise Conflict(
            _("This consultation is not taking votes or comments now."), code="topic_not_open"
        )


def _require_key(key: str) -> str:
    if not isinstance(key, str) or not (16 <= len(key) <= 64):
        raise Invalid(_("Your browser's voter cookie is missing."), code="invalid_voter")
    return key


@transaction.atomic
def comment_submit(
    *,
    topic: Topic,
    body: str,
    display_name: str = "",
    author_key: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """A citizen's comment, kept pending until a moderator approves it."""
    throttle("consultation_comment_ip", ip)
    throttle("consultation_comment_voter", author_key)
    now = now or timezone.now()
    topic = topic_locked(topic)
    _require_open(topic, now)
    text = guards.comment_body_clean(body)
    name = guards.display_name_clean(display_name)
    if author_key and topic.comments.filter(author_key=author_key, body=text).exists():
        raise Conflict(_("You have already sent this comment."), code="duplicate_comment")
    comment = Comment.objects.create(
        topic=topic, display_name=name, body=text, author_key=author_key or "", created_at=now
    )
    comment_event(comment, "comment_submitted", mall_id=topic.mall_id, now=now)
    return comment


DECISIONS = {"approve": Comment.Status.APPROVED, "reject": Comment.Status.REJECTED}


@transaction.atomic
def comment_moderate(
    *,
    comment: Comment,
    decision: str,
    reason: str = "",
    reply: str = "",
    actor=None,
    now: dt.datetime | None = None,
) -> Comment:
    """Approve (with an optional public reply from the mall) or reject (with a reason)."""
    if decision not in DECISIONS:
        raise Invalid(_("Choose approve or reject."), code="invalid_decision")
    now = now or timezone.now()
    topic = topic_locked(comment.topic)
    comment = comment_locked(comment)
    if topic.status not in (Topic.Status.OPEN, Topic.Status.CLOSED):
        raise Conflict(
            _("The comments of a %(status)s topic can no longer be moderated.")
            % {"status": topic.get_status_display().lower()},
            code="invalid_state",
        )
    target = DECISIONS[decision]
    if comment.status == target:
        raise Conflict(
            _("This comment is already %(status)s.")
            % {"status": comment.get_status_display().lower()},
            code="invalid_state",
        )
    if target == Comment.Status.REJECTED:
        if not guards.text_clean(reason):
            raise Invalid(_("Give the reason for rejecting the comment."), code="invalid_reason")
        comment.moderation_reason = guards.bounded(
            reason, low=guards.REASON_MIN, high=guards.REASON_MAX, code="invalid_reason"
        )
        comment.reply = ""
    else:
        comment.moderation_reason = ""
        comment.reply = guards.bounded(reply, low=0, high=guards.REPLY_MAX, code="invalid_reply")
    previous = comment.status
    comment.status = target
    comment.moderated_by = actor
    comment.moderated_at = now
    comment.save(
        update_fields=["status", "moderation_reason", "reply", "moderated_by", "moderated_at"]
    )
    comment_event(
        comment,
        "comment_moderated",
        mall_id=topic.mall_id,
        actor=actor,
        now=now,
        data={"from": previous, "replied": bool(comment.reply)},
    )
    return comment


@dataclass(frozen=True)
class VoteResult:
    """The voter's stance now, whether it is their first vote, and the stance it replaced."""

    vote: Vote
    created: bool
    previous: str | None

    @property
    def changed(self) -> bool:
        return self.created or self.previous != self.vote.stance


@transaction.atomic
def vote_cast(
    *,
    topic: Topic,
    voter_key: str,
    stance: str,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> VoteResult:
    """Record a voter's stance; a second vote from the same voter replaces the first."""
    throttle("consultation_vote_ip", ip)
    throttle("consultation_vote_voter", voter_key)
    if stance not in Vote.Stance.values:
        raise Invalid(_("Choose agree, disagree or neutral."), code="invalid_stance")
    key = _require_key(voter_key)
    now = now or timezone.now()
    topic = topic_locked(topic)  # serialises the votes of a topic: no double insert
    _require_open(topic, now)
    vote = Vote.objects.filter(topic=topic, voter_key=key).first()
    if vote is None:
        vote = Vote.objects.create(
            topic=topic, voter_key=key, stance=stance, created_at=now, updated_at=now
        )
        result = VoteResult(vote=vote, created=True, previous=None)
    else:
        result = VoteResult(vote=vote, created=False, previous=vote.stance)
        if vote.stance == stance:
            return result  # nothing changes, nothing to record
        vote.stance = stance
        vote.updated_at = now
        vote.save(update_fields=["stance", "updated_at"])
    topic_event(
        topic,
        "vote_cast",
        now=now,
        data={"vote": vote.pk, "stance": stance, "previous": result.previous},
    )
    return result


@transaction.atomic
def comment_support(
    *,
    comment: Comment,
    voter_key: str,
    support: bool = True,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Add (or, with support=False, take back) a voter's support of an approved comment.
    Returns whether anything changed."""
    throttle("consultation_vote_ip", ip)
    throttle("consultation_vote_voter", voter_key)
    key = _require_key(voter_key)
    now = now or timezone.now()
    topic = topic_locked(comment.topic)
    _require_open(topic, now)
    comment = Comment.objects.filter(
        pk=comment.pk, topic=topic, status=Comment.Status.APPROVED
    ).first()
    if comment is None:
        raise comment_not_found()
    if support:
        _, changed = CommentSupport.objects.get_or_create(
            comment=comment, voter_key=key, defaults={"created_at": now}
        )
    else:
        changed = bool(CommentSupport.objects.filter(comment=comment, voter_key=key).delete()[0])
    if changed:
        comment_event(
            comment,
            "comment_supported" if support else "comment_support_withdrawn",
            mall_id=topic.mall_id,
            now=now,
        )
    return changed
