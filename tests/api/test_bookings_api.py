"""Online booking over the API: shapes and codes of every endpoint, refusals that write
nothing, and the NIK kept out of URLs, logs and events."""

import datetime as dt
import json
import logging
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mpp.accounts.services import token_create
from mpp.api.schemas_bookings import BookingStatusAll
from mpp.bookings import services
from mpp.bookings.models import Booking, Slot
from mpp.core.models import Event
from mpp.core.pii import nik_digest, nik_mask
from mpp.notifications.models import Message
from mpp.queueing.models import Ticket
from tests.api.helpers import assert_error, post_json
from tests.clock import subprocess_env, working_day_ahead
from tests.core.booking_world import (
    NIK,
    NIK_2,
    body,
    bookable_policy,
    confirm_json,
    counts,
    isolate_rate_limits,
    niks,
    otp_for,
)
from tests.factories import MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_counters(settings):
    isolate_rate_limits(settings)


@pytest.fixture
def world(mall):
    policy, date = bookable_policy(mall)
    return policy, date


def url_book(mall):
    return f"/api/v1/malls/{mall.code}/bookings"


def url_slots(policy, date):
    mall = policy.offering.mall
    return f"/api/v1/malls/{mall.code}/services/{policy.offering.service.code}/slots?date={date}"


def book(client, policy, date, **kwargs):
    return post_json(client, url_book(policy.offering.mall), body(policy, date, **kwargs))


def book_confirmed(client, policy, date, **kwargs) -> dict:
    """Book and confirm with the SMS code read from the outbox: the booking, booked."""
    held = book(client, policy, date, **kwargs)
    assert held.status_code == 201, held.content
    done = confirm_json(client, held.json()["code"])
    assert done.status_code == 200, done.content
    return done.json()


def staff_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=user.username)}"}


def staff_find(client, mall, code, auth):
    return post_json(client, f"/api/v1/malls/{mall.code}/bookings/find", {"code": code}, **auth)


def nik_header(nik=NIK):
    return {"HTTP_X_NIK": nik}


# Slots ------------------------------------------------------------------------------


def test_slots_of_a_bookable_day_read_from_the_policy_without_writing(client, world):
    policy, date = world
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_slots(policy, date))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["mall"] == policy.offering.mall.code
    assert data["service"] == policy.offering.service.code
    assert data["service_name"] == policy.offering.service.name
    assert data["date"] == date.isoformat()
    assert data["bookable"] is True and data["refusal"] is None
    opens = dt.datetime.fromisoformat(data["window_opens_at"])
    assert opens <= timezone.now() and opens.utcoffset() == dt.timedelta(hours=7)
    assert data["walkin_left"] == 4 * 2 and data["priority_left"] == 4 * 1
    assert data["slots"] == [
        {"start": f"{h:02d}:00", "end": f"{h + 1:02d}:00", "capacity": 3, "remaining": 3,
         "started": False}
        for h in range(8, 12)
    ]  # fmt: skip
    assert counts() == before
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_slots_show_places_taken(client, world):
    policy, date = world
    assert book(client, policy, date).status_code == 201
    data = client.get(url_slots(policy, date)).json()
    assert [s["remaining"] for s in data["slots"]] == [2, 3, 3, 3]


@pytest.mark.clock
def test_slots_of_a_day_not_open_yet_closed_or_not_offered(client, mall, world):
    policy, date = world
    far = working_day_ahead(1, date + dt.timedelta(days=59))  # 60+ days on, not a holiday
    data = client.get(url_slots(policy, far)).json()
    assert data["bookable"] is False and data["refusal"] == "not_yet"
    assert dt.datetime.fromisoformat(data["window_opens_at"]).date() == far - dt.timedelta(30)
    assert len(data["slots"]) == 4
    from mpp.bookings.models import ClosedDay

    ClosedDay.objects.create(mall=mall, date=date, reason="Renovasi")
    data = client.get(url_slots(policy, date)).json()
    assert data["refusal"] == "closed" and data["slots"] == []
    plain = OfferingFactory(booth__mall=mall)  # no booking policy
    response = client.get(
        f"/api/v1/malls/{mall.code}/services/{plain.service.code}/slots?date={date}"
    )
    data = response.json()
    assert response.status_code == 200
    assert data["bookable"] is False and data["refusal"] == "not_offered"
    assert data["walkin_left"] is None and data["slots"] == []


