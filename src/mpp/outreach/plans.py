"""Making a jemput bola plan, and the manager's standing rules for it (pins, exclusions).

Why here: the planner (outreach.planner) knows nothing of the database. This module
turns a mall's open demand, its fleet and calendar and its rules into a Problem, runs
the solver, and stores what came out as a DRAFT Plan: a Visit per stop (vehicle, day,
times, people, the services the vehicle carries, the requests it answers) and an
Unserved row, with its reason, per request left out. A manager checks the draft, adds
rules, re-plans and publishes (outreach.publish).

    plan_create(*, mall, starts_on, days=14, seconds=None, actor=None, now=None) -> Plan
    plan_rule_add(*, mall, kind, village, date=None, vehicle=None, note="", actor=None)
    plan_rule_remove(*, rule, actor=None)

Demand: requests RECEIVED at the mall. Village requests are aggregated per village (and
per set of vehicles able to serve them: a vehicle serves a request when it carries at
least one of its services); a home visit is a stop of its own. A request's weight is
people x (1 + days waiting / 7), x 3 when anyone in it cannot travel. The solver runs
outside the database transaction (it takes seconds); the writes then re-check that each
request is still RECEIVED.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.core.errors import Conflict, Invalid
from mpp.core.events import event_record
from mpp.core.models import Region
from mpp.outreach.models import (
    OutreachRequest,
    Plan,
    PlanRule,
    PlanStatus,
    RequestStatus,
    Unserved,
    UnservedReason,
    Vehicle,
    Visit,
)
from mpp.outreach.plan_input import demand, setting, vehicle_days, working_days
from mpp.outreach.planner.problem import Problem
from mpp.outreach.planner.solve import plan_solve

PLAN_ACTION = "outreach.plan"
DAYS_MAX = 62
SECONDS_MAX = 300


def _check(mall: Mall, starts_on: dt.date, days: int, seconds: float) -> None:
    if not isinstance(days, int) or not 1 <= days <= DAYS_MAX:
        raise Invalid(
            _("A plan covers 1 to %(max)d days.") % {"max": DAYS_MAX}, code="invalid_days"
        )
    if not isinstance(seconds, (int, float)) or not 0 < seconds <= SECONDS_MAX:
        raise Invalid(
            _("The planner may search for more than 0 and at most %(max)d seconds.")
            % {"max": SECONDS_MAX},
            code="invalid_seconds",
        )
    if starts_on < timezone.now().astimezone(mall.tz).date():
        raise Invalid(_("A plan cannot start in the past."), code="plan_in_past")


def plan_create(
    *,
    mall: Mall,
    starts_on: dt.date,
    days: int = 14,
    seconds: float | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> Plan:
    """Plan the mall's open demand over `days` calendar days from `starts_on` and store
    it as a DRAFT Plan with its visits and unserved requests (outreach.plan). Runs the
    solver for `seconds` (default settings.MPP_OUTREACH_PLAN_SECONDS, 10)."""
    if actor is not None:
        access.require(actor, PLAN_ACTION, mall)
    if seconds is None:
        seconds = setting("MPP_OUTREACH_PLAN_SECONDS", 10)
    _check(mall, starts_on, days, seconds)
    now = now or timezone.now()
    ends_on = starts_on + dt.timedelta(days=days - 1)

    vehicles = list(
        Vehicle.objects.filter(mall=mall, active=True).prefetch_related("offerings").order_by("pk")
    )
    work_days = working_days(mall, starts_on, ends_on)
    vds = vehicle_days(vehicles, work_days)
    requests = list(
        OutreachRequest.objects.filter(mall=mall, status=RequestStatus.RECEIVED)
        .select_related("village__outreach_point")
        .prefetch_related("services")
        .order_by("created_at", "pk")
    )
    rules = list(PlanRule.objects.filter(mall=mall))
    asked = demand(requests, vehicles, rules, work_days, now)
    problem = Problem(stops=asked.stops, vehicle_days=vds)
    solution = plan_solve(
        problem,
        seconds=seconds,
        seed=1,
        setup_minutes=asked.setup,
        minutes_per_person=asked.per_person,
    )
    return _store(mall, starts_on, ends_on, problem, solution, asked, vehicles, actor, now)


def _parts_of(solution, key: str, people: int) -> list[tuple[str, int]]:
    return solution.parts.get(key) or [(key, people)]


@transaction.atomic
def _store(mall, starts_on, ends_on, problem, solution, asked, vehicles, actor, now):
    info, early = asked.info, asked.early
    still_open = set(
        OutreachRequest.objects.select_for_update()
        .filter(pk__in=[r.pk for i in info.values() for r in i.requests] + list(early))
        .filter(status=RequestStatus.RECEIVED)
        .values_list("pk", flat=True)
    )
    carried = {v.pk: {o.service_id for o in v.offerings.all()} for v in vehicles}
    by_key = {s.key: s for s in problem.stops}
    where: dict[str, tuple[int, int, int, int]] = {}  # part key -> (vd, order, start, end)
    for i, route in enumerate(solution.routes):
        for order, (key, start, end) in enumerate(route, start=1):
            where[key] = (i, order, start, end)

    weight_total = solution.weight_total + asked.early_weight
    weight_share = solution.weight_served / weight_total if weight_total else 1
    plan = Plan.objects.create(
        mall=mall,
        starts_on=starts_on,
        ends_on=ends_on,
        status=PlanStatus.DRAFT,
        created_by=access.person_of(actor) if actor is not None else None,
        created_at=now,
        stats={
            **solution.stats,
            "seconds": solution.stats.get("seconds"),
            "cost_m": solution.cost,
            "weight_served": round(solution.weight_served, 2),
            "weight_total": round(weight_total, 2),
            "weight_share": round(weight_share, 4),
            "vehicle_days": len(problem.vehicle_days),
            "stops": len(problem.stops),
            "road_factor": problem.road_factor,
        },
    )
    served: set[int] = set()
    reasons: dict[int, str] = dict(early)
    for key, stop_info in info.items():
        stop = by_key[key]
        parts = _parts_of(solution, key, stop.people)
        placed = sorted(
            (where[p] + (p, n) for p, n in parts if p in where),
            key=lambda w: (problem.vehicle_days[w[0]].date, w[1]),
        )
        queue = [[r, r.people] for r in stop_info.requests if r.pk in still_open]
        for vd_index, order, start, end, _part, people in placed:
            vd = problem.vehicle_days[vd_index]
            linked, room = [], people
            while queue and room > 0:
                req_left = queue[0]
                take = min(room, req_left[1])
                linked.append(req_left[0])
                req_left[1] -= take
                room -= take
                if req_left[1] == 0:
                    queue.pop(0)
            if not linked:  # its requests were cancelled while the solver ran
                continue
            visit = Visit.objects.create(
                plan=plan,
                vehicle_id=vd.vehicle_id,
                date=vd.date,
                order=order,
                kind=stop_info.kind,
                village=stop_info.village,
                start=dt.time(*divmod(min(start, 24 * 60 - 1), 60)),
                end=dt.time(*divmod(min(end, 24 * 60 - 1), 60)),
                people=people - room,
                pinned=stop.required,
            )
            visit.services.set(stop_info.services & carried.get(vd.vehicle_id, set()))
            visit.requests.set(linked)
            served.update(r.pk for r in linked)
        reason = solution.unserved.get(key, UnservedReason.CAPACITY)
        for req in stop_info.requests:
            if req.pk not in served:
                reasons.setdefault(req.pk, reason)
    Unserved.objects.bulk_create(
        Unserved(plan=plan, request_id=pk, reason=reason)
        for pk, reason in sorted(reasons.items())
        if pk in still_open and pk not in served
    )
    event_record(
        kind="outreach.plan_created",
        subject_type="outreach_plan",
        subject_id=plan.pk,
        mall_id=mall.pk,
        actor_id=getattr(access.person_of(actor), "pk", None) if actor is not None else None,
        data={
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "visits": plan.visits.count(),
            "requests_served": len(served),
            "requests_unserved": len([p for p in reasons if p in still_open and p not in served]),
            "weight_share": round(weight_share, 4),
            "seconds": solution.stats.get("seconds"),
        },
        occurred_at=now,
    )
    return plan


def _village_of_mall(mall: Mall, village) -> Region:
    if (
        not isinstance(village, Region)
        or village.level != Region.Level.VILLAGE
        or not village.code.startswith(f"{mall.regency_id}.")
    ):
        raise Invalid(
            _("Choose a village of the mall's kabupaten/kota."), code="village_outside_mall"
        )
    return village


@transaction.atomic
def plan_rule_add(
    *,
    mall: Mall,
    kind: str,
    village: Region,
    date: dt.date | None = None,
    vehicle: Vehicle | None = None,
    note: str = "",
    actor=None,
    now: dt.datetime | None = None,
) -> PlanRule:
    """Pin a village to a day (optionally to one vehicle) or exclude it from the mall's
    plans until the rule is removed (outreach.plan). The same rule twice is returned
    as it stands; a pin and an exclusion of one village contradict each other."""
    if actor is not None:
        access.require(actor, PLAN_ACTION, mall)
    now = now or timezone.now()
    _village_of_mall(mall, village)
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid(_("The note is too long (200 characters at most)."), code="invalid_note")
    existing = PlanRule.objects.select_for_update().filter(mall=mall, village=village)
    if kind == PlanRule.Kind.EXCLUDE:
        if existing.filter(kind=PlanRule.Kind.PIN).exists():
            raise Conflict(
                _("This village is pinned: remove the pin before excluding it."),
                code="rule_conflict",
            )
        same = existing.filter(kind=kind).first()
        if same is not None:
            return same
        date, vehicle = None, None
    elif kind == PlanRule.Kind.PIN:
        if date is None:
            raise Invalid(_("A pin needs a day."), code="pin_needs_date")
        if date < now.astimezone(mall.tz).date():
            raise Invalid(_("A pin cannot be on a past day."), code="pin_in_past")
        if vehicle is not None and (vehicle.mall_id != mall.pk or not vehicle.active):
            raise Invalid(_("Choose a vehicle of this mall in service."), code="invalid_vehicle")
        if existing.filter(kind=PlanRule.Kind.EXCLUDE).exists():
            raise Conflict(
                _("This village is excluded: remove the exclusion before pinning it."),
                code="rule_conflict",
            )
        same = existing.filter(kind=kind, date=date, vehicle=vehicle).first()
        if same is not None:
            return same
    else:
        raise Invalid(_("Unknown kind of rule."), code="invalid_rule")
    rule = PlanRule.objects.create(
        mall=mall,
        kind=kind,
        village=village,
        date=date,
        vehicle=vehicle,
        note=note,
        created_by=access.person_of(actor) if actor is not None else None,
        created_at=now,
    )
    event_record(
        kind="outreach.rule_added",
        subject_type="outreach_plan",
        subject_id=f"rule:{rule.pk}",
        mall_id=mall.pk,
        actor_id=getattr(access.person_of(actor), "pk", None) if actor is not None else None,
        data={
            "rule": rule.pk,
            "kind": kind,
            "village_code": village.code,
            "date": date.isoformat() if date else None,
            "vehicle": vehicle.pk if vehicle else None,
        },
        occurred_at=now,
    )
    return rule


@transaction.atomic
def plan_rule_remove(*, rule: PlanRule, actor=None) -> None:
    """Remove a pin or an exclusion (outreach.plan); the next plan no longer applies it."""
    current = PlanRule.objects.select_for_update().filter(pk=rule.pk).first()
    if current is None:
        raise Conflict(_("This rule was already removed."), code="rule_gone")
    if actor is not None:
        access.require(actor, PLAN_ACTION, current)
    data = {"rule": current.pk, "kind": current.kind, "village_code": current.village_id}
    mall_id = current.mall_id
    current.delete()
    event_record(
        kind="outreach.rule_removed",
        subject_type="outreach_plan",
        subject_id=f"rule:{rule.pk}",
        mall_id=mall_id,
        actor_id=getattr(access.person_of(actor), "pk", None) if actor is not None else None,
        data=data,
    )
