"""The mall manager's consultation pages: topics, moderation, and each topic's life.

Why: a manager must be able to run a consultation from start to published outcome
without the admin: write a draft, publish it until a date, watch the tally, moderate
comments (approve, with an optional public reply, or reject with a reason), close it,
and conclude it with the outcome and the concrete changes. Every button is a POST to a
service; a refusal comes back as a message on the page (never a 500), and form mistakes
next to their field. Managers of the mall and national admins only (see common.py);
another mall's manager gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mpp.catalog.pages import mall_or_404
from mpp.consultation import selectors, services
from mpp.consultation.forms import (
    ClosingForm,
    ConcludeForm,
    ModerateForm,
    ReasonForm,
    TopicForm,
    add_service_error,
    closing_day,
    closing_time,
)
from mpp.consultation.models import Topic
from mpp.consultation.views.common import parse_id, require_manager
from mpp.core.errors import DomainError


def _manager_mall(request, mall: str):
    mall_obj = mall_or_404(mall)
    require_manager(request, mall_obj)
    return mall_obj


def _topic_or_404(mall, topic_id) -> Topic:
    topic = selectors.topic_for_staff(mall, parse_id(topic_id) or 0)
    if topic is None:
        raise Http404(_("There is no such consultation topic."))
    return topic


def _manage_url(topic: Topic) -> str:
    return reverse("consultation-manage-topic", args=[topic.mall.code, topic.pk])


@never_cache
@login_required
def manage_home(request, mall: str):
    """The mall's topics (newest first) and the comments waiting for moderation."""
    mall_obj = _manager_mall(request, mall)
    topics = selectors.topics_managed(mall_obj)
    for topic in topics:
        topic.tally = selectors.tally_of(topic)
    return render(
        request,
        "consultation/manage_home.html",
        {"mall": mall_obj, "topics": topics, "queue": selectors.moderation_queue(mall_obj)},
    )


def _topic_form_page(request, mall, form, topic=None, status=200):
    return render(
        request,
        "consultation/manage_form.html",
        {"mall": mall, "form": form, "topic": topic},
        status=status,
    )


@never_cache
@login_required
def topic_new(request, mall: str):
    mall_obj = _manager_mall(request, mall)
    form = TopicForm(request.POST or None, mall=mall_obj)
    if request.method != "POST" or not form.is_valid():
        return _topic_form_page(request, mall_obj, form, status=422 if form.is_bound else 200)
    data = form.cleaned_data
    try:
        topic = services.topic_create(
            mall=mall_obj,
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            service=data["service"],
            closes_at=form.closes_at,
            actor=request.user,
        )
    except DomainError as exc:
        add_service_error(form, exc)
        return _topic_form_page(request, mall_obj, form, status=exc.status)
    messages.success(request, _("The draft is saved. Publish it when it is ready."))
    return redirect(_manage_url(topic))