@pytest.mark.parametrize("query", ["", "?date=", "?date=2026-02-30", "?date=tomorrow"])
def test_slots_need_a_real_date(client, world, query):
    policy, _ = world
    mall = policy.offering.mall
    path = f"/api/v1/malls/{mall.code}/services/{policy.offering.service.code}/slots{query}"
    body_ = assert_error(client.get(path), 422, "validation_error")
    assert body_["errors"][0]["loc"][-1] == "date"


def test_slots_of_unknown_mall_or_service(client, world):
    policy, date = world
    mall = policy.offering.mall
    assert_error(
        client.get(f"/api/v1/malls/nope/services/x/slots?date={date}"), 404, "mall_not_found"
    )
    assert_error(
        client.get(f"/api/v1/malls/{mall.code}/services/{'x' * 500}/slots?date={date}"),
        404,
        "service_not_found",
    )


# Create -----------------------------------------------------------------------------


def test_create_answers_201_with_the_booking(client, world):
    policy, date = world
    response = book(client, policy, date, email="siti@example.com")
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["code"]) == 8
    assert data["mall"] == policy.offering.mall.code
    assert data["mall_name"] == policy.offering.mall.name
    assert data["service"] == policy.offering.service.code
    assert data["booth"] == policy.offering.booth.name
    assert data["date"] == date.isoformat()
    assert (data["slot"], data["slot_end"]) == ("08:00", "09:00")
    assert data["status"] == "pending"  # holds the place until the SMS code is entered
    hold = dt.datetime.fromisoformat(data["hold_until"]) - timezone.now()
    assert dt.timedelta(minutes=9) < hold <= dt.timedelta(minutes=10)
    assert data["nik_masked"] == nik_mask(NIK) == "************0001"
    assert data["phone_masked"] == "0812****7890"
    assert data["reschedules_left"] == 1
    assert data["ticket"] is None
    opens = dt.datetime.fromisoformat(data["checkin_opens_at"])
    closes = dt.datetime.fromisoformat(data["checkin_closes_at"])
    assert opens.isoformat() == f"{date}T07:00:00+07:00"
    assert closes.isoformat() == f"{date}T09:15:00+07:00"
    assert NIK not in response.content.decode()
    booking = Booking.objects.get(code=data["code"])
    assert booking.channel == "api" and booking.nik_digest == nik_digest(NIK)
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 1
    done = confirm_json(client, data["code"])
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "booked" and done.json()["hold_until"] is None
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 1


def test_sold_out_slot_is_409_and_answered_without_writing(client, world):
    policy, date = world
    for nik in niks(3):
        assert book(client, policy, date, nik=nik).status_code == 201
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        response = book(client, policy, date, nik=niks(1, start=10)[0])
    assert_error(response, 409, "slot_full")
    assert counts() == before
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_second_booking_of_a_nik_is_409_duplicate(client, world):
    policy, date = world
    assert book(client, policy, date).status_code == 201
    before = counts()
    assert_error(book(client, policy, date, slot="09:00"), 409, "duplicate_booking")
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nik": "1234"}, "invalid_nik"),
        ({"nik": "9910011505900001"}, "invalid_nik"),  # no province 99
        ({"nik": "3210013202900001"}, "invalid_nik"),  # 32 February
        ({"phone": "021-555-1234"}, "invalid_phone"),  # a landline
        ({"phone": "hello"}, "invalid_phone"),
        ({"name": "   "}, "invalid_name"),
        ({"email": "not-an-address"}, "invalid_email"),
        ({"date": "08/12/2026"}, "invalid_date"),
        ({"date": "2026-02-30"}, "invalid_date"),
        ({"slot": "8 o'clock"}, "invalid_slot"),
        ({"slot": "08:30"}, "invalid_slot"),  # no such slot
    ],
)
def test_invalid_input_is_422_with_its_code_and_writes_nothing(client, world, change, code):
    policy, date = world
    services.slots_ensure(offering_id=policy.offering_id, date=date)  # made once a day anyway
    before = counts()
    response = post_json(client, url_book(policy.offering.mall), {**body(policy, date), **change})
    data = assert_error(response, 422, code)
    for field in ("nik", "phone"):  # never echoed
        assert {**body(policy, date), **change}[field] not in json.dumps(data)
    assert counts() == before


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"service": "x"},
        {"nik": 3210011505900001},
        {"date": 20261208},
        {"name": ["a"]},
        {"phone": None},
        {"nik": "3" * 5000},
        {"service": "bad code!"},
    ],
)
def test_malformed_bodies_are_validation_errors(client, world, payload):
    policy, date = world
    data = payload if not isinstance(payload, dict) else {**body(policy, date), **payload}
    if payload == {"service": "x"}:
        data = payload
    before = counts()
    response = post_json(client, url_book(policy.offering.mall), data)
    assert_error(response, 422, "validation_error")
    assert counts() == before


