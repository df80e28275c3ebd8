"""Online booking in the demo mall: policies for its popular services, bookable at once."""

import pytest
from django.utils import timezone

from mpp.bookings.calendar import bookable_dates
from mpp.bookings.demo import DEMO_POLICIES, booking_demo_load
from mpp.bookings.models import BookingPolicy
from mpp.bookings.services import slots_ensure
from mpp.catalog.demo import DEMO_MALL, demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_policies_are_loaded_once_and_kept(clock):
    # 10:00 on a working day: today's later slots are bookable (a 7-day window from the
    # evening before Nyepi and Idul Fitri holds no open day at all)
    clock.working_day()
    demo_load()
    assert booking_demo_load() == len(DEMO_POLICIES)
    policies = BookingPolicy.objects.filter(offering__mall__code=DEMO_MALL)
    codes = set(policies.values_list("offering__service__code", flat=True))
    assert codes == set(DEMO_POLICIES)
    paspor = policies.get(offering__service__code="imigrasi-paspor-baru")
    paspor.online_per_slot = 1
    paspor.save()
    assert booking_demo_load() == 0
    paspor.refresh_from_db()
    assert paspor.online_per_slot == 1  # someone's change is kept
    ktp = policies.get(offering__service__code="dukcapil-ktp-el-baru")
    dates = bookable_dates(ktp, timezone.now())
    assert dates  # the demo mall opens Monday to Friday
    slots = slots_ensure(offering_id=ktp.offering_id, date=dates[-1])
    assert slots[0].label == "08:00-09:00" and slots[0].online_capacity == 10


def test_demo_confirm_page_shows_the_code_only_without_a_gateway(clock, settings, client):
    """The demo has no SMS gateway: its confirm page shows the code the SMS would carry,
    so a booking can be finished there; with a gateway (or in production) it never does."""
    from mpp.bookings.services import booking_create
    from mpp.catalog.models import Mall
    from tests.bookings.conftest import NIK_MALE, otp_sent

    # A fixed ordinary Tuesday: at the end of a working day before a long holiday the
    # demo's last bookable slot may already have started.
    clock.move_to("2026-11-24T10:00:00+07:00")
    demo_load()
    booking_demo_load()
    mall = Mall.objects.get(code=DEMO_MALL)
    ktp = BookingPolicy.objects.get(
        offering__mall=mall, offering__service__code="dukcapil-ktp-el-baru"
    )
    date = bookable_dates(ktp, timezone.now())[-1]
    held = booking_create(
        mall=mall, service_code="dukcapil-ktp-el-baru", date=date, slot_start="11:00",
        nik=NIK_MALE, name="Siti", phone="081234567890", channel="web",
    )  # fmt: skip
    settings.MPP_SMS_GATEWAY_URL = ""
    page = client.get(f"/booking/{held.code}/konfirmasi/").content.decode()
    assert 'data-testid="demo-code">' in page and otp_sent(held) in page
    done = client.post(
        f"/booking/{held.code}/konfirmasi/", {"action": "confirm", "otp": otp_sent(held)}
    )
    assert done.status_code == 302 and done["Location"] == f"/booking/{held.code}/"
    settings.MPP_SMS_GATEWAY_URL = "https://sms.example.test/send"
    other = booking_create(
        mall=mall, service_code="dukcapil-ktp-el-baru", date=date, slot_start="10:00",
        nik="3210015505900002", name="Ani", phone="081311112222", channel="web",
    )  # fmt: skip
    page = client.get(f"/booking/{other.code}/konfirmasi/").content.decode()
    assert "demo-code" not in page and otp_sent(other) not in page