@never_cache
@login_required
def topic_edit(request, mall: str, topic_id: int):
    mall_obj = _manager_mall(request, mall)
    topic = _topic_or_404(mall_obj, topic_id)
    initial = {
        "title": topic.title,
        "kind": topic.kind,
        "service": topic.service_id,
        "body": topic.body,
        "closes_on": closing_day(mall_obj, topic.closes_at),
    }
    form = TopicForm(request.POST or None, mall=mall_obj, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return _topic_form_page(request, mall_obj, form, topic, 422 if form.is_bound else 200)
    data = form.cleaned_data
    try:
        services.topic_update(
            topic=topic,
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            service=data["service"],
            closes_at=form.closes_at,
            actor=request.user,
        )
    except DomainError as exc:
        add_service_error(form, exc)
        return _topic_form_page(request, mall_obj, form, topic, exc.status)
    messages.success(request, _("The draft is saved."))
    return redirect(_manage_url(topic))


def _topic_page(request, mall, topic, *, forms=None, status=200):
    forms = forms or {}
    closes_on = closing_day(mall, topic.closes_at)
    context = {
        "mall": mall,
        "topic": topic,
        "tally": selectors.tally_of(topic),
        "comments": selectors.topic_comments_for_staff(topic),
        "accepting": topic.accepts_input(),
        "publish_form": forms.get("publish") or ClosingForm(initial={"closes_on": closes_on}),
        "extend_form": forms.get("extend") or ClosingForm(initial={"closes_on": closes_on}),
        "conclude_form": forms.get("conclude") or ConcludeForm(mall=mall),
        "withdraw_form": forms.get("withdraw") or ReasonForm(),
        "public_url": reverse("consultation-topic", args=[mall.code, topic.pk]),
    }
    return render(request, "consultation/manage_topic.html", context, status=status)


@never_cache
@login_required
def topic_manage(request, mall: str, topic_id: int):
    mall_obj = _manager_mall(request, mall)
    return _topic_page(request, mall_obj, _topic_or_404(mall_obj, topic_id))


def _act(action: str, topic: Topic, form, user):
    """Call the service of one action with the form's values."""
    data = form.cleaned_data if form is not None else {}
    if action == "publish":
        return services.topic_open(
            topic=topic, closes_at=closing_time(topic.mall, data["closes_on"]), actor=user
        )
    if action == "extend":
        return services.topic_extend(
            topic=topic, closes_at=closing_time(topic.mall, data["closes_on"]), actor=user
        )
    if action == "close":
        return services.topic_close(topic=topic, actor=user)
    if action == "conclude":
        return services.topic_conclude(
            topic=topic, outcome=data["outcome"], changes=form.changes, actor=user
        )
    return services.topic_withdraw(topic=topic, reason=data["reason"], actor=user)


# The actions of the topic page, with what each says when done.
DONE = {
    "publish": gettext_lazy("The topic is published. Citizens can now vote and comment."),
    "extend": gettext_lazy("The closing date is moved."),
    "close": gettext_lazy("The topic is closed to new votes and comments."),
    "conclude": gettext_lazy("The outcome is published."),
    "withdraw": gettext_lazy("The topic is withdrawn."),
}


@never_cache
@login_required
@require_POST
def topic_action(request, mall: str, topic_id: int, action: str):
    """One button of the topic page: publish, extend, close, conclude or withdraw."""
    mall_obj = _manager_mall(request, mall)
    topic = _topic_or_404(mall_obj, topic_id)
    if action not in DONE:
        raise Http404(_("There is no such action."))
    form = {
        "publish": lambda: ClosingForm(request.POST),
        "extend": lambda: ClosingForm(request.POST),
        "conclude": lambda: ConcludeForm(request.POST, mall=mall_obj),
        "withdraw": lambda: ReasonForm(request.POST),
    }.get(action, lambda: None)()
    if form is not None and not form.is_valid():
        return _topic_page(request, mall_obj, topic, forms={action: form}, status=422)
    try:
        _act(action, topic, form, request.user)
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect(_manage_url(topic))
        add_service_error(form, exc)
        messages.error(request, exc.message)
        return _topic_page(request, mall_obj, topic, forms={action: form}, status=exc.status)
    messages.success(request, str(DONE[action]))
    return redirect(_manage_url(topic))


@never_cache
@login_required
@require_POST
def comment_moderate(request, mall: str, comment_id: int):
    """Approve or reject one comment; back to where the moderator came from."""
    mall_obj = _manager_mall(request, mall)
    comment = selectors.comment_for_staff(mall_obj, parse_id(comment_id) or 0)
    if comment is None:
        raise Http404(_("There is no such comment."))
    form = ModerateForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith(f"/m/{mall_obj.code}/konsultasi/kelola/"):
        back = reverse("consultation-manage", args=[mall_obj.code])
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect(back)
    data = form.cleaned_data
    try:
        services.comment_moderate(
            comment=comment,
            decision=data["decision"],
            reason=data["reason"],
            reply=data["reply"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if data["decision"] == "approve":
        messages.success(request, _("The comment is approved and shown on the topic page."))
    else:
        messages.success(request, _("The comment is rejected."))
    return redirect(back)
