"""The remote queue's rules (queueing.remote): which services, how many, until when, check-in.

Failed before issue 11: there was no phone ticket at all (a phone got a walk-in number
from the kiosk flow), so none of these rules existed.
"""

import datetime as dt

import pytest
from django.utils import translation

from mpp.catalog.models import OpeningHours
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.models import Event
from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Source, Ticket
from mpp.queueing.remote import (
    CODE_ALPHABET,
    CODE_LENGTH,
    remote_left,
    remote_ticket_check_in,
    remote_ticket_issue,
    remote_tickets_expire,
)
from mpp.queueing.selectors import ticket_by_secret, ticket_estimate, ticket_get
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MONDAY = dt.date(2026, 12, 7)


def at(mall, hh: int, mm: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=mall.tz)


@pytest.fixture
def phone(offering):
    """The offering takes up to 3 phone tickets a day."""
    offering.remote_per_day = 3
    offering.save()
    return offering


@pytest.fixture
def open_hours(mall):
    for weekday in range(5):
        OpeningHours.objects.create(
            mall=mall, weekday=weekday, opens=dt.time(8), closes=dt.time(15)
        )
    return mall


def take(mall, offering):
    return remote_ticket_issue(mall=mall, service_code=offering.service.code)


def test_a_service_takes_phone_tickets_only_when_the_mall_allows_it(mall, offering):
    with pytest.raises(Conflict) as exc:
        take(mall, offering)
    assert exc.value.code == "remote_not_offered"
    assert not Ticket.objects.exists()


def test_a_phone_ticket_has_a_number_a_code_and_a_time_to_arrive(mall, phone, clock):
    now = clock.move_to(at(mall, 10), tick=False)
    ticket = take(mall, phone)
    assert ticket.status == Ticket.Status.REMOTE and ticket.source == Source.REMOTE
    assert ticket.number == f"{phone.booth.ticket_prefix}-001"
    assert len(ticket.checkin_code) == CODE_LENGTH
    assert set(ticket.checkin_code) <= set(CODE_ALPHABET)
    assert ticket.arrive_by == now + dt.timedelta(minutes=mall.remote_arrive_minutes)
    assert ticket.queued_at == now and ticket.secret
    event = Event.objects.get(kind="ticket.issued", subject_id=str(ticket.pk))
    assert event.data["source"] == "remote" and "checkin_code" not in str(event.data)


def test_the_day_cap_per_service_holds(mall, phone):
    tickets = [take(mall, phone) for _ in range(3)]
    assert remote_left(phone) == 0
    with pytest.raises(Conflict) as exc:
        take(mall, phone)
    assert exc.value.code == "remote_full"
    assert Ticket.objects.count() == 3
    assert len({t.checkin_code for t in tickets}) == 3
    # walk-ins are not counted against the phone cap, nor phones against walk-ins
    q.ticket_issue(mall=mall, service_code=phone.service.code)
    assert remote_left(phone) == 0 and Ticket.objects.count() == 4


def test_refused_outside_hours_and_near_closing(mall, phone, open_hours, clock):
    clock.move_to(at(mall, 17, 8))
    with translation.override("en"), pytest.raises(Conflict) as exc:
        take(mall, phone)
    assert exc.value.code == "mall_closed" and "tomorrow at 08:00" in exc.value.message
    clock.move_to(at(mall, 14, 1))  # the last hour (remote_stop_minutes = 60)
    with translation.override("en"), pytest.raises(Conflict) as exc:
        take(mall, phone)
    assert exc.value.code == "remote_stopped" and "15:00" in exc.value.message
    assert not Ticket.objects.exists()


def test_arrive_by_never_passes_closing(mall, phone, open_hours, clock):
    mall.remote_stop_minutes = 10
    mall.save()
    clock.move_to(at(mall, 14, 30), tick=False)
    assert take(mall, phone).arrive_by == at(mall, 15)


def test_a_phone_ticket_is_not_called_until_it_checks_in(mall, phone, clock):
    counter = CounterFactory(mall=mall, booth=phone.booth, serves=[phone])
    officer = UserFactory(mall=mall, booth=phone.booth)
    clock.move_to(at(mall, 10))
    remote = take(mall, phone)
    clock.move_to(at(mall, 10, 5))
    walk_in = q.ticket_issue(mall=mall, service_code=phone.service.code)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == walk_in.pk
    q.ticket_start(ticket_id=walk_in.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=walk_in.pk, actor_id=officer.pk)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk) is None

    later = q.ticket_issue(mall=mall, service_code=phone.service.code)
    clock.move_to(at(mall, 10, 30))
    checked = remote_ticket_check_in(mall=mall, code=remote.checkin_code.lower())
    assert checked.pk == remote.pk and checked.status == Ticket.Status.WAITING
    # it keeps the place it took at 10:00: called before the walk-in of 10:05+
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == remote.pk
    assert later.status == Ticket.Status.WAITING


