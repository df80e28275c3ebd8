"""The demo mall: MPP Kabupaten Majalengka with its tenants, services, counters and staff.

Why: one command (`mpp demo`) should show the whole system on a mall a citizen would
recognise, with service standards (requirements, procedure, time, fee and its legal
basis) taken from the published rules. A second small mall (MPP Kota Depok) lets the
demo show that staff of one mall cannot act in another.

The data lives in data/demo_catalog.json; this module only loads it. Loading is
idempotent and conservative: what exists is kept as it is, only what is missing is
created, so a demo someone has been working in stays as they left it.
"""

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

from mpp.accounts.models import Role, User
from mpp.accounts.services import staff_sync_permissions
from mpp.catalog.models import Agency, Booth, Counter, Mall, Offering, OpeningHours, Service
from mpp.catalog.registry import malls_registry_load
from mpp.core.events import event_record
from mpp.core.regions import regions_load

DEMO_JSON = Path(__file__).resolve().parent / "data" / "demo_catalog.json"
DEMO_MALL = "mpp-kabupaten-majalengka"

_SERVICE_FIELDS = (
    "name",
    "description",
    "requirements",
    "procedure",
    "completion_time",
    "service_minutes",
    "fee",
    "fee_basis",
    "fee_varies",
    "product",
    "complaint_channel",
    "legal_basis",
    "keywords",
)
# Keys an agency sets once for all its services; a service may override them.
_AGENCY_DEFAULTS = ("complaint_channel", "legal_basis", "fee_basis", "channels")
_CHANNELS = {
    "direct": "channel_direct",
    "mobile": "channel_mobile",
    "self_service": "channel_self",
    "electronic": "channel_electronic",
}


REMOTE_PER_DAY = 20  # phone tickets a day for the demo's first services (queueing.remote)


def demo_data() -> dict:
    """The demo catalogue as stored in data/demo_catalog.json."""
    return json.loads(DEMO_JSON.read_text(encoding="utf-8"))


def service_fields(raw: dict, agency_raw: dict) -> dict:
    """Model fields of one service from its JSON entry and its agency's defaults."""
    merged = {key: agency_raw[key] for key in _AGENCY_DEFAULTS if key in agency_raw}
    merged.update(raw)
    fields = {key: merged[key] for key in _SERVICE_FIELDS if key in merged}
    channels = merged.get("channels", ["direct"])
    unknown = set(channels) - set(_CHANNELS)
    if unknown:
        raise ValueError(f"service {raw['code']}: unknown channels {sorted(unknown)}")
    fields.update({field: name in channels for name, field in _CHANNELS.items()})
    return fields


def _catalog_load(agencies_raw: list[dict], created: list) -> tuple[dict, dict, dict]:
    """Agencies and services; returns them by code, and each agency's service codes."""
    raw_by_code = {s["code"]: s for a in agencies_raw for s in a["services"]}
    agencies, services, agency_services = {}, {}, {}
    for a in agencies_raw:
        agency, made = Agency.objects.get_or_create(
            code=a["code"],
            defaults={
                "name": a["name"],
                "short_name": a.get("short_name", ""),
                "kind": a["kind"],
                "regency_id": a.get("regency"),
                "website": a.get("website", ""),
            },
        )
        created.extend([agency] if made else [])
        agencies[agency.code] = agency
        agency_services[agency.code] = [s["code"] for s in a["services"]]
        for s in a["services"]:
            raw = {**raw_by_code[s["like"]], **s} if "like" in s else s
            service, made = Service.objects.get_or_create(
                code=s["code"], defaults={"agency": agency, **service_fields(raw, a)}
            )
            created.extend([service] if made else [])
            services[service.code] = service
    return agencies, services, agency_services


def _opening_hours_load(mall: Mall, hours: list[dict], created: list) -> None:
    if mall.opening_hours.exists():
        return  # the mall's own schedule wins, even a partial one
    rows = [
        OpeningHours(
            mall=mall,
            weekday=weekday,
            opens=dt.time.fromisoformat(h["opens"]),
            closes=dt.time.fromisoformat(h["closes"]),
        )
        for h in hours
        for weekday in h["weekdays"]
    ]
    created.extend(OpeningHours.objects.bulk_create(rows))


