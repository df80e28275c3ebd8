"""Reads of the consultation forum for the pages and the API.

Why: what the public sees is decided here once: published topics only (never a draft),
approved comments only, tallies counted from the votes themselves. The staff reads
(every topic of the mall, the moderation queue) are separate functions, so a public
page cannot show a pending comment by mistake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from mpp.catalog.models import Mall
from mpp.consultation.models import Comment, CommentSupport, Topic, TopicChange, Vote

PUBLIC_STATUSES = (Topic.Status.OPEN, Topic.Status.CLOSED, Topic.Status.CONCLUDED)
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Tally:
    """How many voters agree, disagree or are neutral, with whole percentages."""

    agree: int = 0
    disagree: int = 0
    neutral: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.neutral

    def percent(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        """(stance, label, count, percent) in the order the pages show them."""
        counts = {"agree": self.agree, "disagree": self.disagree, "neutral": self.neutral}
        return [
            (value, str(label), counts[value], self.percent(counts[value]))
            for value, label in Vote.Stance.choices
        ]

    def as_dict(self) -> dict:
        return {
            "agree": self.agree,
            "disagree": self.disagree,
            "neutral": self.neutral,
            "total": self.total,
        }


def _count_of(model, **filters) -> Coalesce:
    """How many rows of `model` of each topic match `filters`, as a subquery (counting
    votes and comments through joins in one query would multiply their rows)."""
    rows = model.objects.filter(topic=OuterRef("pk"), **filters).order_by().values("topic")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def _with_counts(topics: QuerySet) -> QuerySet:
    return topics.annotate(
        n_agree=_count_of(Vote, stance=Vote.Stance.AGREE),
        n_disagree=_count_of(Vote, stance=Vote.Stance.DISAGREE),
        n_neutral=_count_of(Vote, stance=Vote.Stance.NEUTRAL),
        n_comments=_count_of(Comment, status=Comment.Status.APPROVED),
    )


def tally_of(topic: Topic) -> Tally:
    """The topic's tally: from list annotations when present, else counted now."""
    if hasattr(topic, "n_agree"):
        return Tally(topic.n_agree, topic.n_disagree, topic.n_neutral)
    counts = dict(topic.votes.values_list("stance").annotate(n=Count("id")).order_by())
    return Tally(
        counts.get(Vote.Stance.AGREE, 0),
        counts.get(Vote.Stance.DISAGREE, 0),
        counts.get(Vote.Stance.NEUTRAL, 0),
    )


def _changes() -> Prefetch:
    return Prefetch("changes", queryset=TopicChange.objects.select_related("service"))


@dataclass
class PublicTopics:
    """A mall's published topics as citizens see them, in the order the list shows them."""

    open: list[Topic]  # taking votes and comments, closing soonest first
    considering: list[Topic]  # closed (or past closing), outcome not yet published
    concluded: list[Topic]  # with their outcome, latest first

    @property
    def all(self) -> list[Topic]:
        return [*self.open, *self.considering, *self.concluded]


def topics_public(mall: Mall, now: dt.datetime | None = None) -> PublicTopics:
    now = now or timezone.now()
    topics = list(
        _with_counts(Topic.objects.filter(mall=mall, status__in=PUBLIC_STATUSES))
        .select_related("service")
        .prefetch_related(_changes())
    )
    far = now + dt.timedelta(days=36500)
    open_ = sorted(
        (t for t in topics if t.accepts_input(now)), key=lambda t: (t.closes_at or far, t.pk)
    )
    considering = sorted(
        (t for t in topics if t.status != Topic.Status.CONCLUDED and not t.accepts_input(now)),
        key=lambda t: t.closed_at or t.closes_at or now,
        reverse=True,
    )
    concluded = sorted(
        (t for t in topics if t.status == Topic.Status.CONCLUDED),
        key=lambda t: (t.concluded_at, t.pk),
        reverse=True,
    )
    return PublicTopics(open=open_, considering=considering, concluded=concluded)


def topic_public(topic_id: int, mall: Mall | None = None) -> Topic | None:
    """A published topic (open, closed, concluded, or withdrawn after publishing)."""
    if not isinstance(topic_id, int) or not 0 < topic_id <= MAX_ID:
        return None
    topics = Topic.objects.select_related("mall__regency", "service").prefetch_related(_changes())
    if mall is not None:
        topics = topics.filter(mall=mall)
    return topics.filter(pk=topic_id, opens_at__isnull=False).first()


def comments_public(topic: Topic, voter_key: str | None = None) -> list[Comment]:
    """Approved comments, oldest first, each with `.n_supports` and `.supported` (by this
    voter)."""
    comments = topic.comments.filter(status=Comment.Status.APPROVED).annotate(
        n_supports=Count("supports")
    )
    if voter_key:
        mine = CommentSupport.objects.filter(comment=OuterRef("pk"), voter_key=voter_key)
        comments = comments.annotate(supported=Exists(mine))
    return list(comments.order_by("created_at", "id"))


def comments_of_author(topic: Topic, author_key: str | None) -> list[Comment]:
    """This browser's own comments on the topic, whatever their state (newest first)."""
    if not author_key:
        return []
    return list(topic.comments.filter(author_key=author_key).order_by("-created_at", "-id"))


def stance_of(topic: Topic, voter_key: str | None) -> str | None:
    if not voter_key:
        return None
    return topic.votes.filter(voter_key=voter_key).values_list("stance", flat=True).first()


# Staff ------------------------------------------------------------------------------


def topics_managed(mall: Mall) -> list[Topic]:
    """Every topic of the mall, newest first, with tallies and `.n_pending` comments."""
    return list(
        _with_counts(Topic.objects.filter(mall=mall))
        .annotate(n_pending=_count_of(Comment, status=Comment.Status.PENDING))
        .select_related("service")
        .order_by("-created_at", "-id")
    )


def moderation_queue(mall: Mall, topic: Topic | None = None) -> list[Comment]:
    """Comments waiting for a moderator, oldest first (topics open or closed)."""
    comments = Comment.objects.filter(
        topic__mall=mall,
        status=Comment.Status.PENDING,
        topic__status__in=(Topic.Status.OPEN, Topic.Status.CLOSED),
    )
    if topic is not None:
        comments = comments.filter(topic=topic)
    return list(comments.select_related("topic").order_by("created_at", "id"))


def topic_for_staff(mall: Mall, topic_id: int) -> Topic | None:
    if not 0 < topic_id <= MAX_ID:
        return None
    return (
        Topic.objects.select_related("mall", "service", "created_by")
        .prefetch_related(_changes())
        .filter(mall=mall, pk=topic_id)
        .first()
    )


def topic_comments_for_staff(topic: Topic) -> list[Comment]:
    """All comments of a topic with their state, for the manager (oldest first)."""
    return list(
        topic.comments.annotate(n_supports=Count("supports"))
        .select_related("moderated_by")
        .order_by("created_at", "id")
    )


def comment_for_staff(mall: Mall, comment_id: int) -> Comment | None:
    if not 0 < comment_id <= MAX_ID:
        return None
    return Comment.objects.select_related("topic").filter(topic__mall=mall, pk=comment_id).first()
