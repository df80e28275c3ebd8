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
