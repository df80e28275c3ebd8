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
from mpp.api.schemas import BookingStatusName
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
    counts,
    isolate_rate_limits,
    niks,
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
    assert data["status"] == "booked"
    assert data["nik_masked"] == nik_mask(NIK) == "3210********0001"
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
    response = book(client, policy, date)
    assert response.status_code == 201
    return response.json()


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
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=officer.username)}"}
    response = post_json(client, f"/api/v1/bookings/{arrived.code.lower()}/check-in", **auth)
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
    again = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **auth)
    assert_error(again, 409, "invalid_state")
    assert counts() == before


def test_officer_of_another_mall_does_not_find_it(client, arrived):
    other = MallFactory()
    officer = UserFactory(mall=other, booth=OfferingFactory(booth__mall=other).booth)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=officer.username)}"}
    before = counts()
    response = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **auth)
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
    assert set(BookingStatusName.__args__) == set(Booking.Status.values)


def test_national_admin_checks_in_anywhere(client, arrived):
    admin = UserFactory(role="national_admin")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=admin.username)}"}
    response = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **auth)
    assert response.status_code == 201


def test_staff_without_a_mall_may_not_check_in(client, arrived):
    stray = UserFactory(mall=None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=stray.username)}"}
    response = post_json(client, f"/api/v1/bookings/{arrived.code}/check-in", **auth)
    assert_error(response, 403, "forbidden")


# Parallel processes over HTTP ---------------------------------------------------------

CLIENT = Path(__file__).resolve().parents[1] / "core" / "http_booking_client.py"


@pytest.mark.django_db(transaction=True)
def test_parallel_clients_over_http_never_exceed_the_quota_nor_double_a_nik(
    server_url, mall, settings
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