def test_broken_json_and_unknown_mall(client, world):
    policy, date = world
    response = client.post(url_book(policy.offering.mall), "{nik:", content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert_error(post_json(client, url_book(MallFactory.build(code="zz")), body(policy, date)),
                 404, "mall_not_found")  # fmt: skip
    wrong = body(policy, date, service="no-such-service")
    assert_error(post_json(client, url_book(policy.offering.mall), wrong), 404, "service_not_found")


def test_window_not_open_is_409_window_closed(client, world):
    policy, date = world
    before = counts()
    assert_error(book(client, policy, date + dt.timedelta(days=60)), 409, "window_closed")
    assert counts() == before


# Look up, cancel, reschedule ---------------------------------------------------------


@pytest.fixture
def booked(client, world):
    policy, date = world
    return book_confirmed(client, policy, date)


def test_get_needs_the_nik_header(client, booked):
    code = booked["code"]
    response = client.get(f"/api/v1/bookings/{code}", **nik_header())
    assert response.status_code == 200
    assert response.json() == booked
    lower = client.get(f"/api/v1/bookings/{code.lower()}", **nik_header("3210-0115-0590-0001"))
    assert lower.status_code == 200
    assert_error(client.get(f"/api/v1/bookings/{code}", **nik_header(NIK_2)), 404,
                 "booking_not_found")  # fmt: skip
    assert_error(client.get("/api/v1/bookings/ZZZZZZZZ", **nik_header()), 404, "booking_not_found")
    missing = assert_error(client.get(f"/api/v1/bookings/{code}"), 422, "validation_error")
    assert missing["errors"][0]["loc"] == ["header", "X-NIK"]


def test_cancel_gives_the_place_back(client, world, booked):
    policy, date = world
    code = booked["code"]
    assert_error(client.delete(f"/api/v1/bookings/{code}", **nik_header(NIK_2)), 404,
                 "booking_not_found")  # fmt: skip
    response = client.delete(f"/api/v1/bookings/{code}", **nik_header())
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert (
        Slot.objects.get(offering=policy.offering, date=date, starts_at="08:00").online_booked == 0
    )
    before = counts()
    again = client.delete(f"/api/v1/bookings/{code}", **nik_header())
    assert_error(again, 409, "invalid_state")
    assert counts() == before


def test_reschedule_moves_the_booking_once(client, world, booked):
    policy, date = world
    path = f"/api/v1/bookings/{booked['code']}/reschedule"
    response = post_json(client, path, {"date": date.isoformat(), "slot": "10:00"}, **nik_header())
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["slot"], data["reschedules_left"]) == ("10:00", 0)
    before = counts()
    again = post_json(client, path, {"date": date.isoformat(), "slot": "11:00"}, **nik_header())
    assert_error(again, 409, "reschedule_limit")
    other = {"date": date.isoformat(), "slot": "11:00"}
    assert_error(post_json(client, path, other, **nik_header(NIK_2)), 404, "booking_not_found")
    assert_error(post_json(client, path, {"date": 1, "slot": "11:00"}, **nik_header()),
                 422, "validation_error")  # fmt: skip
    assert counts() == before


def test_reschedule_into_a_bad_slot_is_422(client, world, booked):
    policy, date = world
    path = f"/api/v1/bookings/{booked['code']}/reschedule"
    before = counts()
    response = post_json(client, path, {"date": date.isoformat(), "slot": "13:00"}, **nik_header())
    assert_error(response, 422, "invalid_slot")
    assert counts() == before


# Check-in ---------------------------------------------------------------------------


