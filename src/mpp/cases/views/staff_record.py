"""Recording a walk-in's application at the counter (/staff/cases/record/).

Why: many citizens still come with papers and a queue number. The officer serving the
ticket records the application for them (channel "counter", the case linked to the
ticket), then fills in the answers and scans the papers on the case page, and submits
it for the citizen: from then on it is the same case as one sent online, with the same
deadline, history and messages.

GET lists the tickets called to or served at the counters this officer has open; a
POST names the ticket (its id goes in the form, never in the address) and, with the
applicant's identity, starts the case through cases.services.case_start. Only the
officer of the counter the ticket stands at may record for it (access "case.record").
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.cases import services
from mpp.cases.models import CaseType, Channel
from mpp.cases.views.staff_common import RECORD
from mpp.cases.views.staff_forms import FIELD_OF_CODE, RecordForm
from mpp.core.errors import DomainError
from mpp.queueing.models import Ticket

AT_COUNTER = (Ticket.Status.CALLED, Ticket.Status.SERVING)


def _my_tickets(user) -> list[Ticket]:
    """Today's tickets called to or served at the counters this user has open."""
    tickets = (
        Ticket.objects.filter(counter__officer=user, counter__is_open=True, status__in=AT_COUNTER)
        .select_related("mall", "counter", "offering__service")
        .order_by("-called_at")
    )
    return [t for t in tickets if t.service_date == t.mall.today()]


def _ticket_for(request) -> Ticket:
    """The ticket named in the POST, if it stands at a counter this user has open."""
    try:
        ticket_id = uuid.UUID(request.POST.get("ticket", ""))
    except ValueError:
        raise Http404(_("No such ticket.")) from None
    ticket = (
        Ticket.objects.select_related("mall", "counter", "offering__service", "offering__booth")
        .filter(pk=ticket_id)
        .first()
    )
    user = request.user
    if ticket is None or not (access.is_national(user) or ticket.mall_id == user.mall_id):
        raise Http404(_("No such ticket."))
    access.require_page(user, RECORD, ticket)
    if ticket.counter is None or ticket.counter.officer_id != user.pk:
        raise PermissionDenied(_("This ticket is not at your counter."))
    if ticket.status not in AT_COUNTER or ticket.service_date != ticket.mall.today():
        raise PermissionDenied(_("This ticket is not being served now."))
    return ticket


def _case_types(ticket: Ticket) -> list[CaseType]:
    """The mall's open application types, the ticket's own service first."""
    types = list(
        CaseType.objects.filter(mall_id=ticket.mall_id, is_open=True)
        .select_related("service", "offering")
        .order_by("service__name")
    )
    types.sort(key=lambda t: t.offering_id != ticket.offering_id)
    return types


@login_required
@never_cache
def staff_record(request):
    """GET: the tickets at my counters. POST ticket: the form; POST ticket+identity: start."""
    if not access.allowed(request.user, RECORD):
        raise PermissionDenied(_("You may not do this here."))
    if request.method != "POST":
        return render(request, "cases/staff/record.html", {"tickets": _my_tickets(request.user)})
    ticket = _ticket_for(request)
    case_types = _case_types(ticket)
    if not case_types:
        messages.error(request, _("This mall takes no applications yet."))
        return redirect("cases:staff_record")
    if "applicant_name" not in request.POST:  # first step: the empty form
        form = RecordForm(case_types=case_types, initial={"case_type": case_types[0].pk})
        return render(request, "cases/staff/record.html", {"ticket": ticket, "form": form})
    form = RecordForm(request.POST, case_types=case_types)
    if form.is_valid():
        data = form.cleaned_data
        case_type = next(t for t in case_types if t.pk == data["case_type"])
        try:
            case = services.case_start(
                case_type=case_type,
                channel=Channel.COUNTER,
                applicant_name=data["applicant_name"],
                nik=data["nik"],
                phone=data["phone"],
                email=data["email"],
                language=data["language"],
                relation=data["relation"],
                subject_name=data["subject_name"],
                ticket=ticket,
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(FIELD_OF_CODE.get(exc.code), exc.message)
        else:
            messages.success(
                request,
                _("Application %(number)s recorded for ticket %(ticket)s.")
                % {"number": case.number, "ticket": ticket.number},
            )
            return redirect("cases:staff_case", number=case.number)
    return render(request, "cases/staff/record.html", {"ticket": ticket, "form": form}, status=400)
