"""Opening hours (catalog.hours): open now, the next opening, and walk-ins refused outside them.

Failed before issue 11: ticket_issue gave a number at 17:08 to a mall that closed at 15:00
(there was no catalog.hours, and the mall and service pages showed no hours).
"""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mpp.bookings.models import ClosedDay
from mpp.catalog.hours import hours_require_open, hours_state, week_hours
from mpp.catalog.models import OpeningHours
from mpp.core.errors import Conflict
from mpp.core.workdays import national_days_off
from mpp.queueing import services as q
from mpp.queueing.models import Source, Ticket
from tests.factories import MallFactory, OfferingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MONDAY = dt.date(2026, 12, 7)  # a working Monday


def at(mall, day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=mall.tz)


def weekdays(mall, opens=dt.time(8), closes=dt.time(15), days=range(5)):
    for weekday in days:
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=opens, closes=closes)


@pytest.fixture
def en():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_mall_without_hours_is_never_refused_for_the_time(mall):
    christmas_night = at(mall, dt.date(2026, 12, 25), 3)
    state = hours_state(mall, christmas_night)
    assert state.published is False and state.is_open is True
    assert week_hours(mall) == []
    hours_require_open(mall, christmas_night)  # no error


def test_open_from_opens_until_closes(mall):
    weekdays(mall)
    assert hours_state(mall, at(mall, MONDAY, 7, 59)).is_open is False
    opening = hours_state(mall, at(mall, MONDAY, 8))
    assert opening.is_open and opening.closes_at == at(mall, MONDAY, 15)
    assert hours_state(mall, at(mall, MONDAY, 14, 59)).is_open is True
    assert hours_state(mall, at(mall, MONDAY, 15)).is_open is False


def test_next_opening_is_today_tomorrow_or_after_the_weekend(mall):
    weekdays(mall)
    assert hours_state(mall, at(mall, MONDAY, 6)).opens_at == at(mall, MONDAY, 8)
    tuesday = MONDAY + dt.timedelta(days=1)
    assert hours_state(mall, at(mall, MONDAY, 17, 8)).opens_at == at(mall, tuesday, 8)
    friday = MONDAY + dt.timedelta(days=4)
    next_monday = MONDAY + dt.timedelta(days=7)
    assert hours_state(mall, at(mall, friday, 16)).opens_at == at(mall, next_monday, 8)


def test_national_holidays_and_the_malls_own_closed_days_are_closed(mall):
    weekdays(mall)
    christmas = dt.date(2026, 12, 25)
    assert christmas in national_days_off(2026)
    assert hours_state(mall, at(mall, christmas, 10)).is_open is False
    ClosedDay.objects.create(mall=mall, date=MONDAY, reason="Pemadaman listrik")
    state = hours_state(mall, at(mall, MONDAY, 10))
    assert state.is_open is False
    assert state.opens_at == at(mall, MONDAY + dt.timedelta(days=1), 8)


def test_hours_are_the_malls_local_time(db):
    makassar = MallFactory(timezone="Asia/Makassar")  # WITA, one hour ahead of Jakarta
    weekdays(makassar)
    jakarta_7_30 = dt.datetime.combine(
        MONDAY, dt.time(7, 30), tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    assert hours_state(makassar, jakarta_7_30).is_open is True  # 08:30 WITA


def test_walk_in_after_closing_is_refused_with_the_next_opening(mall, offering, clock):
    weekdays(mall)
    clock.move_to(at(mall, MONDAY, 17, 8))
    with translation.override("en"), pytest.raises(Conflict) as exc:
        q.ticket_issue(mall=mall, service_code=offering.service.code)
    assert exc.value.code == "mall_closed"
    assert "closed now" in exc.value.message
    assert "tomorrow at 08:00 WIB" in exc.value.message
    assert not Ticket.objects.exists()


def test_walk_in_on_a_holiday_names_the_day_it_opens(mall, offering, clock):
    weekdays(mall)
    clock.move_to(at(mall, dt.date(2026, 12, 25), 10))
    day = dt.date(2026, 12, 26)
    while day in national_days_off(day.year) or day.weekday() > 4:
        day += dt.timedelta(days=1)
    with translation.override("en"), pytest.raises(Conflict) as exc:
        q.ticket_issue(mall=mall, service_code=offering.service.code)
    assert exc.value.code == "mall_closed"
    assert day.strftime("%A") in exc.value.message and "08:00 WIB" in exc.value.message


def test_walk_in_within_hours_is_issued(mall, offering, clock):
    weekdays(mall)
    clock.move_to(at(mall, MONDAY, 10))
    assert q.ticket_issue(mall=mall, service_code=offering.service.code).number


def test_a_bookings_check_in_and_the_mobile_service_keep_their_own_hours(mall, offering, clock):
    weekdays(mall)
    clock.move_to(at(mall, MONDAY, 7, 45))  # a booked citizen checks in before 08:00
    booked = q.ticket_issue(mall=mall, service_code=offering.service.code, source=Source.BOOKING)
    van = q.ticket_issue(mall=mall, service_code=offering.service.code, source=Source.MOBILE)
    assert booked.pk and van.pk


def test_api_refuses_outside_hours_with_409_mall_closed(mall, offering, clock):
    from mpp.accounts.models import Role
    from mpp.accounts.services import token_create
    from tests.factories import UserFactory

    weekdays(mall)
    clock.move_to(at(mall, MONDAY, 17, 8))
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    raw = token_create(username=manager.username)
    response = Client().post(
        f"/api/v1/malls/{mall.code}/tickets?lang=en",
        {"service": offering.service.code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "mall_closed" and "opens" in body["message"]


def test_mall_and_service_pages_show_the_hours(en, mall, offering, clock):
    weekdays(mall, days=range(4))  # Monday to Thursday
    OpeningHours.objects.create(mall=mall, weekday=4, opens=dt.time(8), closes=dt.time(11, 30))
    clock.move_to(at(mall, MONDAY, 10))
    for url in (f"/m/{mall.code}/", f"/m/{mall.code}/layanan/{offering.service.code}/"):
        html = en.get(url).content.decode()
        assert 'data-testid="opening-hours"' in html, url
        assert "08:00–15:00 WIB" in html and "08:00–11:30 WIB" in html
        assert "Open now, until 15:00 WIB." in html
        assert "Closed" in html  # Saturday and Sunday
    clock.move_to(at(mall, MONDAY, 16))
    html = en.get(f"/m/{mall.code}/").content.decode()
    assert 'data-hours="closed"' in html and "tomorrow at 08:00 WIB" in html


def test_a_mall_without_hours_says_so_on_its_page(en, db):
    mall = OfferingFactory().mall
    html = en.get(f"/m/{mall.code}/").content.decode()
    assert "This mall has not published its opening hours." in html
