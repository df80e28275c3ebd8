"""Open days, slots and the booking window (mall-local time, national holidays, cuti bersama)."""

import datetime as dt

import pytest

from mpp.bookings.calendar import bookable_dates, holiday_name, is_open_day, slot_times
from mpp.bookings.models import ClosedDay
from mpp.catalog.models import Mall, OpeningHours
from tests.bookings.conftest import at, open_weekdays
from tests.factories import BookingPolicyFactory, MallFactory, OfferingFactory

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def test_weekdays_with_opening_hours_are_open_weekends_are_not(hours):
    assert is_open_day(hours, D("2026-12-07"))  # Monday
    assert is_open_day(hours, D("2026-12-11"))  # Friday
    assert not is_open_day(hours, D("2026-12-05"))  # Saturday: no opening hours
    assert not is_open_day(hours, D("2026-12-06"))  # Sunday


def test_national_holiday_and_cuti_bersama_are_closed(hours):
    assert holiday_name(D("2026-12-25")) is not None  # Christmas
    assert not is_open_day(hours, D("2026-12-25"))
    assert holiday_name(D("2026-12-24")) is not None  # cuti bersama (joint leave)
    assert not is_open_day(hours, D("2026-12-24"))
    assert is_open_day(hours, D("2026-12-23"))


def test_a_mall_closed_day_closes_only_that_mall(hours):
    other = MallFactory()
    open_weekdays(other)
    ClosedDay.objects.create(mall=hours, date=D("2026-12-09"), reason="Pemadaman listrik")
    assert not is_open_day(hours, D("2026-12-09"))
    assert is_open_day(other, D("2026-12-09"))


def test_slots_are_whole_slots_within_the_opening_hours(policy):
    h = OpeningHours(opens=dt.time(8), closes=dt.time(12))
    assert slot_times(policy, h) == [
        (dt.time(8), dt.time(9)),
        (dt.time(9), dt.time(10)),
        (dt.time(10), dt.time(11)),
        (dt.time(11), dt.time(12)),
    ]
    policy.slot_minutes = 90  # 08:00-09:30, 09:30-11:00; 11:00-12:30 does not fit
    assert slot_times(policy, h) == [(dt.time(8), dt.time(9, 30)), (dt.time(9, 30), dt.time(11))]


def test_window_opens_at_seven_exactly(policy):
    mall = policy.offering.mall
    tuesday = D("2026-12-08")  # bookable from Tuesday 1 December, 07:00 (7 days before)
    assert tuesday not in bookable_dates(policy, at(mall, "2026-12-01 06:59"))
    assert tuesday in bookable_dates(policy, at(mall, "2026-12-01 07:00"))
    assert bookable_dates(policy, at(mall, "2026-12-01 07:00")) == [
        D("2026-12-01"),  # today, until its last slot starts
        D("2026-12-02"),
        D("2026-12-03"),
        D("2026-12-04"),
        D("2026-12-07"),
        D("2026-12-08"),
    ]


def test_today_is_bookable_until_its_last_slot_starts(policy):
    mall = policy.offering.mall
    assert D("2026-12-01") in bookable_dates(policy, at(mall, "2026-12-01 10:59"))
    assert D("2026-12-01") not in bookable_dates(policy, at(mall, "2026-12-01 11:00"))


def test_holidays_and_closed_days_are_never_bookable(policy):
    mall = policy.offering.mall
    ClosedDay.objects.create(mall=mall, date=D("2026-12-22"))
    dates = bookable_dates(policy, at(mall, "2026-12-21 07:00"))
    assert D("2026-12-22") not in dates
    assert D("2026-12-24") not in dates and D("2026-12-25") not in dates
    assert D("2026-12-23") in dates and D("2026-12-28") in dates


def test_window_follows_the_malls_time_zone(db):
    mall = MallFactory(timezone="Asia/Makassar")  # WITA, UTC+8: one hour ahead of Jakarta
    open_weekdays(mall)
    policy = BookingPolicyFactory(offering=OfferingFactory(booth__mall=mall))
    jakarta = dt.timezone(dt.timedelta(hours=7))
    six_wib = dt.datetime(2026, 12, 1, 6, 0, tzinfo=jakarta)  # 07:00 in Makassar
    assert D("2026-12-08") in bookable_dates(policy, six_wib)
    assert D("2026-12-08") not in bookable_dates(policy, six_wib - dt.timedelta(minutes=1))


def test_nothing_is_bookable_when_booking_is_off_or_the_mall_is_closed(policy):
    mall = policy.offering.mall
    now = at(mall, "2026-12-01 07:00")
    policy.is_enabled = False
    assert bookable_dates(policy, now) == []
    policy.is_enabled = True
    mall.status = Mall.Status.CLOSED
    assert bookable_dates(policy, now) == []
