"""Staff pages of the mobile-service demand: the manager's demand tables, one request
(with its location correction and cancel), a village's meeting point, and the form
village agents and staff file requests with.

Why: the manager decides where the vans go from the per-village and per-kecamatan
tables; officers correct where a home or a village is (without a map: coordinates or
"same as the village"); a village head or social worker files for the people of their
own villages. Each page asks accounts.access ("outreach.plan" to plan and correct,
"outreach.request" to file and read); the phone shows only to "outreach.plan".
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.catalog.pages import mall_or_404
from mpp.core.errors import DomainError
from mpp.core.models import Region
from mpp.core.pii import phone_mask
from mpp.outreach import access as outreach_access
from mpp.outreach.demand import (
    PLAN_ACTION,
    REQUEST_ACTION,
    request_cancel,
    request_create,
    request_locate,
    village_point_correct,
)
from mpp.outreach.forms import DemandFilterForm, LocateForm, RequestForm, VillagePointForm
from mpp.outreach.models import OutreachRequest, RequestStatus, VillagePoint
from mpp.outreach.selectors_demand import (
    OPEN,
    demand_by_district,
    demand_by_village,
    request_visit,
)
from mpp.outreach.views.request_form import districts_loaded, service_choices


def staff_mall(request, action: str) -> Mall | None:
    """The mall a staff page is about: ?mall=<code> (national staff, or one's own), else
    the user's mall; the 403 page unless `action` is allowed there. None: a national
    user who has not picked a mall yet."""
    code = str(request.GET.get("mall") or request.POST.get("mall") or "")[:80]
    if code:
        mall = mall_or_404(code)
    elif request.user.mall_id:
        mall = request.user.mall
    else:
        access.require_page(request.user, action)
        return None
    access.require_page(request.user, action, mall)
    return mall


def _pick_mall(request, action: str, url_name: str):
    malls = Mall.objects.order_by("name")
    context = {"malls": malls, "url": reverse(url_name), "action": action}
    return render(request, "outreach/demand/pick_mall.html", context)


@login_required
@never_cache
def demand(request):
    """/staff/outreach/demand/: open demand per village and service, and per kecamatan
    (with the province), with filters; the latest requests link to their pages."""
    mall = staff_mall(request, PLAN_ACTION)
    if mall is None:
        return _pick_mall(request, PLAN_ACTION, "outreach:demand")
    districts = [(d.code, d.name) for d in districts_loaded(mall)]
    services = service_choices(mall)
    filters = DemandFilterForm(request.GET, districts=districts, services=services)
    data = filters.cleaned_data if filters.is_valid() else {}
    statuses = [data["status"]] if data.get("status") else OPEN
    district = data.get("kecamatan") or ""
    service = data.get("layanan") or ""
    villages = demand_by_village(mall, statuses, district=district, service=service)
    by_district = demand_by_district(mall, statuses, service=service)
    if district:
        by_district = [row for row in by_district if row.district_code == district]
    latest = OutreachRequest.objects.filter(mall=mall, status__in=list(statuses))
    if district:
        latest = latest.filter(village__parent_id=district)
    if service:
        latest = latest.filter(services__code=service).distinct()
    context = {
        "mall": mall,
        "filters": filters,
        "villages": villages,
        "districts": by_district,
        "latest": latest.select_related("village")[:50],
        "totals": {
            "people": sum(r.people for r in by_district),
            "requests": sum(r.requests for r in by_district),
            "home_visits": sum(r.home_visits for r in by_district),
        },
        "national": access.is_national(request.user),
    }
    return render(request, "outreach/demand/demand.html", context)


def _request_for(request, pk: int, action: str) -> OutreachRequest:
    """The request `pk` if the user may `action` on it (agents: their region's), else
    404 (even "it exists" would tell something)."""
    found = (
        OutreachRequest.objects.select_related("mall", "village__parent", "filed_by")
        .prefetch_related("services")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such request."))
    if not access.allowed(request.user, action, found):
        if access.allowed(request.user, REQUEST_ACTION, found):  # seen, not theirs to do
            raise PermissionDenied(_("You may not do this here."))
        raise Http404(_("No such request."))  # another mall's: not even "it exists"
    if outreach_access.is_agent(request.user) and not outreach_access.may_file_for(
        request.user, found.village
    ):
        raise PermissionDenied(_("This request is for a village outside your region."))
    return found


def _detail(request, found: OutreachRequest, *, locate_form=None, status=200):
    planner = access.allowed(request.user, PLAN_ACTION, found)
    initial = {"where": "point" if found.lat is not None else "village"}
    if found.lat is not None:
        initial.update(lat=str(found.lat), lon=str(found.lon))
    context = {
        "req": found,
        "mall": found.mall,
        "planner": planner,
        "phone": found.contact_phone if planner else phone_mask(found.contact_phone),
        "visit": request_visit(found),
        "locate_form": locate_form or LocateForm(initial=initial),
        "cancellable": found.status in (RequestStatus.RECEIVED, RequestStatus.SCHEDULED),
        "point": VillagePoint.objects.filter(village=found.village).first(),
    }
    return render(request, "outreach/demand/request_detail.html", context, status=status)


@login_required
@never_cache
def request_detail(request, pk: int):
    """/staff/outreach/requests/<id>/: one request; the phone for "outreach.plan"."""
    return _detail(request, _request_for(request, pk, REQUEST_ACTION))


@login_required
@never_cache
@require_POST
def request_locate_view(request, pk: int):
    """POST: where the request is served (coordinates or the village's point)."""
    found = _request_for(request, pk, PLAN_ACTION)
    form = LocateForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, locate_form=form, status=422)
    same = form.cleaned_data["where"] == "village"
    try:
        request_locate(
            request=found,
            lat=None if same else form.cleaned_data["lat"],
            lon=None if same else form.cleaned_data["lon"],
            same_as_village=same,
            actor=request.user,
        )
    except DomainError as exc:
        form.add_service_error(exc)
        return _detail(request, found, locate_form=form, status=exc.status)
    messages.success(request, _("The location is saved."))
    return redirect("outreach:request_detail", pk=found.pk)


@login_required
@never_cache
@require_POST
def request_cancel_view(request, pk: int):
    """POST: withdraw a request that is not served yet."""
    found = _request_for(request, pk, REQUEST_ACTION)
    try:
        request_cancel(request=found, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is cancelled."))
    return redirect("outreach:request_detail", pk=found.pk)


@login_required
@never_cache
def village_point(request, code: str):
    """/staff/outreach/villages/<code>/: a village's meeting point and hall hours."""
    access.require_page(request.user, PLAN_ACTION)
    village = Region.objects.filter(code=str(code)[:20], level=Region.Level.VILLAGE).first()
    if village is None:
        raise Http404(_("No such village."))
    row = VillagePoint.objects.filter(village=village).first()
    if request.method == "POST":
        form = VillagePointForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                village_point_correct(
                    village=village,
                    lat=data["lat"],
                    lon=data["lon"],
                    meeting_place=data["meeting_place"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from None
                form.add_service_error(exc)
            else:
                messages.success(request, _("The meeting point is saved."))
                return redirect("outreach:village_point", code=village.code)
        status = 422
    else:
        mall = request.user.mall
        if not access.is_national(request.user) and (
            mall is None or not village.code.startswith(mall.regency_id + ".")
        ):
            raise PermissionDenied(_("This village is not in your mall's area."))
        initial = {}
        if row is not None:
            initial = {
                "lat": "" if row.meeting_lat is None else str(row.meeting_lat),
                "lon": "" if row.meeting_lon is None else str(row.meeting_lon),
                "meeting_place": row.meeting_place,
                "opens_at": row.opens_at,
                "closes_at": row.closes_at,
            }
        form, status = VillagePointForm(initial=initial), 200
    context = {"village": village, "point": row, "form": form}
    return render(request, "outreach/demand/village_point.html", context, status=status)


def _agent_villages(user, mall: Mall) -> list[tuple[str, list[tuple[str, str]]]]:
    """The villages `user` may file for at `mall`, grouped by kecamatan (optgroups)."""
    groups = []
    for district in districts_loaded(mall):
        rows = outreach_access.villages_for(user, district.children.filter(level=4))
        options = [(v.code, v.name) for v in rows.order_by("name")]
        if options:
            groups.append((district.name, options))
    return groups


@login_required
@never_cache
def agent_request_new(request):
    """/staff/outreach/requests/new/: a village agent (or staff) files a request for a
    village they may file for; the choices are exactly those villages."""
    mall = staff_mall(request, REQUEST_ACTION)
    if mall is None:
        return _pick_mall(request, REQUEST_ACTION, "outreach:agent_request_new")
    villages = _agent_villages(request.user, mall)
    options = {"villages": villages, "services": service_choices(mall)}
    context = {"mall": mall, "agent": outreach_access.is_agent(request.user)}
    context["village_groups"] = villages
    context["mall_param"] = request.GET.get("mall", "")
    if request.method != "POST":
        form = RequestForm(initial={"people": 1}, **options)
        return render(request, "outreach/demand/agent_form.html", {**context, "form": form})
    form = RequestForm(request.POST, **options)
    if not form.is_valid():
        context["form"] = form
        return render(request, "outreach/demand/agent_form.html", context, status=422)
    try:
        created = request_create(
            mall=mall,
            **form.request_fields(),
            source="agent" if context["agent"] else "staff",
            filed_by=request.user,
        )
    except DomainError as exc:
        form.add_service_error(exc)
        context["form"] = form
        return render(request, "outreach/demand/agent_form.html", context, status=exc.status)
    messages.success(request, _("Request %(code)s is filed.") % {"code": created.code})
    return redirect("outreach:request_detail", pk=created.pk)
