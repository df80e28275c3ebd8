"""The staff's complaint pages: recording one at the counter, the manager's list with
overdue flags, one complaint with the steps allowed now, its attachment, the export.

Why: a complaint must reach the person who can fix it and be answered in time. Every
page narrows complaints through complaints.selectors.complaints_for (a booth's staff
see their booth's, a manager their mall's), shows the deadlines and what is overdue,
and offers as buttons only the steps complaints.workflow allows this person now; the
steps themselves are complaints.services.complaint_act. Contact details are masked
here; a manager may reveal them, which is recorded.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.accounts import access
from mpp.catalog.models import Booth
from mpp.catalog.pages import mall_or_404
from mpp.complaints.export import export_csv, export_rows, export_xlsx
from mpp.complaints.forms import ExportForm, FilterForm
from mpp.complaints.models import Complaint
from mpp.complaints.selectors import (
    complaint_for_staff,
    complaint_list,
    complaints_for,
    forward_booths,
    overdue_count,
    staff_history,
)
from mpp.complaints.services import (
    complaint_act,
    complaint_contact_view,
    complaints_export_record,
)
from mpp.complaints.validation import code_grouped
from mpp.complaints.views.common import serve_attachment
from mpp.complaints.views.public import form_page
from mpp.complaints.workflow import EXTEND, MANAGERS, STEPS, allowed_steps, role_of
from mpp.core.errors import DomainError
from mpp.core.pii import email_mask, phone_mask
from mpp.core.workdays import working_days_between

PAGE_SIZE = 50


def _staff_mall(request, mall_code: str):
    mall = mall_or_404(mall_code)
    if not access.allowed(request.user, "complaint.record", mall):
        raise PermissionDenied(_("You are not staff of this mall."))
    return mall


@login_required
@never_cache
def complaint_counter(request, mall: str):
    """/m/<mall>/pengaduan/petugas/: an officer records a complaint for a citizen."""
    _staff_mall(request, mall)
    return form_page(request, mall, channel="counter", actor=request.user)


@login_required
@never_cache
def complaint_manage(request, mall: str):
    """/m/<mall>/pengaduan/kelola/: the complaints this person handles, with filters."""
    mall_obj = _staff_mall(request, mall)
    filters = FilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    now = timezone.now()
    rows = complaint_list(
        request.user,
        mall_id=mall_obj.pk,
        status=data.get("status") or "",
        category=data.get("category") or "",
        booth_id=data.get("booth"),
        overdue=True if data.get("overdue") else None,
        now=now,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page:
        c.age = working_days_between(c.received_at, now, mall_obj.tz)
    visible = complaints_for(request.user).filter(mall_id=mall_obj.pk)
    is_manager = role_of(request.user) in MANAGERS
    today = mall_obj.today()
    context = {
        "mall": mall_obj,
        "page": page,
        "filters": filters,
        "booths": Booth.objects.filter(mall=mall_obj) if is_manager else [],
        "statuses": Complaint.Status.choices,
        "categories": Complaint.Category.choices,
        "open_count": visible.filter(status__in=Complaint.OPEN_STATUSES).count(),
        "overdue_count": overdue_count(request.user, mall_id=mall_obj.pk, now=now),
        "is_manager": is_manager,
        "export_form": ExportForm(
            initial={"date_from": today.replace(day=1), "date_to": today, "format": "xlsx"}
        ),
        "query": _query_without_page(request),
    }
    return render(request, "complaints/manage_list.html", context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _complaint(request, mall_code: str, pk: int) -> tuple:
    mall = _staff_mall(request, mall_code)
    complaint = complaint_for_staff(request.user, pk)
    if complaint is None or complaint.mall_id != mall.pk:
        raise Http404(_("No such complaint, or not yours to see."))
    return mall, complaint


def _detail(request, mall, complaint, *, error: str = "", status: int = 200, contact=False):
    named = not complaint.anonymous  # an anonymous reporter's contact is for messages only
    has_contact = named and bool(complaint.phone or complaint.email)
    context = {
        "mall": mall,
        "complaint": complaint,
        "code_grouped": code_grouped(complaint.code),
        "history": staff_history(complaint),
        "steps": allowed_steps(request.user, complaint),
        "booths": forward_booths(complaint),
        "tracks": Complaint.Track.choices
        if access.allowed(request.user, EXTEND, complaint)
        else [],
        "phone_masked": phone_mask(complaint.phone) if complaint.phone and named else "",
        "email_masked": email_mask(complaint.email) if complaint.email and named else "",
        "show_contact": contact and named,
        "may_reveal": role_of(request.user) in MANAGERS and has_contact and not contact,
        "error": error,
        "age": working_days_between(complaint.received_at, timezone.now(), mall.tz),
    }
    return render(request, "complaints/manage_detail.html", context, status=status)


@login_required
@never_cache
def complaint_detail(request, mall: str, pk: int):
    """GET: one complaint, its history and the allowed steps. POST action=<step>: take
    it; POST action=reveal: show a manager the contact details (recorded)."""
    mall_obj, complaint = _complaint(request, mall, pk)
    if request.method != "POST":
        return _detail(request, mall_obj, complaint)
    action = str(request.POST.get("action", ""))[:20]
    try:
        if action == "reveal":
            complaint_contact_view(complaint_id=complaint.pk, actor=request.user)
            return _detail(request, mall_obj, complaint, contact=True)
        if action not in STEPS:
            raise Http404(_("Unknown action."))
        complaint_act(
            complaint_id=complaint.pk,
            actor=request.user,
            action=action,
            message=str(request.POST.get("message", "")),
            reason=str(request.POST.get("reason", "")),
            note=str(request.POST.get("note", "")),
            booth_id=request.POST.get("booth") or None,
            track=str(request.POST.get("track", ""))[:20],
        )
    except DomainError as exc:
        fresh = complaint_for_staff(request.user, complaint.pk) or complaint
        return _detail(request, mall_obj, fresh, error=exc.message, status=exc.status)
    messages.success(request, _("Saved: %(step)s.") % {"step": STEPS[action].label})
    if complaint_for_staff(request.user, complaint.pk) is None:  # forwarded out of sight
        return redirect("complaint-manage", mall=mall_obj.code)
    return redirect("complaint-detail", mall=mall_obj.code, pk=complaint.pk)


@login_required
@never_cache
def complaint_attachment(request, mall: str, pk: int):
    """The attachment, for staff who see the complaint."""
    _mall, complaint = _complaint(request, mall, pk)
    return serve_attachment(complaint)


@login_required
@never_cache
def complaint_export(request, mall: str):
    """POST: the mall's complaints of a date range as XLSX or CSV for SP4N-LAPOR!
    (managers only; with contact details only when asked, and recorded)."""
    mall_obj = _staff_mall(request, mall)
    if role_of(request.user) not in MANAGERS:
        raise PermissionDenied(_("Only the mall's managers export complaints."))
    if request.method != "POST":
        return redirect("complaint-manage", mall=mall_obj.code)
    form = ExportForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The export needs a valid date range: %(e)s") % {"e": errors})
        return redirect("complaint-manage", mall=mall_obj.code)
    data = form.cleaned_data
    start = dt.datetime.combine(data["date_from"], dt.time(0), tzinfo=mall_obj.tz)
    end = dt.datetime.combine(
        data["date_to"] + dt.timedelta(days=1), dt.time(0), tzinfo=mall_obj.tz
    )
    rows = Complaint.objects.filter(mall=mall_obj, received_at__gte=start, received_at__lt=end)
    table = export_rows(rows, with_contact=data["with_contact"])
    complaints_export_record(
        mall=mall_obj,
        actor=request.user,
        date_from=data["date_from"],
        date_to=data["date_to"],
        with_contact=data["with_contact"],
        count=len(table) - 1,
    )
    name = f"pengaduan-{mall_obj.code}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
    if data["format"] == "csv":
        response = HttpResponse(export_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            export_xlsx(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