def _booth_load(mall, order, raw, agency, service_codes, services, created) -> None:
    """One booth with its offerings and counters; new offerings join the booth's counters."""
    booth = Booth.objects.filter(mall=mall, agency=agency).first()
    if booth is None:
        booth = Booth.objects.create(
            mall=mall,
            agency=agency,
            name=raw["name"],
            location=raw.get("location", ""),
            ticket_prefix=raw["letter"],
            sort_order=order,
        )
        created.append(booth)
    new_offerings = []
    for position, code in enumerate(service_codes, start=1):
        offering, made = Offering.objects.get_or_create(
            mall=mall,
            service=services[code],
            # The first two services of each booth take numbers from phones too (20 a day).
            defaults={
                "booth": booth,
                "sort_order": position,
                "remote_per_day": REMOTE_PER_DAY if position <= 2 else 0,
            },
        )
        if made:
            new_offerings.append(offering)
    created.extend(new_offerings)

    counters = list(booth.counters.all())
    for counter in counters:
        counter.offerings.add(*new_offerings)
    for _ in range(len(counters), raw.get("counters", 1)):
        last = Counter.objects.filter(mall=mall).order_by("-number").first()
        counter = Counter.objects.create(
            mall=mall, booth=booth, number=(last.number if last else 0) + 1
        )
        counter.offerings.set(booth.offerings.all())
        created.append(counter)


def _mall_load(raw: dict, agencies, services, agency_services, created) -> Mall:
    mall = Mall.objects.get(code=raw["code"])
    if not mall.address:
        mall.address = raw["address"]
        mall.save(update_fields=["address"])
    _opening_hours_load(mall, raw["hours"], created)
    for order, booth_raw in enumerate(raw["booths"], start=1):
        codes = booth_raw.get("services") or agency_services[booth_raw["agency"]]
        agency = agencies[booth_raw["agency"]]
        _booth_load(mall, order, booth_raw, agency, codes, services, created)
    return mall


def _staff_load(staff_raw: list[dict], default_password: str, malls: dict, created) -> list:
    """Demo accounts; existing accounts (and their passwords) are left alone, only their
    admin access (is_staff, role group) is brought in line with their role."""
    hashes: dict[str, str] = {}  # hashing is slow by design: once per distinct password
    logins = []
    for s in staff_raw:
        password = s.get("password", default_password)
        mall = malls.get(s.get("mall"))
        user = User.objects.filter(username=s["username"]).first()
        if user is None:
            if password not in hashes:
                hashes[password] = make_password(password)
            booth = None
            if s.get("booth"):
                booth = Booth.objects.filter(mall=mall, ticket_prefix=s["booth"]).first()
            first, _, last = s["name"].partition(" ")
            superuser = bool(s.get("superuser"))
            user = User.objects.create(
                username=s["username"],
                password=hashes[password],
                first_name=first,
                last_name=last,
                role=s["role"],
                mall=mall,
                booth=booth,
                is_staff=superuser,
                is_superuser=superuser,
            )
            created.append(user)
        staff_sync_permissions(user=user)  # managers and supervisors use the admin
        logins.append(
            {
                "username": user.username,
                "password": password,
                "role": str(Role(user.role).label),
                "mall": user.mall.code if user.mall_id else "",
                "booth": user.booth.name if user.booth_id else "",
            }
        )
    return logins


def demo_counts(mall_code: str = DEMO_MALL) -> dict:
    """What one mall holds: agencies, services offered, booths, counters, staff."""
    mall = Mall.objects.get(code=mall_code)
    return {
        "mall": mall.code,
        "agencies": Agency.objects.filter(booths__mall=mall).distinct().count(),
        "services": Offering.objects.filter(mall=mall).count(),
        "booths": Booth.objects.filter(mall=mall).count(),
        "counters": Counter.objects.filter(mall=mall).count(),
        "staff": User.objects.filter(mall=mall).count(),
    }


@transaction.atomic
def demo_load() -> dict:
    """Load the demo malls (from the registry), their catalogue, counters and staff.

    Returns the demo mall's counts, the other demo malls' codes, how many rows were
    created this time, and the demo logins (for printing).
    """
    data = demo_data()
    codes = [m["code"] for m in data["malls"]]
    regions_load(depth=2)
    if Mall.objects.filter(code__in=codes).count() < len(codes):
        malls_registry_load()
    created: list = []
    agencies, services, agency_services = _catalog_load(data["agencies"], created)
    malls = {
        raw["code"]: _mall_load(raw, agencies, services, agency_services, created)
        for raw in data["malls"]
    }
    logins = _staff_load(data["staff"], data["default_password"], malls, created)
    if created:
        event_record(
            kind="demo.loaded",
            subject_type="demo",
            subject_id=DEMO_MALL,
            mall_id=malls[DEMO_MALL].pk,
            data={"created": len(created)},
        )
    return {
        **demo_counts(DEMO_MALL),
        "other_malls": [code for code in codes if code != DEMO_MALL],
        "created": len(created),
        "logins": logins,
    }
