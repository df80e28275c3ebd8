"""Demand for the mobile service (jemput bola): filing a request, cancelling it, and the
officers' location corrections (a home's location, a village's meeting point).

Why: every channel (the citizen's form, the kiosk, the assistant, village agents, the
API) files demand the same way, so the planner sees one kind of row whatever its
source, and every rule (the village lies in the mall's kabupaten/kota, the services are
offered at the mall, a valid mobile number) lives here once. Each function is atomic
and writes its event in the same transaction; personal data (phone, name, address,
a home's coordinates) never goes into an event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Mall, Service
from mpp.catalog.selectors import offerings_for_mall
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.events import event_record
from mpp.core.identity import phone_clean
from mpp.core.models import Region
from mpp.outreach import geo
from mpp.outreach.access import may_file_for
from mpp.outreach.models import (
    Need,
    OutreachRequest,
    RequestSource,
    RequestStatus,
    VillagePoint,
)

# No I, O, 0, 1: read aloud or typed from an SMS without confusion.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PREFIX = "JB-"
CODE_LENGTH = 6
PEOPLE_MAX = 500
SERVICES_MAX = 20
NAME_MAX = 120
ADDRESS_MAX = 500
PLACE_MAX = 200
VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
# Indonesia's bounding box (with a margin): a point outside is a typo, not a home.
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)

PLAN_ACTION = "outreach.plan"
REQUEST_ACTION = "outreach.request"


def code_new() -> str:
    """A fresh tracking code: JB- and 6 characters of the unambiguous alphabet."""
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_normal(raw: str) -> str:
    """A typed tracking code in its stored form ("jb x7k 2mq" -> "JB-X7K2MQ"), or ""."""
    text = re.sub(r"[^A-Z0-9]", "", str(raw or "").upper()[:40])
    if text.startswith("JB"):
        text = text[2:]
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    return CODE_PREFIX + text


def village_for_mall(mall: Mall, village_code: str) -> Region:
    """The village (Region of level 4) with this code in the mall's kabupaten/kota,
    loading the kabupaten's villages on first use; Invalid otherwise:
    village_outside_mall (a real village elsewhere) or unknown_village."""
    code = str(village_code or "").strip()[:20]
    if not VILLAGE_CODE.match(code):
        raise Invalid(_("Choose a village (desa/kelurahan) from the list."), code="unknown_village")
    if not code.startswith(mall.regency_id + "."):
        raise Invalid(
            _("This village is not in %(regency)s, where this mall serves.")
            % {"regency": mall.regency.name},
            code="village_outside_mall",
        )
    village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
    if (
        village is None
        and not Region.objects.filter(
            code__startswith=mall.regency_id + ".", level=Region.Level.VILLAGE
        ).exists()
    ):
        with contextlib.suppress(ValueError):
            geo.villages_ensure(regency_code=mall.regency_id)
        village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
    if village is None:
        raise Invalid(_("Choose a village (desa/kelurahan) from the list."), code="unknown_village")
    return village


def _services(mall: Mall, codes: list[str]) -> list[Service]:
    wanted = list(dict.fromkeys(str(c).strip()[:80] for c in codes or [] if str(c).strip()))
    if not wanted:
        raise Invalid(_("Choose at least one service."), code="unknown_service")
    if len(wanted) > SERVICES_MAX:
        raise Invalid(
            _("Choose at most %(max)d services.") % {"max": SERVICES_MAX}, code="unknown_service"
        )
    offered = {o.service.code: o.service for o in offerings_for_mall(mall)}
    missing = [c for c in wanted if c not in offered]
    if missing:
        raise Invalid(
            _("This mall does not offer the service %(code)s.") % {"code": missing[0]},
            code="unknown_service",
        )
    return [offered[c] for c in wanted]


def _people(people) -> int:
    try:
        count = int(people)
    except (TypeError, ValueError):
        count = 0
    if isinstance(people, bool) or not 1 <= count <= PEOPLE_MAX:
        raise Invalid(
            _("The number of people must be between 1 and %(max)d.") % {"max": PEOPLE_MAX},
            code="invalid_people",
        )
    return count


def _needs(needs) -> list[str]:
    values = [str(n) for n in needs or []]
    unknown = [n for n in values if n not in Need.values]
    if unknown:
        raise Invalid(_("Choose the needs from the list."), code="invalid_needs")
    return [n for n in Need.values if n in values]  # in the list's order, once each


def _coordinate(value, low: float, high: float) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        raise Invalid(
            _("Give the location as latitude and longitude in Indonesia, like -6.836 108.227."),
            code="invalid_location",
        )
    return number.quantize(Decimal("0.000001"))


def location_clean(lat, lon) -> tuple[Decimal, Decimal] | None:
    """(lat, lon) as 6-decimal Decimals inside Indonesia, None when both are empty,
    Invalid (invalid_location) otherwise."""
    empty = [v is None or str(v).strip() == "" for v in (lat, lon)]
    if all(empty):
        return None
    if any(empty):
        raise Invalid(_("Give both the latitude and the longitude."), code="invalid_location")
    return _coordinate(lat, *LAT_RANGE), _coordinate(lon, *LON_RANGE)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # never stored (PostgreSQL refuses NUL)


def _text(value, limit: int, label: str) -> str:
    raw = _CONTROL.sub("", str(value or ""))
    text = " ".join(raw.split()) if limit <= NAME_MAX else raw.strip()
    if len(text) > limit:
        raise Invalid(
            _("%(field)s is too long (at most %(max)d characters).")
            % {"field": label, "max": limit},
            code="too_long",
        )
    return text


def _require_filer(filed_by, mall: Mall, village: Region) -> None:
    access.require(filed_by, REQUEST_ACTION, mall)
    if not may_file_for(filed_by, village):
        raise Forbidden(
            _("You may file requests only for the villages of your own region."),
            code="village_not_yours",
        )


@transaction.atomic
def request_create(
    *,
    mall: Mall,
    village_code: str,
    service_codes: list[str],
    people: int,
    home_visit: bool,
    needs: list[str],
    contact_phone: str,
    contact_name: str = "",
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
    source: str,
    filed_by=None,
    now: dt.datetime | None = None,
) -> OutreachRequest:
    """File demand for the mobile service: a village of the mall's kabupaten/kota needs
    these services (offered at the mall) for this many people, or a home visit for
    someone who cannot travel. Staff and village agents file as `filed_by` (agents only
    for their region's villages). Event "outreach.requested"."""
    if source not in RequestSource.values:
        raise Invalid(_("Unknown channel."), code="invalid_source")
    village = village_for_mall(mall, village_code)
    if filed_by is not None:
        _require_filer(filed_by, mall, village)
    services = _services(mall, service_codes)
    count = _people(people)
    need_list = _needs(needs)
    phone = phone_clean(contact_phone)
    name = _text(contact_name, NAME_MAX, _("The name"))
    where = _text(address, ADDRESS_MAX, _("The address"))
    point = location_clean(lat, lon)
    moment = now or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                request = OutreachRequest.objects.create(
                    code=code_new(),
                    mall=mall,
                    village=village,
                    people=count,
                    home_visit=bool(home_visit),
                    needs=need_list,
                    contact_name=name,
                    contact_phone=phone,
                    address=where,
                    lat=point[0] if point else None,
                    lon=point[1] if point else None,
                    source=source,
                    filed_by=access.person_of(filed_by),
                    created_at=moment,
                )
            break
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    else:
        raise Conflict(_("Please try again."), code="code_taken")
    request.services.set(services)
    event_record(
        kind="outreach.requested",
        subject_type="outreach_request",
        subject_id=request.pk,
        mall_id=mall.pk,
        actor_id=getattr(access.person_of(filed_by), "pk", None),
        occurred_at=moment,
        data={
            "channel": source,
            "village_code": village.code,
            "services": [s.code for s in services],
            "people": count,
            "home_visit": bool(home_visit),
            "vulnerable": bool(need_list),
        },
    )
    return request


def _locked(request: OutreachRequest) -> OutreachRequest:
    return OutreachRequest.objects.select_for_update().select_related("village").get(pk=request.pk)


@transaction.atomic
def request_cancel(*, request: OutreachRequest, actor=None) -> OutreachRequest:
    """Withdraw a request that is not served yet (the citizen with the tracking code,
    or staff of the mall). Event "outreach.request_cancelled"."""
    current = _locked(request)
    if actor is not None:
        _require_filer(actor, current.mall, current.village)
    if current.status not in (RequestStatus.RECEIVED, RequestStatus.SCHEDULED):
        raise Conflict(_("This request can no longer be cancelled."), code="invalid_state")
    previous = current.status
    current.status = RequestStatus.CANCELLED
    current.save(update_fields=["status"])
    event_record(
        kind="outreach.request_cancelled",
        subject_type="outreach_request",
        subject_id=current.pk,
        mall_id=current.mall_id,
        actor_id=getattr(access.person_of(actor), "pk", None),
        data={"from": previous, "by": "staff" if actor is not None else "citizen"},
    )
    return current


@transaction.atomic
def request_locate(
    *,
    request: OutreachRequest,
    lat=None,
    lon=None,
    same_as_village: bool = False,
    actor,
) -> OutreachRequest:
    """An officer corrects where a request is served: coordinates (a home), or "same as
    the village" (its meeting point). Needs "outreach.plan". Event
    "outreach.request_located" (without the coordinates: a home's are personal data)."""
    current = _locked(request)
    access.require(actor, PLAN_ACTION, current)
    if same_as_village:
        point = None
    else:
        point = location_clean(lat, lon)
        if point is None:
            raise Invalid(
                _("Give the coordinates, or choose the village's meeting point."),
                code="invalid_location",
            )
    current.lat, current.lon = point if point else (None, None)
    current.save(update_fields=["lat", "lon"])
    event_record(
        kind="outreach.request_located",
        subject_type="outreach_request",
        subject_id=current.pk,
        mall_id=current.mall_id,
        actor_id=getattr(access.person_of(actor), "pk", None),
        data={"same_as_village": point is None},
    )
    return current


def _hall_hours(opens_at, closes_at) -> tuple[dt.time | None, dt.time | None]:
    if (opens_at is None) != (closes_at is None):
        raise Invalid(_("Give both hall hours, or neither."), code="invalid_hours")
    if opens_at is not None and not opens_at < closes_at:
        raise Invalid(_("The hall must open before it closes."), code="invalid_hours")
    return opens_at, closes_at


@transaction.atomic
def village_point_correct(
    *,
    village: Region,
    lat=None,
    lon=None,
    meeting_place: str = "",
    opens_at: dt.time | None = None,
    closes_at: dt.time | None = None,
    actor,
) -> VillagePoint:
    """An officer sets a village's meeting point (the hall, a market square), its name
    and the hall's hours; empty coordinates go back to the centroid. Needs
    "outreach.plan" and, below national level, a village of the user's mall's
    kabupaten/kota. Event "outreach.village_point_corrected"."""
    access.require(actor, PLAN_ACTION)
    mall = getattr(actor, "mall", None)
    if not access.is_national(actor) and (
        mall is None or not village.code.startswith(mall.regency_id + ".")
    ):
        raise Forbidden(_("This village is not in your mall's area."), code="forbidden")
    if village.level != Region.Level.VILLAGE:
        raise Invalid(_("Choose a village (desa/kelurahan)."), code="unknown_village")
    point = location_clean(lat, lon)
    place = _text(meeting_place, PLACE_MAX, _("The meeting place"))
    opens, closes = _hall_hours(opens_at, closes_at)
    row = VillagePoint.objects.select_for_update().filter(village=village).first()
    if row is None:
        centroid = geo.point_of(village.code) or geo.point_of(village.code.rsplit(".", 1)[0])
        if centroid is None and point is None:
            raise Invalid(_("Give the coordinates of the meeting point."), code="invalid_location")
        base = centroid or (float(point[0]), float(point[1]))
        row = VillagePoint(
            village=village,
            centroid_lat=Decimal(f"{base[0]:.6f}"),
            centroid_lon=Decimal(f"{base[1]:.6f}"),
        )
    row.meeting_lat, row.meeting_lon = point if point else (None, None)
    row.meeting_place = place
    row.opens_at, row.closes_at = opens, closes
    row.corrected_by = access.person_of(actor)
    row.corrected_at = timezone.now()
    row.save()
    event_record(
        kind="outreach.village_point_corrected",
        subject_type="village_point",
        subject_id=village.code,
        mall_id=getattr(actor, "mall_id", None),
        actor_id=getattr(access.person_of(actor), "pk", None),
        data={"village_code": village.code, "meeting_point": point is not None},
    )
    return row
