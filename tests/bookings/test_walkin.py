"""Walk-in and priority places: counted per day, refused when used up, shown on the kiosk."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from mpp.bookings.models import Slot
from mpp.bookings.selectors import priority_left, walkin_left
from mpp.bookings.services import walkin_ticket_issue
from mpp.core.errors import Conflict
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Source, Ticket
from tests.api.helpers import assert_error, post_json
from tests.factories import (
    BookingPolicyFactory,
    OfferingFactory,
    device_credential,
    kiosk_headers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def quota(mall, offering):
    """Today has two slots: 2 walk-in places and 1 priority place in all."""
    policy = BookingPolicyFactory(offering=offering)
    today = mall.today()
    for hour, priority_places in ((8, 1), (9, 0)):
        Slot.objects.create(
            offering=offering,
            date=today,
            starts_at=dt.time(hour),
            ends_at=dt.time(hour + 1),
            online_capacity=3,
            walkin_capacity=1,
            priority_capacity=priority_places,
        )
    return policy


def walk_in(mall, offering, priority=Priority.REGULAR, source=Source.KIOSK):
    return walkin_ticket_issue(
        mall=mall, service_code=offering.service.code, priority=priority, source=source
    )


def test_walk_in_places_are_counted_and_refused_when_used_up(quota, mall, offering):
    today = mall.today()
    assert (walkin_left(offering, today), priority_left(offering, today)) == (2, 1)
    walk_in(mall, offering)
    walk_in(mall, offering, source=Source.API)
    assert walkin_left(offering, today) == 0
    before = (Ticket.objects.count(), list(Ticket.objects.values_list("pk", flat=True)))
    with pytest.raises(Conflict) as exc:
        walk_in(mall, offering)
    assert exc.value.code == "walkin_full"
    assert (Ticket.objects.count(), list(Ticket.objects.values_list("pk", flat=True))) == before
    walk_in(mall, offering, priority=Priority.ELDERLY)  # the priority place is separate
    with pytest.raises(Conflict) as exc:
        walk_in(mall, offering, priority=Priority.PREGNANT)
    assert exc.value.code == "walkin_full"
    assert priority_left(offering, today) == 0


def test_booked_tickets_do_not_use_walk_in_places(quota, mall, offering):
    q.ticket_issue(mall=mall, service_code=offering.service.code, source=Source.BOOKING)
    assert walkin_left(offering, mall.today()) == 2


def test_no_quota_without_an_enabled_policy(mall, offering):
    other = OfferingFactory(booth__mall=mall)
    assert walkin_left(other, mall.today()) is None
    for _ in range(5):
        walk_in(mall, other)
    disabled = BookingPolicyFactory(offering=offering, is_enabled=False, walkin_per_slot=0)
    assert disabled.pk and walkin_left(offering, mall.today()) is None
    walk_in(mall, offering)


def test_quota_before_the_days_slots_are_made_comes_from_the_policy(hours, offering):
    policy = BookingPolicyFactory(offering=offering)  # the mall opens Mon-Fri 08-12: 4 slots
    monday = dt.date(2026, 12, 7)
    assert walkin_left(offering, monday) == 4 * policy.walkin_per_slot
    assert priority_left(offering, monday) == 4 * policy.priority_per_slot
    assert not Slot.objects.exists()  # a read: nothing was made
    assert walkin_left(offering, dt.date(2026, 12, 25)) is None  # Christmas: no quota


@pytest.fixture
def en(mall):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.cookies["mpp_device"] = device_credential(mall)  # an enrolled kiosk (mpp.devices)
    return client


def test_kiosk_shows_places_left_and_refuses_readably(quota, mall, offering, en):
    url = f"/m/{mall.code}/kiosk/{offering.service.code}/"
    page = en.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Walk-in places left today" in html
    assert '<div class="walkin-left" data-testid="walkin-left">' in html
    walk_in(mall, offering)
    walk_in(mall, offering)
    assert "<dd>0</dd>" in en.get(url).content.decode()
    refused = en.post(url, {"priority": "regular"})
    assert refused.status_code == 409
    assert "No walk-in places are left today" in refused.content.decode()
    assert Ticket.objects.count() == 2


def test_kiosk_without_quota_shows_no_count(mall, offering, en):
    html = en.get(f"/m/{mall.code}/kiosk/{offering.service.code}/").content.decode()
    assert "walkin-left" not in html


def test_api_issue_is_409_walkin_full(quota, mall, offering, client):
    path = f"/api/v1/malls/{mall.code}/tickets"
    client.defaults.update(kiosk_headers(mall))  # a registered kiosk of the mall
    for _ in range(2):
        assert post_json(client, path, {"service": offering.service.code}).status_code == 201
    assert_error(post_json(client, path, {"service": offering.service.code}), 409, "walkin_full")
    assert Ticket.objects.filter(source=Source.API).count() == 2
