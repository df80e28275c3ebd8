"""The officer console: a counter (loket), its current ticket and waiting list, one key per action.

Every action is a plain POST form that calls one queue service and redirects back,
so the console works without JavaScript; console.js adds the keyboard shortcuts and
refreshes the panel when the mall's board stream reports a change. Domain errors
(counter busy, recall first, wrong state) come back as readable messages.
Each rendering of the panel gives its forms a fresh nonce (core.formkeys, idempotency
records in the database): the same form sent again, after any failure, shows the first
answer again instead of calling, recalling or finishing a second time.
Access: staff who may operate the counter (accounts.access, action counter.operate).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mpp.accounts import access
from mpp.catalog.hooks import mall_links
from mpp.catalog.models import Counter, Mall
from mpp.catalog.selectors import counter_get, counters_for_mall, mall_get, offerings_for_mall
from mpp.core.errors import Conflict, DomainError, Invalid
from mpp.core.formkeys import form_key_new, form_once
from mpp.queueing import services
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import counter_current_ticket, counter_is_open_today

WAITING_SHOWN = 50  # rows of the waiting list; the rest is counted


@dataclass(frozen=True)
class Action:
    name: str
    key: str
    label: str
    style: str = ""


ACTIONS = (
    Action("call", "N", gettext_lazy("Call next"), "btn-call"),
    Action("recall", "R", gettext_lazy("Recall")),
    Action("start", "S", gettext_lazy("Start")),
    Action("finish", "F", gettext_lazy("Finish"), "btn-finish"),
    Action("no-show", "X", gettext_lazy("No-show"), "btn-danger"),
    Action("transfer", "T", gettext_lazy("Transfer")),
    Action("close", "C", gettext_lazy("Close counter"), "btn-secondary"),
)


def counter_for_staff(request, counter_id: int) -> Counter:
    """The counter, if this staff member may operate it (404 unknown, 403 not theirs).
    Shared with the counter's survey tablet (surveys.views.tablet)."""
    counter = counter_get(counter_id) if 0 < counter_id < 2**63 else None
    if counter is None:
        raise Http404(_("Counter not found."))
    access.require_page(
        request.user, "counter.operate", counter, _("You may not operate this counter.")
    )
    return counter


