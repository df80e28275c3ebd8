"""Test data for the plan, publishing and schedule tests (tests/outreach/test_plans_*,
test_schedule_*): a mall of Kabupaten Majalengka with two services, a van, villages in
two kecamatan, requests, and plans made as rows (not by the solver), so these tests do
not depend on the planner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from mpp.accounts.models import Role
from mpp.outreach.models import Plan, PlanStatus, Visit
from tests.factories import (
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    UserFactory,
    VehicleFactory,
    village,
)


@dataclass
class World:
    mall: object
    offerings: list
    vehicle: object
    villages: list  # Cipasung (Lemahsugih), Sukamaju (Kecamatan Dua)
    manager: object
    today: dt.date
    extra: dict = field(default_factory=dict)

    @property
    def services(self):
        return [o.service for o in self.offerings]

    def day(self, n: int) -> dt.date:
        return self.today + dt.timedelta(days=n)


def make_world(**mall_kwargs) -> World:
    mall = MallFactory(**mall_kwargs)
    offerings = [
        OfferingFactory(booth__mall=mall, service__code="ktp-el", service__name="KTP-el"),
        OfferingFactory(
            booth__mall=mall, service__code="akta-lahir", service__name="Akta Kelahiran"
        ),
    ]
    vehicle = VehicleFactory(mall=mall, offerings=offerings)
    villages = [
        village(),
        village("32.10.02.2002", "Sukamaju", "Kecamatan Dua", lat=-6.9, lon=108.3),
    ]
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    return World(mall, offerings, vehicle, villages, manager, mall.today())


def make_request(world: World, *, village_index: int = 0, **kwargs):
    kwargs.setdefault("services", [world.services[0]])
    return OutreachRequestFactory(mall=world.mall, village=world.villages[village_index], **kwargs)


def make_plan(
    world: World,
    stops: list[dict],
    *,
    first: int = 2,
    days: int = 5,
    status: str = PlanStatus.DRAFT,
) -> Plan:
    """A plan of `days` days from today + `first` with one Visit per stop: a dict of
    "day" (offset from today), "village" (index), "kind", "requests", "start", "end",
    "people", "services" (default: the first service)."""
    start = world.day(first)
    plan = Plan.objects.create(
        mall=world.mall,
        starts_on=start,
        ends_on=start + dt.timedelta(days=days - 1),
        status=status,
        created_at=timezone.now(),
        published_at=timezone.now() if status != PlanStatus.DRAFT else None,
        stats={"seconds": 1},
    )
    orders: dict[dt.date, int] = {}
    for stop in stops:
        date = world.day(stop.get("day", first))
        orders[date] = orders.get(date, 0) + 1
        visit = Visit.objects.create(
            plan=plan,
            vehicle=world.vehicle,
            date=date,
            order=orders[date],
            kind=stop.get("kind", Visit.Kind.VILLAGE),
            village=world.villages[stop.get("village", 0)],
            start=stop.get("start", dt.time(9, 0)),
            end=stop.get("end", dt.time(11, 30)),
            people=stop.get("people", 3),
        )
        visit.services.set(stop.get("services", [world.services[0]]))
        visit.requests.set(stop.get("requests", []))
    return plan