def booking_in_progress(policy) -> Booking:
    """A booking of a slot that runs now (check-in is open), made directly: the API reads
    the real clock, and today may be a holiday on which booking_create refuses."""
    mall = policy.offering.mall
    now = timezone.now().astimezone(mall.tz)
    start = (now - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(minutes=60)
    slot = Slot.objects.create(
        offering=policy.offering,
        date=start.date(),
        starts_at=start.time(),
        ends_at=end.time() if end.date() == start.date() else dt.time(23, 59),
        online_capacity=3,
        online_booked=1,
        walkin_capacity=2,
        priority_capacity=1,
    )
    return Booking.objects.create(
        code="CHK7N3QA",
        mall=mall,
        offering=policy.offering,
        service=policy.offering.service,
        slot=slot,
        date=slot.date,
        nik_digest=nik_digest(NIK),
        nik_masked=nik_mask(NIK),
        name="Siti Aminah",
        phone="+6281234567890",
        channel="web",
    )


@pytest.fixture
def arrived(world):
    policy, _ = world
    return booking_in_progress(policy)


def test_officer_checks_in_a_booking_of_their_mall(client, world, arrived):
    policy, _ = world
    officer = UserFactory(mall=policy.offering.mall, booth=policy.offering.booth)
    auth = staff_auth(officer)
    # The code only ever travels in a body; the booking is acted on by its id.
    found = staff_find(client, policy.offering.mall, f"mppb:{arrived.code.lower()}", auth)
    assert found.status_code == 200, found.content
    assert found.json()["id"] == str(arrived.pk) and found.json()["name"] == "Siti Aminah"
    assert found.json()["nik_masked"] == "************0001" and "code" not in found.json()
    path = f"/api/v1/staff/bookings/{arrived.pk}/check-in"
    response = post_json(client, path, **auth)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["status"] == "waiting" and ticket["service"] == policy.offering.service.code
    arrived.refresh_from_db()
    assert arrived.status == "checked_in" and str(arrived.ticket_id) == ticket["id"]
    assert arrived.checked_in_by_id == officer.pk
    assert Ticket.objects.get(pk=ticket["id"]).source == "booking"
    data = client.get(f"/api/v1/bookings/{arrived.code}", **nik_header()).json()
    assert data["status"] == "checked_in" and data["ticket"]["number"] == ticket["number"]
    before = counts()
    again = post_json(client, path, **auth)
    assert_error(again, 409, "invalid_state")
    assert counts() == before


def test_staff_never_put_a_booking_code_in_a_url(client, world, arrived):
    """Staff URLs end up in server logs: the code path refuses staff tokens."""
    policy, _ = world
    officer = UserFactory(mall=policy.offering.mall, booth=policy.offering.booth)
    before = counts()
    response = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **staff_auth(officer))
    assert_error(response, 403, "use_booking_id")
    assert counts() == before


def test_officer_of_another_mall_does_not_find_it(client, world, arrived):
    policy, _ = world
    other = MallFactory()
    officer = UserFactory(mall=other, booth=OfferingFactory(booth__mall=other).booth)
    auth = staff_auth(officer)
    before = counts()
    assert_error(staff_find(client, other, arrived.code, auth), 404, "booking_not_found")
    assert_error(staff_find(client, policy.offering.mall, arrived.code, auth), 403, "forbidden")
    response = post_json(client, f"/api/v1/staff/bookings/{arrived.pk}/check-in", **auth)
    assert_error(response, 404, "booking_not_found")
    assert counts() == before


def test_citizen_checks_in_with_the_nik(client, arrived):
    assert_error(post_json(client, f"/api/v1/bookings/{arrived.code}/check-in"), 401,
                 "unauthorized")  # fmt: skip
    wrong = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **nik_header(NIK_2))
    assert_error(wrong, 404, "booking_not_found")
    response = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **nik_header())
    assert response.status_code == 201
    arrived.refresh_from_db()
    assert arrived.status == "checked_in" and arrived.checked_in_by_id is None


def test_check_in_too_early_is_409(client, world, booked):
    response = post_json(client, f"/api/v1/bookings/{booked['code']}/check-in", **nik_header())
    assert_error(response, 409, "checkin_too_early")


# Personal data ----------------------------------------------------------------------


