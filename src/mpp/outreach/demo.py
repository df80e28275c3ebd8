"""Jemput bola on the demo mall: a van and a motorbike with their crew, demand from a
dozen villages of Kabupaten Majalengka (a few homes of people who cannot travel), and
a published plan for the next ten working days.

Why: `mpp demo` should show the mobile service end to end on real villages: the
manager's demand page and plan, the public schedule per village and kecamatan, and the
crew's field app with a login of its own. Everything is made through the services the
pages use (outreach.geo, demand.request_create, plans.plan_create,
publish.plan_publish), so the event log and the requesters' messages are as in real
use.

Loading is idempotent and conservative: an existing vehicle or crew account is kept as
it is (a manager may have edited it); demand and a plan are made only while the mall
has no published plan that still has days to come, so running the demo twice changes
nothing, and running it again weeks later makes a fresh round.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext

from mpp.accounts.models import Role, User
from mpp.accounts.services import staff_sync_permissions
from mpp.catalog.demo import DEMO_MALL, demo_data
from mpp.catalog.models import Booth, Mall, Offering
from mpp.core.models import Region
from mpp.outreach import geo
from mpp.outreach.demand import request_create
from mpp.outreach.models import OutreachRequest, Plan, PlanStatus, RequestStatus, Vehicle
from mpp.outreach.plan_input import working_days
from mpp.outreach.plans import plan_create
from mpp.outreach.publish import plan_publish

WORKING_DAYS = 10  # the published plan covers the next ten working days
VILLAGES = 14  # villages with demand: one in every other kecamatan, from the code order
DEPOT = ("-6.836000", "108.227000")  # MPP Kabupaten Majalengka, in the town centre

CREW = {
    "username": "petugas.keliling",
    "name": "Yanto Supriadi",
    "booth": "A",  # Disdukcapil: recording KTP-el is most of the van's work
}
# (name, kind, plate, people a day, shift, services on board, crew usernames)
FLEET = [
    (
        "Mobil Keliling 1",
        Vehicle.Kind.VAN,
        "E 1701 MK",
        40,
        ("08:00", "15:00"),
        [
            "dukcapil-ktp-el-baru",
            "dukcapil-ikd",
            "dukcapil-kk-perubahan",
            "dukcapil-akta-kelahiran",
            "bpjskes-reaktivasi",
            "bpjskes-bayi-baru-lahir",
            "taspen-otentikasi",
        ],
        [CREW["username"]],
    ),
    (
        "Motor Keliling 1",
        Vehicle.Kind.MOTORBIKE,
        "E 2702 MK",
        8,
        ("08:00", "14:00"),
        ["dukcapil-ktp-el-baru", "dukcapil-ikd", "taspen-otentikasi"],
        ["petugas.dukcapil"],
    ),
]
# Village demand: (services, people, days waiting, source), one per chosen village in turn.
VILLAGE_DEMAND = [
    (["dukcapil-ktp-el-baru", "dukcapil-ikd"], 12, 9, "agent"),
    (["dukcapil-kk-perubahan", "dukcapil-akta-kelahiran"], 6, 3, "web"),
    (["bpjskes-reaktivasi"], 5, 12, "whatsapp"),
    (["dukcapil-ktp-el-baru"], 9, 6, "kiosk"),
    (["dukcapil-akta-kelahiran", "bpjskes-bayi-baru-lahir"], 4, 2, "agent"),
    (["taspen-otentikasi"], 7, 15, "web"),
    (["dukcapil-ikd"], 10, 1, "web"),
]
# Home visits for people who cannot travel: (village index, services, needs, name, address).
HOME_VISITS = [
    (0, ["dukcapil-ktp-el-baru"], ["bedridden"], "Ibu Eti Sumiati", "Blok Kaliwon RT 02/RW 01"),
    (3, ["taspen-otentikasi"], ["elderly"], "Bapak Oyo Suryana", "Dusun Cibeureum RT 01/RW 03"),
    (
        7,
        ["dukcapil-ktp-el-baru", "dukcapil-ikd"],
        ["disabled"],
        "Sdr. Dani Ramdani",
        "Blok Pahing RT 04/RW 02",
    ),
    (10, ["dukcapil-akta-kelahiran"], ["new_mother"], "Ibu Nia Kurniasih", "Dusun Wage RT 03"),
]


def _phone(n: int) -> str:
    """Demo phone numbers (0813-2100-01nn): nobody's, never dialled by the demo."""
    return f"08132100{n:04d}"


def demo_villages(mall: Mall, count: int = VILLAGES) -> list[Region]:
    """The first village (by code) of every other kecamatan of the mall's kabupaten that
    has a point, so the demand spreads over the whole regency."""
    districts = Region.objects.filter(
        level=Region.Level.DISTRICT, code__startswith=f"{mall.regency_id}."
    ).order_by("code")
    chosen = []
    for district in list(districts)[::2]:
        village = (
            Region.objects.filter(parent=district, outreach_point__isnull=False)
            .order_by("code")
            .first()
        )
        if village is not None:
            chosen.append(village)
        if len(chosen) == count:
            break
    return chosen