def test_check_in_codes_are_the_malls_and_todays(mall, phone):
    ticket = take(mall, phone)
    other = MallFactory()
    with pytest.raises(NotFound) as exc:
        remote_ticket_check_in(mall=other, code=ticket.checkin_code)
    assert exc.value.code == "checkin_not_found"
    wrong = "".join(c for c in CODE_ALPHABET if c not in ticket.checkin_code)[:CODE_LENGTH]
    with pytest.raises(NotFound):
        remote_ticket_check_in(mall=mall, code=wrong)
    with pytest.raises(Invalid):
        remote_ticket_check_in(mall=mall, code="AB")
    assert ticket_get(ticket.pk).status == Ticket.Status.REMOTE


def test_check_in_twice_gives_the_same_ticket_and_one_event(mall, phone):
    ticket = take(mall, phone)
    officer = UserFactory(mall=mall)
    first = remote_ticket_check_in(
        mall=mall, code=f"MPPQ:{ticket.checkin_code}", actor_id=officer.pk
    )
    again = remote_ticket_check_in(mall=mall, code=ticket.checkin_code)
    assert first.pk == again.pk == ticket.pk
    events = Event.objects.filter(kind="ticket.checked_in", subject_id=str(ticket.pk))
    assert events.count() == 1 and events.get().actor_id == officer.pk


def test_an_unclaimed_ticket_expires_at_its_time(mall, phone, clock):
    clock.move_to(at(mall, 10))
    ticket = take(mall, phone)
    clock.move_to(at(mall, 11, 1))  # arrive_by was 11:00
    assert ticket_by_secret(ticket.secret).status == Ticket.Status.EXPIRED  # shown at once
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.REMOTE  # not written yet
    with translation.override("en"), pytest.raises(Conflict) as exc:
        remote_ticket_check_in(mall=mall, code=ticket.checkin_code)
    assert exc.value.code == "invalid_state" and "expired" in exc.value.message
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.EXPIRED  # kept
    assert remote_tickets_expire() == 0  # recorded once
    expired = Event.objects.get(kind="ticket.expired", subject_id=str(ticket.pk))
    assert expired.data["reason"] == "not_checked_in" and expired.actor_id is None


def test_the_worker_expires_overdue_phone_tickets(mall, phone, clock):
    clock.move_to(at(mall, 10))
    overdue, fresh = take(mall, phone), None
    clock.move_to(at(mall, 10, 50))
    fresh = take(mall, phone)
    clock.move_to(at(mall, 11, 5))
    assert remote_tickets_expire() == 1
    assert Ticket.objects.get(pk=overdue.pk).status == Ticket.Status.EXPIRED
    assert Ticket.objects.get(pk=fresh.pk).status == Ticket.Status.REMOTE


def test_an_earlier_days_phone_ticket_ends_with_its_day(mall, phone, clock):
    clock.move_to(at(mall, 23, 30))
    ticket = take(mall, phone)
    assert ticket.arrive_by == at(mall, 0, day=MONDAY + dt.timedelta(days=1))  # the day's end
    clock.move_to(at(mall, 8, day=MONDAY + dt.timedelta(days=1)))
    dayend.mall_day_roll(mall=mall)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.EXPIRED


def test_a_phone_ticket_cannot_be_transferred_into_the_queue(mall, phone):
    ticket = take(mall, phone)
    other = OfferingFactory(booth__mall=mall)
    with pytest.raises(Conflict) as exc:
        q.ticket_transfer(ticket_id=ticket.pk, service_code=other.service.code, actor_id=None)
    assert exc.value.code == "invalid_state"


def test_walk_in_issue_cannot_make_a_phone_ticket(mall, phone):
    with pytest.raises(Invalid):
        q.ticket_issue(mall=mall, service_code=phone.service.code, source=Source.REMOTE)


def test_a_phone_ticket_sees_the_people_waiting_before_it(mall, phone, clock):
    clock.move_to(at(mall, 10))
    q.ticket_issue(mall=mall, service_code=phone.service.code)
    clock.move_to(at(mall, 10, 1))
    ticket = take(mall, phone)
    estimate = ticket_estimate(ticket_get(ticket.pk))
    assert (estimate.position, estimate.ahead, estimate.known) == (2, 1, False)


def test_a_closed_mall_gives_no_phone_ticket(db):
    offering = OfferingFactory(remote_per_day=5, booth__mall__status="planned")
    with pytest.raises(Conflict) as exc:
        take(offering.mall, offering)
    assert exc.value.code == "mall_closed"


def test_the_public_api_reads_a_phone_ticket(mall, phone):
    from django.test import Client

    ticket = take(mall, phone)
    response = Client().get(f"/api/v1/tickets/{ticket.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "remote" and body["number"] == ticket.number
    assert ticket.secret not in response.content.decode()
    assert ticket.checkin_code not in response.content.decode()
