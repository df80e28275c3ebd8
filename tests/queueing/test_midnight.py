"""The queue day ends at midnight in the mall's time zone, with or without a worker (issue 10).

Yesterday's tickets kept counters busy into the new day, a waiting ticket of
yesterday told its holder "position 1, 0 minutes", and the board and the console
disagreed. Every test here runs in the three time zones of Indonesia (WIB, WITA,
WIT) on a moved clock, and without the worker's expiry job unless it says so.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from mpp.catalog.models import Counter
from mpp.core.errors import Conflict
from mpp.core.models import Event
from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import (
    board_snapshot,
    counter_current_ticket,
    ticket_estimate,
    ticket_get,
)
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


@pytest.fixture(params=ZONES, ids=("WIB", "WITA", "WIT"))
def mall(request, db):
    return MallFactory(timezone=request.param)


def at(mall, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant of December 2026 in the mall's own time zone."""
    return dt.datetime(2026, 12, day, hour, minute, second, tzinfo=ZoneInfo(mall.timezone))


def issue(mall, offering):
    return q.ticket_issue(mall=mall, service_code=offering.service.code)


def expired_events(ticket):
    return Event.objects.filter(kind="ticket.expired", subject_id=str(ticket.pk))


def test_yesterdays_called_ticket_does_not_keep_the_counter_busy(
    clock, mall, offering, counter, officer
):
    clock.move_to(at(mall, 6, 15))
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    old = issue(mall, offering)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk) == old

    clock.move_to(at(mall, 7, 7, 30))
    new = issue(mall, offering)
    assert new.number == old.number  # numbers restart each day: the same "B-001"
    called = q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    assert called == new

    old.refresh_from_db()
    assert old.status == Ticket.Status.EXPIRED
    events = list(expired_events(old))
    assert len(events) == 1 and events[0].actor_id is None  # the system, not an officer
    assert events[0].data["reason"] == "day_over"


def test_the_day_ends_at_midnight_not_a_minute_before(clock, mall, offering, counter):
    clock.move_to(at(mall, 6, 23, 59, 0), tick=False)
    late = issue(mall, offering)
    clock.move_to(at(mall, 6, 23, 59, 59), tick=False)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=None) == late  # still today
    clock.move_to(at(mall, 7, 0, 0, 0), tick=False)
    fresh = issue(mall, offering)
    late.refresh_from_db()
    assert late.status == Ticket.Status.EXPIRED
    assert fresh.service_date == dt.date(2026, 12, 7) and fresh.seq == 1
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=None) == fresh


def test_a_waiting_ticket_of_yesterday_is_over_on_its_page_and_in_the_api(
    clock, client, mall, offering
):
    clock.move_to(at(mall, 6, 14))
    old = issue(mall, offering)
    clock.move_to(at(mall, 7, 9))  # no worker ran, nobody wrote anything today
    shown = ticket_get(old.pk)
    assert shown.status == Ticket.Status.EXPIRED and shown.is_past_day
    estimate = ticket_estimate(shown)
    assert estimate.position == 0 and estimate.minutes == 0

    client.cookies["django_language"] = "en"
    page = client.get(reverse("ticket", args=[old.secret])).content.decode()
    assert "Your position" not in page
    assert "Expired" in page
    assert "This number was for Sunday, 6 December 2026." in page
    body = client.get(f"/api/v1/tickets/{old.pk}").json()
    assert body["status"] == "expired" and body["position"] == 0
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.WAITING  # nothing written


def test_board_and_console_agree_after_midnight(clock, client, mall, offering, counter, officer):
    clock.move_to(at(mall, 6, 15))
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    client.get(reverse("console-counter", args=[counter.pk]))  # opens the counter
    old = issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    issue(mall, offering)  # waiting at closing time

    clock.move_to(at(mall, 7, 7))
    board = board_snapshot(mall)
    row = next(r for r in board["now_serving"] if r["counter_id"] == counter.pk)
    assert row["ticket"] is None
    assert row["is_open"] is False  # opened yesterday: not open today until someone opens it
    assert board["waiting_total"] == 0
    assert counter_current_ticket(Counter.objects.get(pk=counter.pk)) is None
    panel = client.get(reverse("console-panel", args=[counter.pk])).content.decode()
    assert "current-number" not in panel
    assert old.number not in panel

    today = issue(mall, offering)
    response = client.post(reverse("console-action", args=[counter.pk, "call"]), follow=True)
    assert f"{today.number} called." in response.content.decode()
    assert Ticket.objects.get(pk=today.pk).status == Ticket.Status.CALLED


def test_an_action_on_a_ticket_of_an_earlier_day_is_refused_naming_the_day(
    clock, mall, offering, counter
):
    clock.move_to(at(mall, 6, 15))
    old = issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=None)
    clock.move_to(at(mall, 7, 8))
    for action in (q.ticket_start, q.ticket_recall):
        with translation.override("en"), pytest.raises(Conflict) as caught:
            action(ticket_id=old.pk, actor_id=None)
        assert caught.value.code == "day_over"
        assert f"{old.number} (yesterday, 6 Dec)" in caught.value.message
    with translation.override("id"), pytest.raises(Conflict) as caught:
        q.ticket_start(ticket_id=old.pk, actor_id=None)
    assert "6 Des" in caught.value.message
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.CALLED  # the job records it


