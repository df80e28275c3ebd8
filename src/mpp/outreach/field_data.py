"""What the field app keeps on the device for a vehicle's working days.

Why: the crew works offline for days, so the app fetches its route ahead (up to a
week) and keeps it in IndexedDB: each day's stops (village or home visits of the
mall's published plans) with the people expected and the requests behind them, and
the Standar Pelayanan of the services on board (requirements, duration, cost), so
the crew can tell a citizen what to bring without a network. Home visits carry the
address (the crew must find the house); phones are always masked; no NIK exists here.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from mpp.catalog.models import Offering
from mpp.core.errors import Invalid, NotFound
from mpp.core.pii import phone_mask
from mpp.outreach.models import OutreachRequest, PlanStatus, Vehicle, Visit
from mpp.outreach.sync import crew_vehicles, may_use_vehicle

MAX_DAYS = 7


def field_vehicle(*, user, vehicle_id=None) -> Vehicle:
    """The vehicle whose data `user` asks for: their own (the first whose crew they are
    in), or `vehicle_id` (their own, or any of the mall's for those who plan the fleet)."""
    if vehicle_id in (None, ""):
        vehicle = crew_vehicles(user).first()
        if vehicle is None:
            raise NotFound(
                _("You are not in the crew of a vehicle; choose one."), code="no_vehicle"
            )
        return vehicle
    try:
        pk = int(vehicle_id)
    except (TypeError, ValueError):
        pk = None
    vehicle = Vehicle.objects.filter(pk=pk).first() if pk else None
    if vehicle is None or not may_use_vehicle(user, vehicle):
        raise NotFound(_("Vehicle not found."), code="vehicle_not_found")
    return vehicle


def field_dates(*, vehicle: Vehicle, date: str | None, days) -> list[dt.date]:
    """The days asked for: `date` (ISO; default the mall's today) and the next days-1."""
    try:
        first = dt.date.fromisoformat(date) if date else vehicle.mall.today()
    except ValueError:
        raise Invalid(_("date must be a date (YYYY-MM-DD)."), code="invalid_date") from None
    try:
        count = int(days) if days not in (None, "") else 1
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_DAYS:
        raise Invalid(
            _("days must be a whole number from 1 to %(n)s.") % {"n": MAX_DAYS},
            code="invalid_days",
        )
    return [first + dt.timedelta(days=i) for i in range(count)]


def field_data(*, user, vehicle: Vehicle, dates: list[dt.date]) -> dict:
    """The app's data for `vehicle` on `dates` (the API's JSON shape).

    "stops" lists the stops of every day asked for (each with its "date"), by day and
    order; "dates" the days covered; "date" the first.
    """
    visits = (
        Visit.objects.filter(vehicle=vehicle, date__in=dates, plan__status=PlanStatus.PUBLISHED)
        .select_related("village")
        .prefetch_related(
            "services",
            Prefetch("requests", queryset=OutreachRequest.objects.order_by("created_at", "pk")),
        )
        .order_by("date", "order", "pk")
    )
    offerings = list(
        Offering.objects.filter(vehicles=vehicle, is_active=True, service__is_active=True)
        .select_related("service__agency", "booth")
        .order_by("booth__sort_order", "sort_order", "service__name")
    )
    return {
        "user": {"name": user.get_full_name() or user.get_username()},
        "vehicle": {"id": vehicle.pk, "name": vehicle.name},
        "date": dates[0].isoformat(),
        "dates": [d.isoformat() for d in dates],
        "stops": [_stop(visit) for visit in visits],
        "services": [_standard(o) for o in offerings],
        "offerings": [
            {
                "id": o.pk,
                "service_code": o.service.code,
                "service_name": o.service.name,
                "booth": o.booth.name,
                "agency": str(o.service.agency),
            }
            for o in offerings
        ],
    }


def _stop(visit: Visit) -> dict:
    home = visit.kind == Visit.Kind.HOME
    return {
        "visit_id": visit.pk,
        "date": visit.date.isoformat(),
        "order": visit.order,
        "kind": visit.kind,
        "village_code": visit.village_id,
        "village_name": visit.village.name,
        "start": visit.start.strftime("%H:%M"),
        "end": visit.end.strftime("%H:%M"),
        "people": visit.people,
        "services": [
            {"code": s.code, "name": s.name}
            for s in sorted(visit.services.all(), key=lambda s: s.name)
        ],
        "requests": [
            {
                "code": r.code,
                "people": r.people,
                "needs": list(r.needs or []),
                "home_visit": r.home_visit,
                "address": r.address if home and r.home_visit else "",
                "phone_masked": phone_mask(r.contact_phone or ""),
            }
            for r in visit.requests.all()
        ],
    }


def _standard(offering: Offering) -> dict:
    service = offering.service
    return {
        "code": service.code,
        "name": service.name,
        "agency": str(service.agency),
        "requirements": list(service.requirements or []),
        "procedure": list(service.procedure or []),
        "duration": service.completion_time,
        "minutes": service.service_minutes,
        "cost": service.fee,
        "cost_varies": service.fee_varies,
        "product": service.product,
    }
