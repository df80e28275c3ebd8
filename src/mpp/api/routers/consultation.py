"""Public consultation endpoints (forum konsultasi publik): topics, comments, votes.

Read: a mall's published topics (open ones first, then closed ones waiting for their
outcome, then concluded ones with the outcome and the changes made), and one topic with
its tally and approved comments. Write (public, no sign-in): a comment, which waits for
moderation (202), and a vote, one stance per voter (voting again changes it).

A voter is the browser's signed `mpp_voter` cookie (set by the first vote or comment
when missing; keep it, like a browser does, to change a vote later). Writes are
rate-limited per client IP and per voter (429 rate_limited with Retry-After). Topics
are managed on the mall's staff pages (/m/<mall>/konsultasi/kelola/), not here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from mpp.api.lookups import MAX_ID, mall_or_404
from mpp.api.schemas import ErrorOut, MallCode, ValidationErrorOut
from mpp.consultation import selectors, services
from mpp.consultation.models import Topic, TopicChange
from mpp.consultation.records import topic_not_found
from mpp.consultation.voters import voter_cookie_set, voter_key
from mpp.core.ratelimit import client_ip

router = Router(tags=["consultation"])

TopicId = Path(..., ge=1, le=MAX_ID, description="The topic's id (see listConsultations).")
StanceName = Literal["agree", "disagree", "neutral"]


class TallyOut(Schema):
    agree: int
    disagree: int
    neutral: int
    total: int


class ServiceRefOut(Schema):
    code: str
    name: str


class ChangeOut(Schema):
    description: str = Field(..., examples=["Photocopy of the KK no longer required"])
    service: ServiceRefOut | None


class TopicSummaryOut(Schema):
    id: int
    mall: str
    kind: Literal["service_standard", "new_service", "survey_result", "other"]
    title: str
    status: Literal["open", "closed", "concluded", "withdrawn"]
    accepting: bool = Field(..., description="Taking votes and comments now.")
    opens_at: dt.datetime
    closes_at: dt.datetime | None
    concluded_at: dt.datetime | None
    service: ServiceRefOut | None = Field(..., description="The service it is about, if any.")
    tally: TallyOut
    comment_count: int = Field(..., description="Approved comments.")
    outcome: str = Field(..., description="Empty until concluded.")
    changes: list[ChangeOut] = Field(..., description="What changed because of it.")
    url: str = Field(..., description="The topic's page for citizens.")


class CommentOut(Schema):
    id: int
    name: str = Field(..., description="As the citizen chose to be shown, or Anonymous.")
    body: str
    created_at: dt.datetime
    reply: str = Field(..., description="The mall's public reply, if any.")
    supports: int


class TopicOut(TopicSummaryOut):
    body: str
    withdrawn_reason: str
    comments: list[CommentOut] = Field(..., description="Approved comments, oldest first.")


class CommentIn(Schema):
    body: str = Field(..., max_length=10000, description="10 to 2000 characters, at most 2 links.")
    name: str = Field("", max_length=200, description="Shown with the comment; empty: Anonymous.")


class CommentAcceptedOut(Schema):
    id: int
    status: Literal["pending"]
    message: str


class VoteIn(Schema):
    stance: StanceName


class VoteOut(Schema):
    stance: StanceName
    created: bool = Field(..., description="This voter's first vote on the topic.")
    changed: bool = Field(..., description="The count changed (a first or a different vote).")
    tally: TallyOut


def _ref(service) -> dict | None:
    return {"code": service.code, "name": service.name} if service else None


def _change(change: TopicChange) -> dict:
    return {"description": change.description, "service": _ref(change.service)}


def _summary(topic: Topic, mall_code: str) -> dict:
    tally = selectors.tally_of(topic)
    comment_count = getattr(topic, "n_comments", None)
    if comment_count is None:
        comment_count = topic.comments.filter(status="approved").count()
    return {
        "id": topic.pk,
        "mall": mall_code,
        "kind": topic.kind,
        "title": topic.title,
        "status": topic.status,
        "accepting": topic.accepts_input(),
        "opens_at": topic.opens_at,
        "closes_at": topic.closes_at,
        "concluded_at": topic.concluded_at,
        "service": _ref(topic.service),
        "tally": tally.as_dict(),
        "comment_count": comment_count,
        "outcome": topic.outcome,
        "changes": [_change(c) for c in topic.changes.all()],
        "url": reverse("consultation-topic", args=[mall_code, topic.pk]),
    }


def _topic_or_404(topic_id: int) -> Topic:
    topic = selectors.topic_public(topic_id)
    if topic is None:
        raise topic_not_found()
    return topic


_WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut | ErrorOut, 429: ErrorOut}


@router.get(
    "/malls/{mall}/consultations",
    response={200: list[TopicSummaryOut], 404: ErrorOut},
    operation_id="listConsultations",
)
def list_consultations(request, mall: str = MallCode):
    """The mall's published topics: open ones (closing soonest first), then closed ones
    whose outcome is being prepared, then concluded ones (latest first) with the outcome
    and the changes made. Drafts and withdrawn topics are not listed."""
    found = mall_or_404(mall)
    return [_summary(t, found.code) for t in selectors.topics_public(found).all]


@router.get(
    "/consultations/{topic_id}",
    response={200: TopicOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="getConsultation",
)
def get_consultation(request, topic_id: int = TopicId):
    """One published topic with its text, tally, approved comments (with the mall's
    replies and support counts), and for a concluded topic the outcome and changes.
    404 consultation_not_found for an unknown id or a draft."""
    topic = _topic_or_404(topic_id)
    comments = selectors.comments_public(topic)
    return {
        **_summary(topic, topic.mall.code),
        "comment_count": len(comments),
        "body": topic.body,
        "withdrawn_reason": topic.withdrawn_reason,
        "comments": [
            {
                "id": c.pk,
                "name": c.name,
                "body": c.body,
                "created_at": c.created_at,
                "reply": c.reply,
                "supports": c.n_supports,
            }
            for c in comments
        ],
    }


@router.post(
    "/consultations/{topic_id}/comments",
    response={202: CommentAcceptedOut, **_WRITE_ERRORS},
    operation_id="createConsultationComment",
)
def create_comment(request, response: HttpResponse, payload: CommentIn, topic_id: int = TopicId):
    """Send a comment; 202: it is shown once a moderator approves it.

    409 topic_not_open (closed, past its closing time, or withdrawn), duplicate_comment
    (the same text again from this voter). 422 comment_too_short, comment_too_long,
    too_many_links, personal_data (it looks like it holds a NIK or a phone number:
    comments are public), invalid_name. 429 rate_limited with Retry-After."""
    topic = _topic_or_404(topic_id)
    comment = services.comment_submit(
        topic=topic,
        body=payload.body,
        display_name=payload.name,
        author_key=voter_key(request, create=True),
        ip=client_ip(request),
    )
    voter_cookie_set(request, response)
    message = _("Thank you. Your comment will appear after moderation.")
    return Status(202, {"id": comment.pk, "status": "pending", "message": message})


@router.post(
    "/consultations/{topic_id}/votes",
    response={200: VoteOut, **_WRITE_ERRORS},
    operation_id="castConsultationVote",
)
def cast_vote(request, response: HttpResponse, payload: VoteIn, topic_id: int = TopicId):
    """Vote agree, disagree or neutral. One stance per voter (the `mpp_voter` cookie):
    voting again changes it and is never counted twice. 409 topic_not_open; 429
    rate_limited with Retry-After."""
    topic = _topic_or_404(topic_id)
    result = services.vote_cast(
        topic=topic,
        voter_key=voter_key(request, create=True),
        stance=payload.stance,
        ip=client_ip(request),
    )
    voter_cookie_set(request, response)
    return {
        "stance": result.vote.stance,
        "created": result.created,
        "changed": result.changed,
        "tally": selectors.tally_of(topic).as_dict(),
    }
