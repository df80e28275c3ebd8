"""Citizens' pages of the consultation forum: the mall's topics and one topic.

Why: a citizen opens a link from the mall's page or a poster's QR code on a cheap phone,
reads what is proposed, says whether they agree, and comments, all with plain forms
(no JavaScript, no account). A vote or comment is a POST answered with a redirect back
to the topic (so a reload never sends it twice) and a short message; a refusal shows
the topic again with a sentence saying why, and what was typed kept. The browser's voter
cookie (mpp.consultation.voters) is set with the first vote, support or comment.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mpp.accounts import access
from mpp.catalog.pages import mall_or_404
from mpp.catalog.selectors import offerings_for_mall
from mpp.consultation import selectors, services
from mpp.consultation.forms import CommentForm, VoteForm, add_service_error
from mpp.consultation.models import Comment, Topic, Vote
from mpp.consultation.views.common import (
    Problem,
    parse_id,
    problem,
)
from mpp.consultation.voters import voter_cookie_set, voter_key
from mpp.core.errors import DomainError, Invalid
from mpp.core.ratelimit import client_ip


def _topic_or_404(mall, topic_id) -> Topic:
    topic = selectors.topic_public(parse_id(topic_id) or 0, mall)
    if topic is None:
        raise Http404(_("There is no such consultation topic."))
    return topic


def _offered(mall) -> set[int]:
    return set(offerings_for_mall(mall).values_list("service_id", flat=True))


def topic_list(request, mall: str):
    """Open topics first (closing soonest first), then those being considered, then the
    concluded ones with their outcome and changes."""
    mall_obj = mall_or_404(mall)
    topics = selectors.topics_public(mall_obj)
    for topic in topics.all:
        topic.tally = selectors.tally_of(topic)
    return render(
        request,
        "consultation/list.html",
        {
            "mall": mall_obj,
            "topics": topics,
            "offered": _offered(mall_obj),
            "may_manage": access.allowed(request.user, "consultation.manage", mall_obj),
        },
    )


def _topic_page(request, mall, topic, *, comment_form=None, error=None, status=200):
    key = voter_key(request)
    context = {
        "mall": mall,
        "topic": topic,
        "tally": selectors.tally_of(topic),
        "comments": selectors.comments_public(topic, key),
        "mine": [c for c in selectors.comments_of_author(topic, key) if c.status != "approved"],
        "stance": selectors.stance_of(topic, key),
        "stances": Vote.Stance.choices,
        "accepting": topic.accepts_input(),
        "comment_form": comment_form or CommentForm(),
        "offered": _offered(mall),
        "error": error,
        "list_url": reverse("consultation-list", args=[mall.code]),
    }
    response = render(request, "consultation/topic.html", context, status=status)
    if error is not None and error.code == "rate_limited":
        response["Retry-After"] = str(getattr(error, "retry_after", 60))
    return response


def _refused(request, mall, topic, exc: DomainError, **kwargs):
    error = problem(exc)
    error.retry_after = getattr(exc, "retry_after", None)
    return _topic_page(request, mall, topic, error=error, status=exc.status, **kwargs)


def _back(request, topic: Topic, anchor: str):
    url = reverse("consultation-topic", args=[topic.mall.code, topic.pk])
    return voter_cookie_set(request, redirect(f"{url}#{anchor}"))


@never_cache
def topic_detail(request, mall: str, topic_id: int):
    mall_obj = mall_or_404(mall)
    return _topic_page(request, mall_obj, _topic_or_404(mall_obj, topic_id))


@never_cache
@require_POST
def topic_vote(request, mall: str, topic_id: int):
    mall_obj = mall_or_404(mall)
    topic = _topic_or_404(mall_obj, topic_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        error = Problem("invalid_stance", _("Please choose agree, disagree or neutral."))
        return _topic_page(request, mall_obj, topic, error=error, status=422)
    try:
        result = services.vote_cast(
            topic=topic,
            voter_key=voter_key(request, create=True),
            stance=form.cleaned_data["stance"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        return _refused(request, mall_obj, topic, exc)
    if result.created:
        messages.success(request, _("Thank you. Your vote is recorded."))
    elif result.changed:
        messages.success(request, _("Your vote is changed."))
    else:
        messages.info(request, _("Your vote was already this."))
    return _back(request, topic, "suara")


@never_cache
@require_POST
def topic_comment(request, mall: str, topic_id: int):
    mall_obj = mall_or_404(mall)
    topic = _topic_or_404(mall_obj, topic_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _topic_page(request, mall_obj, topic, comment_form=form, status=422)
    try:
        services.comment_submit(
            topic=topic,
            body=form.cleaned_data["body"],
            display_name=form.cleaned_data["display_name"],
            author_key=voter_key(request, create=True),
            ip=client_ip(request),
        )
    except Invalid as exc:
        add_service_error(form, exc)
        return _topic_page(request, mall_obj, topic, comment_form=form, status=exc.status)
    except DomainError as exc:
        return _refused(request, mall_obj, topic, exc, comment_form=form)
    messages.success(request, _("Thank you. Your comment will appear after moderation."))
    return _back(request, topic, "komentar-anda")


@never_cache
@require_POST
def comment_support(request, mall: str, topic_id: int, comment_id: int):
    mall_obj = mall_or_404(mall)
    topic = _topic_or_404(mall_obj, topic_id)
    comment = Comment(pk=parse_id(comment_id) or 0, topic=topic)
    try:
        services.comment_support(
            comment=comment,
            voter_key=voter_key(request, create=True),
            support=request.POST.get("support") != "0",
            ip=client_ip(request),
        )
    except DomainError as exc:
        return _refused(request, mall_obj, topic, exc)
    return _back(request, topic, f"komentar-{comment.pk}")