def _crew_load(mall: Mall, created: list) -> User:
    user = User.objects.filter(username=CREW["username"]).first()
    if user is None:
        first, _, last = CREW["name"].partition(" ")
        user = User.objects.create(
            username=CREW["username"],
            password=make_password(demo_data()["default_password"]),
            first_name=first,
            last_name=last,
            role=Role.OFFICER,
            mall=mall,
            booth=Booth.objects.filter(mall=mall, ticket_prefix=CREW["booth"]).first(),
        )
        staff_sync_permissions(user=user)
        created.append(user)
    return user


def _fleet_load(mall: Mall, created: list) -> None:
    offerings = {o.service.code: o for o in Offering.objects.filter(mall=mall)}
    for name, kind, plate, capacity, (start, end), services, crew in FLEET:
        if Vehicle.objects.filter(mall=mall, name=name).exists():
            continue
        vehicle = Vehicle.objects.create(
            mall=mall,
            name=name,
            kind=kind,
            plate=plate,
            capacity_per_day=capacity,
            shift_start=start,
            shift_end=end,
            depot_lat=DEPOT[0],
            depot_lon=DEPOT[1],
        )
        vehicle.offerings.set([offerings[code] for code in services if code in offerings])
        vehicle.crew.set(User.objects.filter(username__in=crew, mall=mall))
        created.append(vehicle)


def _demand_load(mall: Mall, villages: list[Region], now: dt.datetime, created: list) -> None:
    for index, village in enumerate(villages):
        services, people, waiting, source = VILLAGE_DEMAND[index % len(VILLAGE_DEMAND)]
        created.append(
            request_create(
                mall=mall,
                village_code=village.code,
                service_codes=services,
                people=people,
                home_visit=False,
                needs=[],
                contact_phone=_phone(index + 1),
                source=source,
                now=now - dt.timedelta(days=waiting),
            )
        )
    for n, (index, services, needs, name, address) in enumerate(HOME_VISITS, start=50):
        if index >= len(villages):
            continue
        created.append(
            request_create(
                mall=mall,
                village_code=villages[index].code,
                service_codes=services,
                people=1,
                home_visit=True,
                needs=needs,
                contact_phone=_phone(n),
                contact_name=name,
                address=address,
                source="agent",
                now=now - dt.timedelta(days=4 + n % 5),
            )
        )


def plan_days(mall: Mall, today: dt.date, count: int = WORKING_DAYS) -> tuple[dt.date, int]:
    """The first day after `today` and the calendar days from it that hold `count` of the
    mall's working days."""
    first = today + dt.timedelta(days=1)
    days = count
    while len(working_days(mall, first, first + dt.timedelta(days=days - 1))) < count:
        days += 1
    return first, days


def outreach_demo_load(mall=DEMO_MALL, *, now=None, seconds=2) -> int:
    """Set up jemput bola on the demo mall (a Mall or its code); returns the rows made
    (vehicles, the crew account, requests, the plan). Nothing when the mall is missing."""
    if not isinstance(mall, Mall):
        mall = Mall.objects.filter(code=mall).first()
        if mall is None:
            return 0
    now = now or timezone.now()
    created: list = []
    geo.villages_ensure(regency_code=mall.regency_id)
    _crew_load(mall, created)
    _fleet_load(mall, created)
    today = timezone.localtime(now, mall.tz).date()
    if Plan.objects.filter(mall=mall, status=PlanStatus.PUBLISHED, ends_on__gte=today).exists():
        return len(created)
    if not OutreachRequest.objects.filter(mall=mall, status=RequestStatus.RECEIVED).exists():
        _demand_load(mall, demo_villages(mall), now, created)
    first, days = plan_days(mall, today)
    plan = plan_create(mall=mall, starts_on=first, days=days, seconds=seconds, now=now)
    plan_publish(plan=plan, now=now)
    created.append(plan)
    return len(created)


def outreach_demo_logins() -> list[dict]:
    """The field app's demo login, in the shape `mpp demo` prints staff logins."""
    user = User.objects.filter(username=CREW["username"]).select_related("mall").first()
    if user is None:
        return []
    vehicles = ", ".join(user.vehicles.order_by("name").values_list("name", flat=True)) or "-"
    return [
        {
            "username": user.username,
            "password": demo_data()["default_password"],
            "role": str(Role(user.role).label),
            "mall": user.mall.code if user.mall_id else "",
            "booth": gettext("field app, crew of %(vehicles)s") % {"vehicles": vehicles},
        }
    ]