def test_the_nik_never_reaches_urls_logs_events_or_messages(client, world, caplog, settings):
    policy, date = world
    caplog.set_level(logging.DEBUG)
    settings.DEBUG = True  # Django logs every query at DEBUG: the NIK is not in any
    response = book(client, policy, date, email="siti@example.com")
    code = response.json()["code"]
    confirm_json(client, code)
    client.get(f"/api/v1/bookings/{code}", **nik_header())
    post_json(client, f"/api/v1/bookings/{code}/reschedule",
              {"date": date.isoformat(), "slot": "09:00"}, **nik_header())  # fmt: skip
    post_json(client, f"/api/v1/bookings/{code}/check-in", **nik_header())
    client.delete(f"/api/v1/bookings/{code}", **nik_header())
    book(client, policy, date, nik="3210019999900001")  # refused: invalid birth date
    digits = NIK
    assert digits not in caplog.text
    assert "81234567890" not in caplog.text.replace("+62", "")
    for event in Event.objects.all():
        assert digits not in json.dumps(event.data)
    for message in Message.objects.all():
        assert digits not in json.dumps(message.context)
    assert not [r for r in caplog.records if digits in r.getMessage()]


def test_status_names_match_the_model():
    assert set(BookingStatusAll.__args__) == set(Booking.Status.values)


def test_national_admin_checks_in_anywhere(client, arrived):
    admin = UserFactory(role="national_admin")
    response = post_json(
        client, f"/api/v1/staff/bookings/{arrived.pk}/check-in", **staff_auth(admin)
    )
    assert response.status_code == 201


def test_staff_without_a_mall_may_not_check_in(client, arrived):
    auth = staff_auth(UserFactory(mall=None))
    assert_error(staff_find(client, arrived.mall, arrived.code, auth), 403, "forbidden")
    response = post_json(client, f"/api/v1/staff/bookings/{arrived.pk}/check-in", **auth)
    assert_error(response, 404, "booking_not_found")
    arrived.refresh_from_db()
    assert arrived.status == "booked"


# Parallel processes over HTTP ---------------------------------------------------------

CLIENT = Path(__file__).resolve().parents[1] / "core" / "http_booking_client.py"


