"""The assistant's page: /asisten/ (every mall) and /m/<mall>/asisten/ (one mall).

A plain form page, so it works without JavaScript, on a 360 px phone and at a kiosk:
the conversation so far, the last answer's choices as buttons (each a form submit
carrying its number), and a text box. A POST answers and redirects back to the page
(so a reload never sends a message twice).

The engine's state and the conversation shown live in the Django session (stored on
the server), one conversation per mall, cleared after 30 minutes of silence or with
"Start over". What the citizen typed is kept there only to show it back, with any NIK
or phone number taken out first (search.selectors.clean_query).
/m/<mall>/asisten/<service>/ (the search page's "Ask about it") opens a conversation
on that service.
"""

from __future__ import annotations

import time

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mpp.assistant import engine
from mpp.assistant.answers import Kind
from mpp.assistant.services import SILENCE
from mpp.assistant.throttle import assistant_throttle
from mpp.catalog.pages import mall_or_404
from mpp.search.selectors import QUERY_MAX, clean_query

SESSION_KEY = "assistant"
TURNS_KEPT = 16  # entries shown: the last eight exchanges
SILENCE_SECONDS = SILENCE.total_seconds()  # as for a WhatsApp/SMS conversation
MESSAGE_MAX = QUERY_MAX


def _page_url(mall) -> str:
    return reverse("assistant-mall", args=[mall.code]) if mall else reverse("assistant-home")


def _load(request, mall) -> dict:
    """This mall's conversation of the session: {"state", "turns", "at"} (fresh if silent)."""
    scope = mall.code if mall else "-"
    saved = request.session.get(SESSION_KEY, {}).get(scope)
    if not isinstance(saved, dict) or time.time() - saved.get("at", 0) > SILENCE_SECONDS:
        return {"state": None, "turns": []}
    return saved


def _save(request, mall, conversation: dict | None) -> None:
    scope = mall.code if mall else "-"
    everything = dict(request.session.get(SESSION_KEY, {}))
    if conversation is None:
        everything.pop(scope, None)
    else:
        conversation["turns"] = conversation["turns"][-TURNS_KEPT:]
        conversation["at"] = time.time()
        everything[scope] = conversation
    request.session[SESSION_KEY] = everything


def _render(request, mall, conversation: dict, *, status: int = 200, **extra):
    turns = conversation["turns"]
    last = next((i for i in range(len(turns) - 1, -1, -1) if "answer" in turns[i]), None)
    context = {
        "mall": mall,
        "action": _page_url(mall),
        "turns": turns,
        "last_answer": last,
        "welcome": engine.welcome().as_dict() if not turns else None,
        "message_max": MESSAGE_MAX,
        "search_url": reverse("search-mall", args=[mall.code]) if mall else reverse("search"),
        "list_url": reverse("mall-home", args=[mall.code]) if mall else reverse("web:home"),
        **extra,
    }
    return render(request, "assistant/chat.html", context, status=status)


def _shown(turns: list[dict], text: str) -> str:
    """The message as the page shows it: a choice's number with the choice's label."""
    last = next((t["answer"] for t in reversed(turns) if "answer" in t), None)
    for choice in (last or {}).get("choices", ()):
        if text.strip().rstrip(".") == str(choice["number"]):
            return f"{choice['number']}. {choice['label']}"
    return text


def chat(request, mall: str | None = None):
    """GET: the conversation so far. POST: one message (or "Start over"), then back."""
    mall_obj = mall_or_404(mall) if mall is not None else None
    conversation = _load(request, mall_obj)
    if request.method != "POST":
        return _render(request, mall_obj, conversation)
    if request.POST.get("reset"):
        _save(request, mall_obj, None)
        return redirect(_page_url(mall_obj))
    text = clean_query(request.POST.get("message", ""))  # at most MESSAGE_MAX characters
    if not text:
        return redirect(_page_url(mall_obj))
    limited = assistant_throttle(request)
    if not limited.allowed:
        response = _render(
            request, mall_obj, conversation, status=429, retry_after=limited.retry_after
        )
        response["Retry-After"] = str(limited.retry_after)
        return response
    state, answer = engine.reply(
        conversation["state"], text, mall_id=mall_obj.pk if mall_obj else None
    )
    shown = _shown(conversation["turns"], text)
    turns = [*conversation["turns"], {"text": shown}, {"answer": answer.as_dict()}]
    if answer.kind == Kind.WELCOME:  # greeting or "start over": a clean page
        turns = turns[-2:]
    _save(request, mall_obj, {"state": state, "turns": turns})
    return redirect(f"{_page_url(mall_obj)}#latest")


def ask(request, mall: str, service: str):
    """Open this mall's conversation on one service (the search page's "Ask about it")."""
    mall_obj = mall_or_404(mall)
    state, answer = engine.about(service, mall_id=mall_obj.pk)
    if answer.kind != Kind.SERVICE:
        raise Http404(_("This service is not offered here."))
    _save(request, mall_obj, {"state": state, "turns": [{"answer": answer.as_dict()}]})
    return redirect(f"{_page_url(mall_obj)}#latest")
