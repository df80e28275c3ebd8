"""Reads of mobile-service plans for the manager's pages: the mall's plans, and one plan
laid out per vehicle and day with its stops, what it leaves unserved and why, and the
pins and exclusions the planner honoured.

Why a module: the plan page shows the same plan in three cuts (routes, unserved, rules)
and must read it in a handful of queries, whatever the number of stops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count

from mpp.catalog.models import Mall
from mpp.outreach.models import Plan, PlanRule, PlanStatus, Unserved, Vehicle, Visit


@dataclass
class Day:
    """One vehicle's route on one day: its stops in order and the people expected."""

    vehicle: Vehicle
    date: dt.date
    visits: list[Visit] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(v.people for v in self.visits)


@dataclass
class PlanView:
    plan: Plan
    days: list[Day]
    unserved: list[Unserved]
    rules: list[PlanRule]
    people: int
    requests: int
    stops: int


def plans_for_mall(mall: Mall, *, limit: int = 50) -> list[Plan]:
    """The mall's plans, newest first, each with `visit_count`, `people_total` and
    `unserved_count`."""
    return list(
        Plan.objects.filter(mall=mall)
        .annotate(
            visit_count=Count("visits", distinct=True),
            unserved_count=Count("unserved", distinct=True),
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def plan_for_mall(plan_id: int, mall_id: int | None) -> Plan | None:
    """The plan with this id when it is of this mall (any mall for None), else None."""
    if not 0 < plan_id < 2**63:
        return None
    rows = Plan.objects.select_related("mall", "created_by").filter(pk=plan_id)
    if mall_id is not None:
        rows = rows.filter(mall_id=mall_id)
    return rows.first()


def plan_view(plan: Plan) -> PlanView:
    """The plan per vehicle and day, its unserved requests with their reasons and the
    mall's standing rules."""
    visits = (
        Visit.objects.filter(plan=plan)
        .select_related("vehicle", "village", "village__parent")
        .prefetch_related("services", "requests")
        .order_by("date", "vehicle__name", "vehicle_id", "order")
    )
    days: dict[tuple[int, dt.date], Day] = {}
    request_ids: set[int] = set()
    for visit in visits:
        key = (visit.vehicle_id, visit.date)
        if key not in days:
            days[key] = Day(vehicle=visit.vehicle, date=visit.date)
        days[key].visits.append(visit)
        request_ids.update(r.pk for r in visit.requests.all())
    unserved = list(
        Unserved.objects.filter(plan=plan)
        .select_related("request", "request__village", "request__village__parent")
        .order_by("reason", "request__village_id", "request_id")
    )
    rules = list(
        PlanRule.objects.filter(mall_id=plan.mall_id)
        .select_related("village", "vehicle")
        .order_by("kind", "date", "village_id")
    )
    ordered = list(days.values())
    return PlanView(
        plan=plan,
        days=ordered,
        unserved=unserved,
        rules=rules,
        people=sum(d.people for d in ordered),
        requests=len(request_ids),
        stops=sum(len(d.visits) for d in ordered),
    )


def vehicles_for_mall(mall: Mall) -> list[Vehicle]:
    """The mall's vehicles in service (for the pin form)."""
    return list(Vehicle.objects.filter(mall=mall, active=True).order_by("name"))


def published_overlapping(plan: Plan) -> list[Plan]:
    """The published plans a publication of `plan` would supersede (shown as a warning)."""
    return list(
        Plan.objects.filter(
            mall_id=plan.mall_id,
            status=PlanStatus.PUBLISHED,
            starts_on__lte=plan.ends_on,
            ends_on__gte=plan.starts_on,
        ).exclude(pk=plan.pk)
    )
