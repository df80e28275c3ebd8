"""The public schedule of the mobile service: where the mall's vans stop, when, and with
which services, from the mall's published plans only.

Why one module for the API and the public pages: both must show the same visits and hide
the same things. A home visit is shown as "a home visit in this village" at its time:
never the name, the address or the location of the person visited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from mpp.catalog.models import Mall
from mpp.core.errors import Invalid
from mpp.outreach.models import PlanStatus, Visit

DEFAULT_DAYS = 14
MAX_DAYS = 62
# Dates a schedule can concern at all (far from date.max: no overflow adding days).
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)


@dataclass
class District:
    """A kecamatan with its visits (the public page's sections)."""

    code: str
    name: str
    visits: list[Visit] = field(default_factory=list)


def schedule_range(
    *, mall: Mall, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The dates asked for, today..+14 days (mall time) by default; Invalid
    ("invalid_date") for a date before 2000 or after 2199, ("invalid_range") when
    `date_to` comes before `date_from` or the span is over 62 days."""
    for value in (date_from, date_to):
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise Invalid(
                _("The date must lie between %(first)s and %(last)s.")
                % {"first": DATE_MIN.isoformat(), "last": DATE_MAX.isoformat()},
                code="invalid_date",
            )
    start = date_from or mall.today()
    end = date_to or start + dt.timedelta(days=DEFAULT_DAYS)
    if end < start:
        raise Invalid(_("The last date comes before the first."), code="invalid_range")
    if (end - start).days > MAX_DAYS:
        raise Invalid(
            _("Ask for at most %(days)d days at once.") % {"days": MAX_DAYS},
            code="invalid_range",
        )
    return start, end


def _visits(*, mall: Mall, date_from: dt.date, date_to: dt.date, village_prefix: str = ""):
    rows = Visit.objects.filter(
        plan__mall=mall,
        plan__status=PlanStatus.PUBLISHED,
        date__gte=date_from,
        date__lte=date_to,
    )
    if village_prefix:
        rows = rows.filter(village__code__startswith=village_prefix)
    return (
        rows.select_related("village", "village__parent")
        .prefetch_related("services")
        .order_by("date", "start", "village_id", "kind", "end", "pk")
    )


def schedule_published(*, mall: Mall, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """The published visits between the two dates (inclusive), sorted by date, start and
    village: [{"date", "village_code", "village_name", "kind": "village"|"home",
    "start", "end", "services": [codes]}]; dates ISO, times HH:MM."""
    return [
        {
            "date": v.date.isoformat(),
            "village_code": v.village_id,
            "village_name": v.village.name,
            "kind": v.kind,
            "start": f"{v.start:%H:%M}",
            "end": f"{v.end:%H:%M}",
            "services": sorted(s.code for s in v.services.all()),
        }
        for v in _visits(mall=mall, date_from=date_from, date_to=date_to)
    ]


def schedule_by_district(
    *, mall: Mall, date_from: dt.date, date_to: dt.date, prefix: str = ""
) -> list[District]:
    """The published visits (Visit rows, services prefetched) grouped by kecamatan,
    kecamatan by name; `prefix` narrows to one kecamatan's or one village's code."""
    districts: dict[str, District] = {}
    for visit in _visits(mall=mall, date_from=date_from, date_to=date_to, village_prefix=prefix):
        parent = visit.village.parent
        code = parent.code if parent else ""
        if code not in districts:
            districts[code] = District(code=code, name=parent.name if parent else "")
        districts[code].visits.append(visit)
    return sorted(districts.values(), key=lambda d: (d.name, d.code))