def _panel_context(request, counter: Counter) -> dict:
    mall = counter.mall
    today = mall.today()
    now = timezone.now()
    current = counter_current_ticket(counter)
    waiting_qs = Ticket.objects.filter(
        mall=mall,
        service_date=today,
        status=Ticket.Status.WAITING,
        offering__in=counter.offerings.filter(is_active=True),
    )
    waiting = list(
        waiting_qs.select_related("offering__service").order_by("queued_at", "seq")[:WAITING_SHOWN]
    )
    waiting_total = waiting_qs.count()
    for t in waiting:
        t.waiting_minutes = int((now - t.queued_at).total_seconds() // 60)
    served_today = Ticket.objects.filter(
        counter=counter, service_date=today, status=Ticket.Status.DONE
    ).count()
    status = current.status if current else None
    recalls_needed = mall.no_show_after_recalls
    enabled = {
        "call": current is None and waiting_total > 0,
        "recall": status == Ticket.Status.CALLED,
        "start": status == Ticket.Status.CALLED,
        "finish": status == Ticket.Status.SERVING,
        "no-show": status == Ticket.Status.CALLED and current.recall_count >= recalls_needed,
        "transfer": current is not None,
        "close": counter.is_open,
    }
    transfer_targets = []
    if current is not None:
        transfer_targets = [o for o in offerings_for_mall(mall) if o.pk != current.offering_id]
    since = None
    if current is not None:
        since = current.started_at if status == Ticket.Status.SERVING else current.called_at
    return {
        "counter": counter,
        "mall": mall,
        "now": now,
        "current": current,
        "since": since,
        "recalls_needed": recalls_needed,
        "waiting": waiting,
        "waiting_total": waiting_total,
        "waiting_more": max(waiting_total - len(waiting), 0),
        "served_today": served_today,
        "actions": [(a, enabled[a.name]) for a in ACTIONS],
        "transfer_targets": transfer_targets,
        "taken_by_other": counter.is_open and counter.officer_id not in (None, request.user.pk),
        "nonce": form_key_new(),  # one per rendering, shared by its forms (scoped by action)
    }


@login_required
@never_cache
@require_GET
def console_home(request):
    """Step 1: pick a counter among those this staff member may operate."""
    user = request.user
    malls = []
    mall = None
    if access.is_national(user):
        code = request.GET.get("mall", "")
        mall = mall_get(code) if code else None
        if mall is None:
            malls = list(Mall.objects.filter(counters__isnull=False).distinct().order_by("name"))
    elif user.mall_id:
        mall = user.mall
    counters = []
    if mall is not None:
        counters = list(
            access.restrict(counters_for_mall(mall), user, "counter.operate").select_related(
                "officer"
            )
        )
    return render(
        request,
        "queueing/console_pick.html",
        {
            "mall": mall,
            "malls": malls,
            "counters": counters,
            "no_mall": not access.is_national(user) and not user.mall_id,
        },
    )


@login_required
@never_cache
@require_GET
def console_counter(request, counter_id: int):
    """Step 2: the counter's console. Opening it opens the counter for this officer."""
    counter = counter_for_staff(request, counter_id)
    if not counter_is_open_today(counter) or counter.officer_id is None:
        counter = services.counter_open(counter_id=counter.pk, officer_id=request.user.pk)
        counter = counter_get(counter.pk)
    context = _panel_context(request, counter)
    context["stream_url"] = f"{reverse('api-v1:api-root')}malls/{counter.mall.code}/board/stream"
    context["mall_links"] = mall_links(counter.mall, "console")  # e.g. applications (cases)
    context["labels"] = {
        "live": _("Live"),
        "reconnecting": _("Offline: reconnecting…"),
        "backup": _("Live (backup mode)"),
    }
    return render(request, "queueing/console.html", context)


@login_required
@never_cache
@require_GET
def console_panel(request, counter_id: int):
    """The live part of the console as an HTML fragment, fetched again on each queue change."""
    counter = counter_for_staff(request, counter_id)
    return render(request, "queueing/console_panel.html", _panel_context(request, counter))


def _shown_ticket(request, counter: Counter) -> Ticket:
    """The counter's current ticket, and the same one the officer saw when pressing the key."""
    current = counter_current_ticket(counter)
    if current is None:
        raise Conflict(_("There is no ticket at this counter now."), code="no_ticket")
    shown = request.POST.get("ticket", "")
    if shown and shown != str(current.pk):
        raise Conflict(
            _("The ticket at this counter has changed; check the screen and try again."),
            code="stale_ticket",
        )
    return current


def _do_call(request, counter):
    ticket = services.ticket_call_next(counter_id=counter.pk, actor_id=request.user.pk)
    if ticket is None:
        return _("Nobody is waiting for this counter.")
    return _("%(number)s called.") % {"number": ticket.number}


def _do_recall(request, counter):
    ticket = _shown_ticket(request, counter)
    ticket = services.ticket_recall(ticket_id=ticket.pk, actor_id=request.user.pk)
    return _("%(number)s called again (recall %(n)s).") % {
        "number": ticket.number,
        "n": ticket.recall_count,
    }


def _do_start(request, counter):
    ticket = _shown_ticket(request, counter)
    ticket = services.ticket_start(ticket_id=ticket.pk, actor_id=request.user.pk)
    return _("Serving %(number)s.") % {"number": ticket.number}


def _do_finish(request, counter):
    ticket = _shown_ticket(request, counter)
    ticket = services.ticket_finish(ticket_id=ticket.pk, actor_id=request.user.pk)
    return _("%(number)s finished.") % {"number": ticket.number}


def _do_no_show(request, counter):
    ticket = _shown_ticket(request, counter)
    ticket = services.ticket_no_show(ticket_id=ticket.pk, actor_id=request.user.pk)
    return _("%(number)s marked as no-show.") % {"number": ticket.number}


def _do_transfer(request, counter):
    ticket = _shown_ticket(request, counter)
    code = request.POST.get("service", "").strip()
    if not code:
        raise Invalid(_("Choose the service to transfer the ticket to."), code="service_missing")
    ticket = services.ticket_transfer(
        ticket_id=ticket.pk, service_code=code, actor_id=request.user.pk
    )
    return _("%(number)s transferred to %(service)s; it keeps its place in the queue.") % {
        "number": ticket.number,
        "service": ticket.offering.service.name,
    }


def _do_open(request, counter):
    services.counter_open(counter_id=counter.pk, officer_id=request.user.pk)
    return _("%(counter)s is open.") % {"counter": counter}


def _do_close(request, counter):
    services.counter_close(counter_id=counter.pk, officer_id=request.user.pk)
    return _("%(counter)s is closed.") % {"counter": counter}


_HANDLERS = {
    "call": _do_call,
    "recall": _do_recall,
    "start": _do_start,
    "finish": _do_finish,
    "no-show": _do_no_show,
    "transfer": _do_transfer,
    "open": _do_open,
    "close": _do_close,
}


@login_required
@require_POST
def console_action(request, counter_id: int, action: str):
    """One console action by POST; back to the console with a message either way."""
    counter = counter_for_staff(request, counter_id)
    handler = _HANDLERS.get(action)
    if handler is None:
        raise Http404(_("Unknown action."))
    fields = {"ticket": request.POST.get("ticket", ""), "service": request.POST.get("service", "")}
    try:
        result, _replayed = form_once(
            request,
            scope=f"console:{counter.pk}:{action}",
            fields=fields,
            run=lambda: {"message": str(handler(request, counter))},
        )
        message = result["message"]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
        if action == "close":
            return redirect("console")
    return redirect("console-counter", counter_id=counter.pk)
