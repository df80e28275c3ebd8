"""Publishing a mobile-service plan (outreach.publish): the draft becomes the schedule, an
earlier overlapping plan is superseded and its reminders withdrawn, the requests are
scheduled, each requester gets one SMS per plan and a reminder at 16:00 mall time the
day before the visit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mpp.core.errors import Conflict
from mpp.core.models import Event
from mpp.notifications.models import Message, Status
from mpp.notifications.rendering import SMS_MAX, render, template_exists
from mpp.outreach import publish
from mpp.outreach.models import Plan, PlanStatus, RequestStatus, Visit
from tests.outreach.plans_world import make_plan, make_request, make_world

pytestmark = pytest.mark.django_db


def _sms(template: str) -> list[Message]:
    return list(Message.objects.filter(template=template).order_by("pk"))


def test_publish_schedules_requests_and_queues_one_sms_and_one_reminder_each():
    world = make_world()
    village_req = make_request(world, people=4)
    home_req = make_request(world, home_visit=True, needs=["elderly"], people=1,
                            contact_name="Ibu Sumi", address="Blok Senin RT 02")  # fmt: skip
    # A big village split over two days: its request is in both visits, told once.
    split_req = make_request(world, village_index=1, people=60)
    plan = make_plan(
        world,
        [
            {"day": 2, "requests": [village_req], "start": dt.time(9, 0), "end": dt.time(10, 30)},
            {"day": 2, "kind": Visit.Kind.HOME, "requests": [home_req]},
            {"day": 3, "village": 1, "requests": [split_req]},
            {"day": 4, "village": 1, "requests": [split_req]},
        ],
    )
    now = timezone.now()

    published = publish.plan_publish(plan=plan, actor=world.manager, now=now)

    assert published.status == PlanStatus.PUBLISHED and published.published_at == now
    for request in (village_req, home_req, split_req):
        request.refresh_from_db()
        assert request.status == RequestStatus.SCHEDULED
    scheduled = _sms("outreach_scheduled")
    reminders = _sms("outreach_reminder")
    assert len(scheduled) == 3 and len(reminders) == 3
    assert {m.recipient for m in scheduled} == {"+6281234567890"}
    assert {m.channel for m in scheduled + reminders} == {"sms"}
    first = next(m for m in scheduled if m.context["code"] == village_req.code)
    assert first.context["date"] == world.day(2).isoformat()
    assert first.context["time"] == "09:00-10:30"
    assert first.context["village"] == "Cipasung"
    split = next(m for m in scheduled if m.context["code"] == split_req.code)
    assert split.context["date"] == world.day(3).isoformat()  # its first visit
    # No personal data of the home visit in the message context or the event.
    home = next(m for m in scheduled if m.context["code"] == home_req.code)
    assert "Sumi" not in str(home.context) and "Blok" not in str(home.context)
    event = Event.objects.get(kind="outreach.plan_published")
    assert event.subject_type == "outreach_plan" and event.subject_id == str(plan.pk)
    assert event.mall_id == world.mall.pk and event.actor_id == world.manager.pk
    assert event.data["requests_scheduled"] == 3 and event.data["messages"] == 6
    assert "0812" not in str(event.data) and "Sumi" not in str(event.data)


def test_reminder_is_due_the_day_before_at_16_mall_time():
    world = make_world(timezone="Asia/Makassar")  # WITA: 16:00 there is 15:00 in Jakarta
    request = make_request(world)
    plan = make_plan(world, [{"day": 3, "requests": [request]}], first=3)
    publish.plan_publish(plan=plan, now=timezone.now())

    (reminder,) = _sms("outreach_reminder")
    expected = dt.datetime.combine(world.day(2), dt.time(16, 0), tzinfo=ZoneInfo("Asia/Makassar"))
    assert reminder.not_before == expected
    assert reminder.next_attempt_at == expected
    assert reminder.not_before.astimezone(ZoneInfo("Asia/Jakarta")).hour == 15
    (scheduled,) = _sms("outreach_scheduled")
    assert scheduled.not_before <= timezone.now()  # the first SMS goes at once


def test_publishing_after_16_the_day_before_sends_no_reminder():
    world = make_world()
    request = make_request(world)
    plan = make_plan(world, [{"day": 2, "requests": [request]}])
    tz = world.mall.tz
    late = dt.datetime.combine(world.day(1), dt.time(17, 0), tzinfo=tz)

    publish.plan_publish(plan=plan, now=late)

    assert len(_sms("outreach_scheduled")) == 1
    assert _sms("outreach_reminder") == []


def test_republish_supersedes_the_overlapping_plan_and_withdraws_its_reminders():
    world = make_world()
    kept = make_request(world)
    dropped = make_request(world, village_index=1)
    old = make_plan(
        world,
        [{"day": 2, "requests": [kept]}, {"day": 3, "village": 1, "requests": [dropped]}],
    )
    publish.plan_publish(plan=old, now=timezone.now())
    elsewhere = make_plan(world, [], first=20, days=3)  # not overlapping: stays
    publish.plan_publish(plan=elsewhere, now=timezone.now())
    assert Message.objects.filter(template="outreach_reminder", status=Status.PENDING).count() == 2

    new = make_plan(world, [{"day": 4, "requests": [kept]}], first=3)
    publish.plan_publish(plan=new, actor=world.manager, now=timezone.now())

    old.refresh_from_db()
    elsewhere.refresh_from_db()
    assert old.status == PlanStatus.SUPERSEDED
    assert elsewhere.status == PlanStatus.PUBLISHED
    old_reminders = Message.objects.filter(dedupe_key__startswith=f"outreach-reminder:{old.pk}:")
    assert old_reminders.count() == 2
    assert set(old_reminders.values_list("status", flat=True)) == {Status.WITHDRAWN}
    (new_reminder,) = Message.objects.filter(dedupe_key__startswith=f"outreach-reminder:{new.pk}:")
    assert new_reminder.status == Status.PENDING
    assert new_reminder.context["date"] == world.day(4).isoformat()
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert kept.status == RequestStatus.SCHEDULED
    assert dropped.status == RequestStatus.RECEIVED  # waiting for a plan again
    event = Event.objects.filter(kind="outreach.plan_published").latest("pk")
    assert event.data["superseded"] == [old.pk]


def test_dedupe_one_scheduled_sms_per_request_and_plan():
    world = make_world()
    request = make_request(world)
    plan = make_plan(world, [{"day": 2, "requests": [request]}])
    publish.plan_publish(plan=plan, now=timezone.now())
    # The outbox refuses a second row with the same key (e.g. a retried publication).
    from mpp.notifications.services import message_enqueue

    again = message_enqueue(
        channel="sms",
        recipient="+6281234567890",
        template="outreach_scheduled",
        context={"code": request.code},
        dedupe_key=publish.scheduled_key(plan.pk, request.pk),
    )
    assert Message.objects.filter(template="outreach_scheduled").count() == 1
    assert again.context["date"] == world.day(2).isoformat()  # the first one came back
    with pytest.raises(Conflict) as refused:
        publish.plan_publish(plan=plan, now=timezone.now())
    assert refused.value.code == "plan_not_draft"
    assert Message.objects.filter(template="outreach_scheduled").count() == 1


def test_cancelled_and_served_requests_are_not_announced():
    world = make_world()
    cancelled = make_request(world, status=RequestStatus.CANCELLED)
    served = make_request(world, status=RequestStatus.SERVED)
    plan = make_plan(world, [{"day": 2, "requests": [cancelled, served]}])
    publish.plan_publish(plan=plan, now=timezone.now())
    cancelled.refresh_from_db()
    served.refresh_from_db()
    assert cancelled.status == RequestStatus.CANCELLED and served.status == RequestStatus.SERVED
    assert not Message.objects.filter(template__startswith="outreach_").exists()


def test_a_phone_the_outbox_cannot_use_does_not_stop_publishing():
    world = make_world()
    bad = make_request(world, contact_phone="021-555")  # a landline typed by staff
    plan = make_plan(world, [{"day": 2, "requests": [bad]}])
    publish.plan_publish(plan=plan, now=timezone.now())
    bad.refresh_from_db()
    assert bad.status == RequestStatus.SCHEDULED
    assert not Message.objects.filter(template__startswith="outreach_").exists()


def test_a_plan_whose_days_are_over_is_not_published():
    world = make_world()
    plan = make_plan(world, [], first=-5, days=2)
    with pytest.raises(Conflict) as refused:
        publish.plan_publish(plan=plan, now=timezone.now())
    assert refused.value.code == "plan_past"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_discard_deletes_a_draft_only():
    world = make_world()
    request = make_request(world)
    draft = make_plan(world, [{"day": 2, "requests": [request]}])
    publish.plan_discard(plan=draft, actor=world.manager)
    assert not Plan.objects.filter(pk=draft.pk).exists()
    assert not Visit.objects.filter(plan_id=draft.pk).exists()
    event = Event.objects.get(kind="outreach.plan_discarded")
    assert event.mall_id == world.mall.pk and event.subject_id == str(draft.pk)

    published = make_plan(world, [], status=PlanStatus.PUBLISHED)
    with pytest.raises(Conflict):
        publish.plan_discard(plan=published)
    assert Plan.objects.filter(pk=published.pk, status=PlanStatus.PUBLISHED).exists()


LONG = {
    "code": "JB-7K3Q9A",
    "mall": "Mal Pelayanan Publik Kabupaten Kepulauan Siau Tagulandang Biaro",
    "village": "Desa Tanjung Harapan Baru Sejahtera Makmur",
    "date": "2027-03-08",
    "time": "13:30-15:45",
}


@pytest.mark.parametrize("template", ["outreach_scheduled", "outreach_reminder"])
@pytest.mark.parametrize("home_visit", [False, True])
def test_sms_templates_are_one_plain_part(template, home_visit):
    assert template_exists(template, "sms")
    for language in ("id", "en"):
        body = render(
            template=template,
            channel="sms",
            language=language,
            context={**LONG, "home_visit": home_visit},
        ).body
        assert len(body) <= SMS_MAX and body.isascii() and "\n" not in body, body
        assert "08/03/2027" in body and "13:30-15:45" in body and "JB-7K3Q9A" in body
        assert "{" not in body


COPIES = 6


@pytest.mark.django_db(transaction=True)
def test_overlapping_publications_at_once_leave_one_published():
    """Managers publish drafts of the same days at the same moment: they take
    turns on the mall's row, so exactly one plan stands (PostgreSQL: real row locks)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    world = make_world()
    request = make_request(world)
    drafts = [make_plan(world, [{"day": 2, "requests": [request]}]) for _ in range(COPIES)]
    barrier = threading.Barrier(COPIES)
    errors: list[Exception] = []

    def publish_one(plan):
        try:
            barrier.wait()
            publish.plan_publish(plan=plan, now=timezone.now())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish_one, args=(p,)) for p in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    statuses = sorted(
        Plan.objects.filter(pk__in=[p.pk for p in drafts]).values_list("status", flat=True)
    )
    assert statuses == [PlanStatus.PUBLISHED] + [PlanStatus.SUPERSEDED] * (COPIES - 1)
    pending = Message.objects.filter(template="outreach_reminder", status=Status.PENDING)
    assert pending.count() == 1  # the superseded plan's reminder was withdrawn