def test_number_labels_carry_the_day_only_when_it_is_not_today():
    from mpp.queueing.day import number_with_day

    today = dt.date(2026, 12, 7)
    with translation.override("en"):
        assert number_with_day("B-001", today, today) == "B-001"
        assert number_with_day("B-001", dt.date(2026, 12, 6), today) == "B-001 (yesterday, 6 Dec)"
        assert number_with_day("B-001", dt.date(2026, 12, 1), today) == "B-001 (1 Dec)"
        assert number_with_day("B-001", dt.date(2025, 12, 6), today) == "B-001 (6 Dec 2025)"


def test_expiry_job_records_the_end_of_day_and_closes_counters(
    clock, mall, offering, counter, officer
):
    clock.move_to(at(mall, 6, 10))
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    called = issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    waiting = issue(mall, offering)

    clock.move_to(at(mall, 6, 23, 50))
    assert dayend.tickets_expire_past_days() == 0  # the day is not over yet
    assert Counter.objects.get(pk=counter.pk).is_open

    clock.move_to(at(mall, 7, 0, 5))
    assert dayend.tickets_expire_past_days() == 2
    for ticket in (called, waiting):
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.EXPIRED
        assert [e.actor_id for e in expired_events(ticket)] == [None]
    counter.refresh_from_db()
    assert not counter.is_open and counter.officer_id is None
    closed = Event.objects.filter(kind="counter.closed", subject_id=str(counter.pk))
    assert [(e.actor_id, e.data.get("reason")) for e in closed] == [(None, "day_over")]

    assert dayend.tickets_expire_past_days() == 0  # once only
    assert Event.objects.filter(kind__in=["ticket.expired", "counter.closed"]).count() == 3


def test_a_counter_opened_today_stays_open_through_the_roll(clock, mall, offering, counter):
    officer = UserFactory(mall=mall, booth=offering.booth)
    clock.move_to(at(mall, 6, 15))
    old = issue(mall, offering)
    clock.move_to(at(mall, 7, 7))
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)  # the day's first write
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.EXPIRED
    assert dayend.tickets_expire_past_days() == 0
    counter.refresh_from_db()
    assert counter.is_open and counter.officer_id == officer.pk


@pytest.fixture
def three_malls(db):
    malls = {}
    for zone in ZONES:
        mall = MallFactory(timezone=zone)
        offering = OfferingFactory(booth__mall=mall)
        counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
        malls[zone] = (mall, offering, counter)
    return malls


def test_each_mall_ends_its_day_at_its_own_midnight(clock, three_malls):
    wib = ZoneInfo("Asia/Jakarta")
    clock.move_to(dt.datetime(2026, 12, 6, 20, 0, tzinfo=wib))  # 21:00 WITA, 22:00 WIT
    tickets = {zone: issue(m, o) for zone, (m, o, _) in three_malls.items()}

    def callable_now(zone):
        mall, _, counter = three_malls[zone]
        called = q.ticket_call_next(counter_id=counter.pk, actor_id=None)
        if called is not None:  # put it back for the next look
            Ticket.objects.filter(pk=called.pk).update(status="waiting", counter=None)
        return called is not None

    # 22:30 WIB = 23:30 WITA = 00:30 WIT: Jayapura's day ended two hours before Jakarta's.
    clock.move_to(dt.datetime(2026, 12, 6, 22, 30, tzinfo=wib))
    assert [callable_now(z) for z in ZONES] == [True, True, False]
    # 23:30 WIB = 00:30 WITA: Makassar's day is over too.
    clock.move_to(dt.datetime(2026, 12, 6, 23, 30, tzinfo=wib))
    assert [callable_now(z) for z in ZONES] == [True, False, False]
    clock.move_to(dt.datetime(2026, 12, 7, 0, 0, 1, tzinfo=wib))
    assert [callable_now(z) for z in ZONES] == [False, False, False]
    for zone, ticket in tickets.items():
        mall = three_malls[zone][0]
        assert board_snapshot(mall)["waiting_total"] == 0
        assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.EXPIRED
        assert expired_events(ticket).count() == 1


def test_a_counter_left_open_overnight_is_free_for_the_morning_officer(
    clock, client, mall, offering, counter, officer
):
    clock.move_to(at(mall, 6, 16))
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)  # and goes home
    morning = UserFactory(mall=mall, booth=offering.booth)
    clock.move_to(at(mall, 7, 7, 45))
    client.force_login(morning)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("console-counter", args=[counter.pk])).content.decode()
    assert "Take over this counter" not in page
    counter.refresh_from_db()
    assert counter.is_open and counter.officer_id == morning.pk
    kinds = list(
        Event.objects.filter(subject_type="counter", subject_id=str(counter.pk))
        .order_by("id")
        .values_list("kind", "actor_id")
    )
    assert kinds == [
        ("counter.opened", officer.pk),
        ("counter.closed", None),
        ("counter.opened", morning.pk),
    ]