@pytest.mark.django_db(transaction=True)
def test_parallel_clients_over_http_never_exceed_the_quota_nor_double_a_nik(
    server_url, mall, settings, client
):
    """Six client processes, eight connections each, book one slot of 20 places through
    the live API: 120 NIKs, each tried by two processes, a third of them retried with an
    Idempotency-Key. Exactly 20 bookings, at most one per NIK, replays of the same code."""
    settings.MPP_RATE_LIMITS = {}  # one address for everyone here
    policy, date = bookable_policy(mall, online_per_slot=20)
    people = niks(120)
    start_at = str(time.time() + 2.0)
    procs = []
    for p in range(6):
        mine = [nik for i, nik in enumerate(people) if i % 3 == p % 3]
        random.Random(p).shuffle(mine)
        args = [server_url, mall.code, policy.offering.service.code, date.isoformat(), "08:00"]
        procs.append(
            subprocess.Popen(
                [sys.executable, str(CLIENT), *args, ",".join(mine), start_at, "8"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=subprocess_env(),  # the clients share the (moved) clock: start_at
            )
        )
    rows = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        rows += json.loads(out.strip().splitlines()[-1])

    assert all(status < 500 for _, status, *_ in rows), Counter(r[1] for r in rows)
    created = [(nik, code, replayed) for nik, status, _, code, replayed in rows if status == 201]
    firsts = {(nik, code) for nik, code, replayed in created if not replayed}
    assert len(firsts) == 20
    assert len({nik for nik, _ in firsts}) == 20  # one booking per NIK
    for nik, code, replayed in created:  # a replay repeats the booking it retried
        if replayed:
            assert (nik, code) in firsts
    refusals = Counter(code for _, status, code, *_ in rows if status != 201)
    assert set(refusals) <= {"slot_full", "duplicate_booking", "idempotency_in_progress"}
    slot = Slot.objects.get(offering=policy.offering, date=date, starts_at="08:00")
    assert slot.online_booked == 20
    assert Booking.objects.filter(slot=slot).count() == 20
    assert Booking.objects.values("nik_digest").distinct().count() == 20
    assert Event.objects.filter(kind="booking.created").count() == 20
    # They hold their places; each confirms with the code its phone received.
    assert set(Booking.objects.values_list("status", flat=True)) == {"pending"}
    for _nik, code in firsts:
        assert confirm_json(client, code).status_code == 200
    assert set(Booking.objects.values_list("status", flat=True)) == {"booked"}
    slot.refresh_from_db()
    assert slot.online_booked == 20


# Issue 11: bookings that can't be hoarded ---------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_slots_of_an_out_of_range_date_are_422_not_500(client, world, day):
    """Before: OverflowError, 500."""
    policy, _ = world
    data = assert_error(client.get(url_slots(policy, day)), 422, "invalid_date")
    assert "2000-01-01" in data["message"]
    before = counts()
    assert_error(book(client, policy, dt.date.fromisoformat(day)), 422, "invalid_date")
    assert counts() == before


def test_confirm_with_the_sms_code(client, world):
    policy, date = world
    held = book(client, policy, date).json()
    code = held["code"]
    assert held["status"] == "pending"
    otp = otp_for(code)
    wrong = "000000" if otp != "000000" else "111111"
    refused = assert_error(confirm_json(client, code, wrong), 422, "invalid_otp")
    assert "4" in refused["message"]  # tries left
    assert Booking.objects.get(code=code).otp_attempts == 1
    soon = post_json(client, f"/api/v1/bookings/{code}/confirm/resend")
    assert_error(soon, 429, "rate_limited")
    assert int(soon["Retry-After"]) > 0
    assert_error(confirm_json(client, "ZZZZZZZZ", otp), 404, "booking_not_found")
    assert_error(confirm_json(client, code, "12"), 422, "invalid_otp")
    done = confirm_json(client, code)
    assert done.status_code == 200 and done.json()["status"] == "booked"
    got = client.get(f"/api/v1/bookings/{code}", **nik_header()).json()
    assert got["status"] == "booked"
    assert confirm_json(client, code, otp).json()["status"] == "booked"  # a retry


def test_one_phone_number_cannot_fill_a_day_over_the_api(client, world):
    policy, date = world
    for i, nik in enumerate(niks(3)):
        assert (
            book(
                client, policy, date, nik=nik, slot=f"{8 + i:02d}:00", phone="081234567890"
            ).status_code
            == 201
        )
    before = counts()
    refused = book(
        client, policy, date, nik=niks(1, start=5)[0], slot="11:00", phone="0812 3456 7890"
    )
    assert_error(refused, 409, "phone_limit")
    assert counts() == before


def test_wrong_niks_lock_the_code_in_the_database(client, booked):
    code = booked["code"]
    for _ in range(4):
        assert_error(client.get(f"/api/v1/bookings/{code}", **nik_header(NIK_2)), 404,
                     "booking_not_found")  # fmt: skip
    locked = client.get(f"/api/v1/bookings/{code}", **nik_header(NIK_2))
    assert_error(locked, 429, "booking_locked")
    assert int(locked["Retry-After"]) > 3000
    right = client.get(f"/api/v1/bookings/{code}", **nik_header())
    assert_error(right, 429, "booking_locked")
    assert_error(client.delete(f"/api/v1/bookings/{code}", **nik_header()), 429, "booking_locked")
    assert Booking.objects.get(code=code).locked_until is not None
    assert Booking.objects.get(code=code).status == "booked"


def test_staff_check_in_keeps_the_code_out_of_urls_and_logs(client, world, arrived, caplog):
    """Before: staff checked in at /bookings/{code}/check-in, so codes reached the logs."""
    policy, _ = world
    caplog.set_level(logging.INFO)
    auth = staff_auth(UserFactory(mall=policy.offering.mall, booth=policy.offering.booth))
    paths = [f"/api/v1/malls/{policy.offering.mall.code}/bookings/find"]
    found = post_json(client, paths[0], {"code": arrived.code}, **auth).json()
    paths.append(f"/api/v1/staff/bookings/{found['id']}/check-in")
    assert post_json(client, paths[1], **auth).status_code == 201
    post_json(client, paths[1], **auth)  # a 409 is logged with its path: still no code
    post_json(client, paths[0], {"code": "ZZZZZZZZ"}, **auth)  # a 404 likewise
    assert not [p for p in paths if arrived.code in p]
    assert arrived.code not in caplog.text and "ZZZZZZZZ" not in caplog.text
    assert caplog.records  # the 4xx answers were logged (by path)
