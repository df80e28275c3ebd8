"""Booking, cancelling, rescheduling, check-in and no-shows, with their events and messages."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mpp.bookings import services as b
from mpp.bookings.calendar import is_open_day
from mpp.bookings.models import Booking, Slot
from mpp.bookings.selectors import booking_by_code, day_booking_summary, slots_for
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.models import Event
from mpp.notifications.models import Message
from mpp.queueing import services as q
from mpp.queueing.models import Source, Ticket
from tests.bookings.conftest import NIK_FEMALE, NIK_MALE, NIK_OTHER, at, book
from tests.factories import BookingPolicyFactory, CounterFactory, OfferingFactory

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def counts():
    return (
        Booking.objects.count(),
        Event.objects.count(),
        Message.objects.count(),
        list(Slot.objects.order_by("pk").values_list("online_booked", flat=True)),
    )


def assert_no_personal_data(data: dict, *values: str):
    text = json.dumps(data)
    for value in values:
        assert value not in text


def test_slots_are_made_once_from_policy_and_hours(policy):
    made = b.slots_ensure(offering_id=policy.offering_id, date=D("2026-12-08"))
    assert [s.label for s in made] == ["08:00-09:00", "09:00-10:00", "10:00-11:00", "11:00-12:00"]
    places = {(s.online_capacity, s.walkin_capacity, s.priority_capacity) for s in made}
    assert places == {(3, 2, 1)}
    policy.online_per_slot = 9  # later changes apply to days not made yet
    policy.save()
    again = b.slots_ensure(offering_id=policy.offering_id, date=D("2026-12-08"))
    assert [s.pk for s in again] == [s.pk for s in made]
    assert {s.online_capacity for s in again} == {3}
    assert Event.objects.filter(kind="booking.slots_made").count() == 1
    assert b.slots_ensure(offering_id=policy.offering_id, date=D("2026-12-05")) == []  # Saturday


def test_create_takes_a_seat_and_records_without_personal_data(policy):
    booking = book(policy, email="siti@example.com")
    assert len(booking.code) == 8
    assert booking.status == Booking.Status.BOOKED
    assert booking.nik_masked == "************0001"
    assert booking.nik_digest != NIK_MALE and len(booking.nik_digest) == 64
    assert booking.phone == "+6281234567890"
    assert booking.service_id == policy.offering.service_id
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 1
    event = Event.objects.get(kind="booking.created")
    assert event.subject_id == str(booking.pk)
    assert event.data["code"] == booking.code and event.data["slot"] == "08:00-09:00"
    assert_no_personal_data(event.data, NIK_MALE, "81234567890", "Siti")
    assert not Booking.objects.filter(nik_masked=NIK_MALE).exists()


def test_create_queues_confirmation_and_reminder_without_the_nik(policy):
    booking = book(policy, email="siti@example.com")
    messages = {(m.template, m.channel): m for m in Message.objects.all()}
    assert set(messages) == {
        ("booking_code", "sms"),  # the one-time code, by SMS only
        ("booking_confirmed", "sms"),
        ("booking_confirmed", "email"),
        ("booking_reminder", "sms"),
        ("booking_reminder", "email"),
    }
    sms = messages[("booking_confirmed", "sms")]
    assert sms.recipient == "+6281234567890"
    assert sms.context["code"] == booking.code
    assert sms.context["date"] == "2026-12-08" and sms.context["time"] == "08:00-09:00"
    assert sms.context["service"] == policy.offering.service.name
    assert sms.context["name"] == "Siti Aminah"
    reminder = messages[("booking_reminder", "sms")]
    assert reminder.not_before == at(policy.offering.mall, "2026-12-07 07:00")
    for m in messages.values():
        assert_no_personal_data(m.context, NIK_MALE, "************0001", "81234567890")


def test_messages_link_to_the_booking_page_when_the_public_address_is_set(policy, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.majalengkakab.go.id"
    booking = book(policy)
    for message in Message.objects.exclude(template="booking_code"):
        assert message.context["url"] == (
            f"https://mpp.majalengkakab.go.id/booking/{booking.code}/"
        )
    settings.MPP_PUBLIC_URL = ""
    other = book(policy, nik=NIK_FEMALE)
    assert all("url" not in m.context for m in Message.objects.filter(context__code=other.code))


def test_no_reminder_when_booked_after_the_reminder_time(policy):
    book(policy, date="2026-12-02", now=at(policy.offering.mall, "2026-12-01 08:00"))
    templates = Message.objects.exclude(template="booking_code").values_list("template", flat=True)
    assert list(templates) == ["booking_confirmed"]


def test_one_active_booking_per_nik_service_and_day(policy):
    book(policy)
    before = counts()
    with pytest.raises(Conflict) as exc:
        book(policy, slot="09:00", nik="3210 0115 0590 0001")  # same NIK, typed differently
    assert exc.value.code == "duplicate_booking"
    assert counts() == before
    book(policy, date="2026-12-09", now=at(policy.offering.mall, "2026-12-02 07:00"))  # next day
    other = BookingPolicyFactory(offering=OfferingFactory(booth__mall=policy.offering.mall))
    book(other)  # and another service the same day
    book(policy, nik=NIK_FEMALE)  # and another person
    assert Booking.objects.count() == 4


def test_sold_out_slot_is_refused_without_writing(policy):
    for nik in (NIK_MALE, NIK_FEMALE, NIK_OTHER):
        book(policy, nik=nik)
    before = counts()
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as exc:
        book(policy, nik="3210011212800004")
    assert exc.value.code == "slot_full"
    assert counts() == before
    assert before[3][0] == 3
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []


def test_conditional_update_is_the_truth_when_the_read_was_stale(policy):
    booking = book(policy)
    Slot.objects.filter(pk=booking.slot_id).update(online_capacity=1)  # now full
    slot = Slot.objects.get(pk=booking.slot_id)
    slot.online_booked = 0  # a stale read said there was room
    before = counts()
    with pytest.raises(Conflict) as exc:
        b._booking_insert(
            Booking(
                mall=booking.mall,
                offering=booking.offering,
                service=booking.service,
                slot=slot,
                date=booking.date,
                nik_digest="x" * 64,
                nik_masked="x",
                name="X",
                phone="+6281234567890",
                channel="web",
            ),
            now=at(booking.mall, "2026-12-01 07:00"),
        )
    assert exc.value.code == "slot_full"
    assert counts() == before


def test_window_and_slot_errors(policy):
    mall = policy.offering.mall
    cases = [
        ({"now": at(mall, "2026-12-01 06:59")}, Conflict, "window_closed"),
        ({"date": "2026-12-05"}, Conflict, "window_closed"),  # Saturday
        ({"date": "2026-12-24", "now": at(mall, "2026-12-21 08:00")}, Conflict, "window_closed"),
        ({"date": "2026-12-01", "now": at(mall, "2026-12-01 08:00")}, Conflict, "window_closed"),
        ({"slot": "08:30"}, Invalid, "invalid_slot"),
        ({"slot": "8 pagi"}, Invalid, "invalid_slot"),
        ({"date": "08/12/2026"}, Invalid, "invalid_date"),
        ({"nik": "1234"}, Invalid, "invalid_nik"),
        ({"phone": "022-5551234"}, Invalid, "invalid_phone"),
        ({"email": "siti@"}, Invalid, "invalid_email"),
        ({"channel": "fax"}, Invalid, "invalid_channel"),
    ]
    for kwargs, error, code in cases:
        with pytest.raises(error) as exc:
            book(policy, **kwargs)
        assert exc.value.code == code, kwargs
    with pytest.raises(NotFound) as exc:
        b.booking_create(
            mall=mall,
            service_code="nope",
            date="2026-12-08",
            slot_start="08:00",
            nik=NIK_MALE,
            name="Siti",
            phone="081234567890",
            channel="web",
            now=at(mall, "2026-12-01 07:00"),
        )
    assert exc.value.code == "service_not_found"
    policy.is_enabled = False
    policy.save()
    with pytest.raises(Conflict) as exc:
        book(policy)
    assert exc.value.code == "window_closed"
    assert Booking.objects.count() == 0


def test_cancel_gives_the_seat_back_and_needs_the_nik(policy):
    booking = book(policy)
    for code, nik in [(booking.code, NIK_FEMALE), ("ZZZZZZZZ", NIK_MALE), (booking.code, "1")]:
        with pytest.raises(NotFound) as exc:
            b.booking_cancel(code=code, nik=nik)
        assert exc.value.code == "booking_not_found"
    cancelled = b.booking_cancel(code=booking.code.lower(), nik=NIK_MALE)
    assert cancelled.status == Booking.Status.CANCELLED and cancelled.cancelled_at
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 0
    assert Event.objects.filter(kind="booking.cancelled", subject_id=str(booking.pk)).exists()
    assert Message.objects.filter(template="booking_cancelled").count() == 1
    with pytest.raises(Conflict) as exc:
        b.booking_cancel(code=booking.code, nik=NIK_MALE)
    assert exc.value.code == "invalid_state"
    book(policy)  # the same person may book again
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 1


def test_reschedule_moves_the_seat_once(policy):
    mall = policy.offering.mall
    booking = book(policy)
    moved = b.booking_reschedule(
        code=booking.code,
        nik=NIK_MALE,
        date="2026-12-09",
        slot_start="10:00",
        now=at(mall, "2026-12-02 09:00"),
    )
    assert (moved.date, moved.slot.label, moved.reschedule_count) == (
        D("2026-12-09"),
        "10:00-11:00",
        1,
    )
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 0
    assert Slot.objects.get(pk=moved.slot_id).online_booked == 1
    event = Event.objects.get(kind="booking.rescheduled")
    assert event.data["from_date"] == "2026-12-08" and event.data["date"] == "2026-12-09"
    assert Message.objects.filter(template="booking_rescheduled").count() == 1
    assert Message.objects.filter(
        template="booking_reminder", not_before=at(mall, "2026-12-08 07:00")
    ).exists()
    with pytest.raises(Conflict) as exc:
        b.booking_reschedule(
            code=booking.code,
            nik=NIK_MALE,
            date="2026-12-09",
            slot_start="11:00",
            now=at(mall, "2026-12-02 09:00"),
        )
    assert exc.value.code == "reschedule_limit"


def test_reschedule_refusals_change_nothing(policy):
    mall = policy.offering.mall
    now = at(mall, "2026-12-02 09:00")
    booking = book(policy)
    book(policy, date="2026-12-09", now=now)  # the same person, the next day
    for nik in (NIK_FEMALE, NIK_OTHER, "3210011212800004"):
        book(policy, slot="11:00", nik=nik)  # 11:00 is full
    before = counts()
    cases = [
        ({"date": "2026-12-09", "slot_start": "09:00"}, Conflict, "duplicate_booking"),
        ({"date": "2026-12-08", "slot_start": "11:00"}, Conflict, "slot_full"),
        ({"date": "2026-12-08", "slot_start": "08:00"}, Invalid, "invalid_slot"),
        ({"date": "2026-12-25", "slot_start": "08:00"}, Conflict, "window_closed"),
        ({"date": "2026-12-08", "slot_start": "09:00", "nik": NIK_FEMALE}, NotFound, None),
    ]
    for kwargs, error, code in cases:
        with pytest.raises(error) as exc:
            b.booking_reschedule(**{"code": booking.code, "nik": NIK_MALE, "now": now, **kwargs})
        assert code is None or exc.value.code == code, kwargs
    assert counts() == before
    assert Booking.objects.get(pk=booking.pk).reschedule_count == 0


def test_check_in_window_and_ticket(policy, counter, officer):
    mall = policy.offering.mall
    booking = book(policy)  # Tuesday 8 December 08:00-09:00; check-in 07:00 .. 09:15
    with pytest.raises(Conflict) as exc:
        b.booking_check_in(code=booking.code, now=at(mall, "2026-12-08 06:59"))
    assert exc.value.code == "checkin_too_early"
    with pytest.raises(Conflict) as exc:
        b.booking_check_in(code=booking.code, now=at(mall, "2026-12-08 09:16"))
    assert exc.value.code == "checkin_too_late"
    with pytest.raises(NotFound):  # the citizen's own check-in needs the right NIK
        b.booking_check_in(code=booking.code, nik=NIK_FEMALE, now=at(mall, "2026-12-08 07:30"))
    ticket = b.booking_check_in(
        code=booking.code, actor_id=officer.pk, mall=mall, now=at(mall, "2026-12-08 07:00")
    )
    assert ticket.source == Source.BOOKING
    assert ticket.due_at == at(mall, "2026-12-08 08:00")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN and booking.ticket_id == ticket.pk
    assert booking.checked_in_by_id == officer.pk
    event = Event.objects.get(kind="booking.checked_in")
    assert event.actor_id == officer.pk and event.data["ticket"] == ticket.number
    with pytest.raises(Conflict) as exc:
        b.booking_check_in(code=booking.code, now=at(mall, "2026-12-08 07:05"))
    assert exc.value.code == "invalid_state"
    with pytest.raises(Conflict):
        b.booking_cancel(code=booking.code, nik=NIK_MALE)


def test_check_in_at_another_mall_is_not_found(policy):
    from tests.factories import MallFactory

    booking = book(policy)
    with pytest.raises(NotFound):
        b.booking_check_in(
            code=booking.code,
            mall=MallFactory(),
            now=at(policy.offering.mall, "2026-12-08 07:30"),
        )


def test_checked_in_booking_is_called_before_earlier_walk_ins(policy, counter, officer, clock):
    clock.working_day()  # a walk-in is refused outside the mall's hours (08-12)
    mall = policy.offering.mall
    day = mall.today() - dt.timedelta(days=1)
    while not is_open_day(mall, day):  # an open day before today: its slots have started
        day -= dt.timedelta(days=1)
    walk_in = q.ticket_issue(mall=mall, service_code=policy.offering.service.code)
    booking = book(policy, date=day.isoformat(), now=at(mall, f"{day} 07:00"))
    ticket = b.booking_check_in(code=booking.code, now=at(mall, f"{day} 07:30"))
    assert ticket.due_at < walk_in.issued_at
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == ticket.pk


def test_no_shows_after_slot_end_plus_grace(policy):
    mall = policy.offering.mall
    late = book(policy)  # 08:00-09:00, grace 15 minutes
    later = book(policy, slot="10:00", nik=NIK_FEMALE)
    came = book(policy, nik=NIK_OTHER)
    b.booking_check_in(code=came.code, now=at(mall, "2026-12-08 07:45"))
    assert b.bookings_mark_no_shows(now=at(mall, "2026-12-08 09:15")) == 0
    assert b.bookings_mark_no_shows(now=at(mall, "2026-12-08 09:16")) == 1
    assert b.bookings_mark_no_shows(now=at(mall, "2026-12-08 09:17")) == 0
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[late.pk] == Booking.Status.NO_SHOW
    assert statuses[later.pk] == Booking.Status.BOOKED
    assert statuses[came.pk] == Booking.Status.CHECKED_IN
    assert Event.objects.filter(kind="booking.no_show", subject_id=str(late.pk)).count() == 1
    with pytest.raises(Conflict) as exc:
        b.booking_check_in(code=late.code, now=at(mall, "2026-12-08 09:10"))
    assert exc.value.code == "invalid_state"


def test_selectors(policy):
    mall = policy.offering.mall
    booking = book(policy)
    book(policy, nik=NIK_FEMALE)
    b.booking_cancel(code=booking.code, nik=NIK_MALE)
    slots = slots_for(policy.offering, D("2026-12-08"), now=at(mall, "2026-12-08 08:30"))
    assert [(s.label, s.online_left, s.has_started) for s in slots][:2] == [
        ("08:00-09:00", 2, True),
        ("09:00-10:00", 3, False),
    ]
    assert booking_by_code(booking.code, NIK_MALE).pk == booking.pk
    assert booking_by_code(booking.code, NIK_FEMALE) is None
    assert booking_by_code(booking.code, None).pk == booking.pk  # staff
    assert booking_by_code("nonsense", NIK_MALE) is None
    [row] = day_booking_summary(mall, D("2026-12-08"))
    assert row["service_code"] == policy.offering.service.code
    assert (row["capacity"], row["taken"], row["booked"], row["cancelled"]) == (12, 1, 1, 1)
    assert (row["checked_in"], row["no_show"]) == (0, 0)
    assert day_booking_summary(mall, D("2026-12-09")) == []


def test_ticket_of_another_source_is_not_booked(policy, clock):
    clock.working_day()  # a walk-in is refused outside the mall's hours (08-12)
    CounterFactory(mall=policy.offering.mall, serves=[policy.offering])
    ticket = q.ticket_issue(mall=policy.offering.mall, service_code=policy.offering.service.code)
    assert ticket.due_at is None and Ticket.objects.get(pk=ticket.pk).source == Source.KIOSK


def test_no_show_sweep_runs_in_the_worker(policy, clock):
    from mpp.notifications.periodic import registered

    [job] = [j for j in registered() if j.name == "bookings.no_show_sweep"]
    book(policy)  # Tuesday 8 December 2026, 08:00-09:00, 15 minutes' grace
    clock.move_to("2026-12-08T09:14:00+07:00")  # the sweep runs on the clock: still in grace
    assert job.func() == 0
    assert Booking.objects.get().status == Booking.Status.BOOKED
    clock.move_to("2026-12-08T09:16:00+07:00")
    assert job.func() == 1
    assert Booking.objects.get().status == Booking.Status.NO_SHOW


def test_cancel_and_reschedule_withdraw_the_old_reminder(policy):
    from mpp.notifications.models import Status

    mall = policy.offering.mall
    moved = book(policy)
    b.booking_reschedule(
        code=moved.code,
        nik=NIK_MALE,
        date="2026-12-08",  # same day, other slot: a fresh reminder, the old one withdrawn
        slot_start="10:00",
        now=at(mall, "2026-12-02 09:00"),
    )
    reminders = Message.objects.filter(
        template="booking_reminder", context__code=moved.code, channel="sms"
    )
    assert sorted(reminders.values_list("status", flat=True)) == [
        Status.PENDING,
        Status.WITHDRAWN,
    ]
    cancelled = book(policy, nik=NIK_FEMALE)
    b.booking_cancel(code=cancelled.code, nik=NIK_FEMALE)
    statuses = set(
        Message.objects.filter(
            template="booking_reminder", context__code=cancelled.code
        ).values_list("status", flat=True)
    )
    assert statuses == {Status.WITHDRAWN}
    assert Message.objects.filter(template="booking_cancelled", status=Status.PENDING).exists()
