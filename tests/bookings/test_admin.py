"""The booking admin: scoped to the user's mall, read-only bookings with masked personal data."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from mpp.accounts.models import Role
from mpp.bookings.models import Booking, BookingPolicy, ClosedDay
from tests.bookings.conftest import NIK_FEMALE, NIK_MALE, book, open_weekdays
from tests.factories import BookingPolicyFactory, MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def mall_with_booking(nik):
    mall = MallFactory()
    open_weekdays(mall)
    policy = BookingPolicyFactory(offering=OfferingFactory(booth__mall=mall))
    return mall, policy, book(policy, nik=nik)


@pytest.fixture
def world(client):
    mine, my_policy, my_booking = mall_with_booking(NIK_MALE)
    other, other_policy, other_booking = mall_with_booking(NIK_FEMALE)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mine, is_staff=True)
    # The role groups do not list the booking models yet: grant them to the user.
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="bookings"))
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return {
        "mine": mine,
        "my_policy": my_policy,
        "my_booking": my_booking,
        "other_policy": other_policy,
        "other_booking": other_booking,
    }


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def test_manager_sees_only_their_malls_bookings_masked(world, client):
    html = page(client, "/admin/bookings/booking/")
    assert world["my_booking"].code in html
    assert world["other_booking"].code not in html
    assert "************0001" in html
    assert "0812****7890" in html
    assert "+6281234567890" not in html and "81234567890" not in html
    detail = page(client, f"/admin/bookings/booking/{world['my_booking'].pk}/change/")
    assert "0812****7890" in detail and "81234567890" not in detail
    assert 'name="_save"' not in detail  # read-only
    page(client, f"/admin/bookings/booking/{world['other_booking'].pk}/change/", 404)


def test_bookings_and_slots_cannot_be_added_changed_or_deleted(world, client):
    booking = world["my_booking"]
    assert client.get("/admin/bookings/booking/add/").status_code == 403
    assert client.get("/admin/bookings/slot/add/").status_code == 403
    response = client.post(f"/admin/bookings/booking/{booking.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()
    html = page(client, "/admin/bookings/slot/")
    assert "08:00-09:00" in html


def test_manager_edits_their_policy_and_adds_closed_days(world, client):
    policy = world["my_policy"]
    page(client, f"/admin/bookings/bookingpolicy/{world['other_policy'].pk}/change/", 404)
    data = {
        "offering": policy.offering_id,
        "is_enabled": "on",
        "window_days": 14,
        "window_opens_at": "08:00",
        "slot_minutes": 30,
        "online_per_slot": 5,
        "walkin_per_slot": 5,
        "priority_per_slot": 1,
        "checkin_early_minutes": 30,
        "grace_minutes": 10,
        "reschedule_limit": 1,
    }
    response = client.post(f"/admin/bookings/bookingpolicy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.window_days, policy.slot_minutes) == (14, 30)
    response = client.post(
        "/admin/bookings/closedday/add/",
        {"mall": world["mine"].pk, "date": "2026-12-31", "reason": "Tutup buku"},
    )
    assert response.status_code == 302
    assert ClosedDay.objects.get().mall == world["mine"]
    assert BookingPolicy.objects.count() == 2
