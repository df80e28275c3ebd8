"""The public schedule pages "Jadwal layanan keliling": the coming visits of a mall's
mobile service, by kecamatan (/keliling/<mall>/), for one kecamatan and for one village.

Why plain pages: villagers read them on cheap phones with bad signal, so they need no
JavaScript and no login, and show nothing about the people visited at home (only "home
visit" in the village at its time; outreach.schedule reads the published plans only).
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mpp.catalog.models import Mall
from mpp.catalog.selectors import mall_get
from mpp.core.models import Region
from mpp.outreach import schedule

MALL_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
DISTRICT_CODE = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")
VILLAGE_CODE = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$")
PUBLIC_DAYS = 30


def _mall(code: str) -> Mall:
    mall = mall_get(code) if MALL_CODE.match(code) else None
    if mall is None:
        raise Http404(_("Mall not found."))
    return mall


def _region(mall: Mall, code: str, pattern: re.Pattern) -> Region:
    """A kecamatan or village of the mall's kabupaten/kota, else 404."""
    region = None
    if pattern.match(code) and code.startswith(f"{mall.regency_id}."):
        region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404(_("This place is not in the area of this mall."))
    return region


def _request_url(mall: Mall) -> str | None:
    """The citizen's request form, when that part of the app is installed."""
    try:
        return reverse("outreach:request_new", args=[mall.code])
    except NoReverseMatch:
        return None


def _render(request, mall: Mall, *, place: Region | None = None, prefix: str = ""):
    start = mall.today()
    end = start + dt.timedelta(days=PUBLIC_DAYS)
    districts = schedule.schedule_by_district(
        mall=mall, date_from=start, date_to=end, prefix=prefix
    )
    context = {
        "mall": mall,
        "place": place,
        "districts": districts,
        "date_from": start,
        "date_to": end,
        "request_url": _request_url(mall),
    }
    return render(request, "outreach/schedule/schedule.html", context)


@require_GET
def schedule_mall(request, mall: str):
    """The mall's coming visits, grouped by kecamatan."""
    return _render(request, _mall(mall))


@require_GET
def schedule_district(request, mall: str, code: str):
    """The coming visits in one kecamatan of the mall's kabupaten/kota."""
    found = _mall(mall)
    district = _region(found, code, DISTRICT_CODE)
    return _render(request, found, place=district, prefix=f"{district.code}.")


@require_GET
def schedule_village(request, mall: str, code: str):
    """The coming visits in one village (desa/kelurahan)."""
    found = _mall(mall)
    village = _region(found, code, VILLAGE_CODE)
    return _render(request, found, place=village, prefix=village.code)
