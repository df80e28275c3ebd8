"""Publishing a mobile-service plan: the draft the planner made becomes the mall's public
schedule, and the people who asked are told when the van comes.

Why a service of its own: publishing changes four things that must agree (the plan's
status, the earlier plan it replaces, the requests it schedules and the messages in the
outbox), so it happens in one transaction. A citizen must never get a reminder for a
visit of a plan that was replaced, nor two "scheduled" messages for one plan: reminders
of a superseded plan are withdrawn, and every message has a dedupe key per request and
plan (`outreach-scheduled:<plan>:<request>`, `outreach-reminder:<plan>:<request>`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.core import identity
from mpp.core.errors import Conflict, DomainError, NotFound
from mpp.core.events import event_record
from mpp.notifications.models import Channel
from mpp.notifications.services import message_enqueue, messages_withdraw
from mpp.outreach.models import OutreachRequest, Plan, PlanStatus, RequestStatus, Visit

SCHEDULED_TEMPLATE = "outreach_scheduled"
REMINDER_TEMPLATE = "outreach_reminder"
REMINDER_AT = dt.time(16, 0)  # the day before the visit, mall time
PLAN_ACTION = "outreach.plan"


def scheduled_key(plan_id: int, request_id: int) -> str:
    return f"outreach-scheduled:{plan_id}:{request_id}"


def reminder_prefix(plan_id: int) -> str:
    return f"outreach-reminder:{plan_id}:"


def reminder_key(plan_id: int, request_id: int) -> str:
    return f"{reminder_prefix(plan_id)}{request_id}"


def reminder_time(visit_date: dt.date, tz) -> dt.datetime:
    """16:00 mall time on the day before the visit."""
    return dt.datetime.combine(visit_date - dt.timedelta(days=1), REMINDER_AT, tzinfo=tz)


def _locked(plan: Plan) -> Plan:
    """The plan, locked, after its mall's row: two publications for one mall at once
    take turns, so the second sees the first as published and supersedes it."""
    Mall.objects.select_for_update().filter(pk=plan.mall_id).first()
    found = Plan.objects.select_for_update().select_related("mall").filter(pk=plan.pk).first()
    if found is None:
        raise NotFound(_("Plan not found."), code="plan_not_found")
    return found


def _first_visits(plan: Plan) -> dict[int, Visit]:
    """Each request of the plan with its first visit (by date and start)."""
    first: dict[int, Visit] = {}
    visits = (
        Visit.objects.filter(plan=plan)
        .select_related("village")
        .prefetch_related("requests")
        .order_by("date", "start", "vehicle_id", "order")
    )
    for visit in visits:
        for request in visit.requests.all():
            first.setdefault(request.pk, visit)
    return first


def _context(*, request: OutreachRequest, visit: Visit, mall) -> dict:
    return {
        "code": request.code,
        "mall": mall.name,
        "village": visit.village.name,
        "date": visit.date.isoformat(),
        "time": f"{visit.start:%H:%M}-{visit.end:%H:%M}",
        "home_visit": visit.kind == Visit.Kind.HOME,
    }


def _notify(*, plan: Plan, request: OutreachRequest, visit: Visit, now: dt.datetime) -> int:
    """Queue the "scheduled" SMS and, when still ahead, the reminder. A phone the outbox
    cannot use is skipped (the request stays scheduled; the manager sees the phone)."""
    try:
        phone = identity.phone_clean(request.contact_phone)
    except DomainError:
        return 0
    context = _context(request=request, visit=visit, mall=plan.mall)
    message_enqueue(
        channel=Channel.SMS,
        recipient=phone,
        template=SCHEDULED_TEMPLATE,
        context=context,
        dedupe_key=scheduled_key(plan.pk, request.pk),
    )
    remind_at = reminder_time(visit.date, plan.mall.tz)
    if remind_at <= now:  # publishing after 16:00 the day before: the first SMS says it
        return 1
    message_enqueue(
        channel=Channel.SMS,
        recipient=phone,
        template=REMINDER_TEMPLATE,
        context=context,
        not_before=remind_at,
        dedupe_key=reminder_key(plan.pk, request.pk),
    )
    return 2


def _supersede(*, plan: Plan, keep: set[int]) -> list[int]:
    """Earlier published plans of the mall overlapping `plan`'s days: superseded, their
    pending reminders withdrawn, their scheduled requests not in `keep` back to waiting."""
    older = list(
        Plan.objects.select_for_update()
        .filter(
            mall_id=plan.mall_id,
            status=PlanStatus.PUBLISHED,
            starts_on__lte=plan.ends_on,
            ends_on__gte=plan.starts_on,
        )
        .exclude(pk=plan.pk)
    )
    for old in older:
        old.status = PlanStatus.SUPERSEDED
        old.save(update_fields=["status"])
        messages_withdraw(dedupe_prefix=reminder_prefix(old.pk))
        OutreachRequest.objects.filter(visits__plan=old, status=RequestStatus.SCHEDULED).exclude(
            pk__in=keep
        ).update(status=RequestStatus.RECEIVED)
    return [old.pk for old in older]


def plan_publish(*, plan: Plan, actor=None, now: dt.datetime | None = None) -> Plan:
    """DRAFT -> PUBLISHED: the plan becomes the mall's public schedule.

    Earlier published plans of the mall overlapping its days are SUPERSEDED and their
    reminders withdrawn; the open requests in its visits become SCHEDULED; each
    requester gets an SMS (date, time window, village, tracking code) and a reminder at
    16:00 mall time the day before. Conflict when the plan is not a draft or its days
    are over.
    """
    now = now or timezone.now()
    with transaction.atomic():
        plan = _locked(plan)
        if actor is not None:
            access.require(actor, PLAN_ACTION, plan)
        if plan.status != PlanStatus.DRAFT:
            raise Conflict(_("Only a draft plan can be published."), code="plan_not_draft")
        today = now.astimezone(plan.mall.tz).date()
        if plan.ends_on < today:
            raise Conflict(_("The days of this plan are over."), code="plan_past")
        first = _first_visits(plan)
        superseded = _supersede(plan=plan, keep=set(first))
        open_statuses = (RequestStatus.RECEIVED, RequestStatus.SCHEDULED)
        requests = OutreachRequest.objects.select_for_update().filter(
            pk__in=first, status__in=open_statuses
        )
        scheduled = messages = 0
        for request in requests.order_by("pk"):
            visit = first[request.pk]
            if visit.date < today:
                continue  # a visit of a day already past: nothing to announce
            if request.status != RequestStatus.SCHEDULED:
                request.status = RequestStatus.SCHEDULED
                request.save(update_fields=["status"])
            scheduled += 1
            messages += _notify(plan=plan, request=request, visit=visit, now=now)
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = now
        plan.save(update_fields=["status", "published_at"])
        actor = access.person_of(actor)
        event_record(
            kind="outreach.plan_published",
            subject_type="outreach_plan",
            subject_id=plan.pk,
            mall_id=plan.mall_id,
            actor_id=getattr(actor, "pk", None),
            data={
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on.isoformat(),
                "requests_scheduled": scheduled,
                "messages": messages,
                "superseded": superseded,
            },
            occurred_at=now,
        )
    return plan


def plan_discard(*, plan: Plan, actor=None, now: dt.datetime | None = None) -> None:
    """Delete a draft plan (its visits and unserved rows go with it); a published or
    superseded plan stays, as the record of what was announced."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _locked(plan)
        if actor is not None:
            access.require(actor, PLAN_ACTION, plan)
        if plan.status != PlanStatus.DRAFT:
            raise Conflict(_("Only a draft plan can be discarded."), code="plan_not_draft")
        plan_id, mall_id = plan.pk, plan.mall_id
        data = {"starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat()}
        plan.delete()
        actor = access.person_of(actor)
        event_record(
            kind="outreach.plan_discarded",
            subject_type="outreach_plan",
            subject_id=plan_id,
            mall_id=mall_id,
            actor_id=getattr(actor, "pk", None),
            data=data,
            occurred_at=now,
        )
