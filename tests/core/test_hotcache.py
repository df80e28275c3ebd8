"""core.hotcache: a few seconds of memory for hot configuration, emptied by saves."""

import pytest

from mpp.core.hotcache import HotCache, hotcaches_clear
from tests.factories import MallFactory


def test_values_are_kept_until_they_age_out():
    cache = HotCache("test.age", seconds=0.05)
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    assert cache.get("k", load) == 1
    assert cache.get("k", load) == 1  # from memory
    import time

    time.sleep(0.06)
    assert cache.get("k", load) == 2  # aged out: loaded again
    hotcaches_clear()
    assert cache.get("k", load) == 3


@pytest.mark.django_db
def test_a_save_of_a_watched_model_empties_the_cache():
    from mpp.catalog.models import Mall

    cache = HotCache("test.watch", seconds=60).watch(Mall)
    mall = MallFactory()
    read = lambda: Mall.objects.get(pk=mall.pk).name  # noqa: E731
    before = cache.get(mall.pk, read)
    mall.name = "MPP Baru"
    mall.save()
    assert before != "MPP Baru"
    assert cache.get(mall.pk, read) == "MPP Baru"


@pytest.mark.django_db
def test_booking_sees_a_disabled_policy_and_a_closed_day_at_once():
    """Policy and hours are kept a few seconds, but a save empties them in this process."""
    from mpp.bookings.models import ClosedDay
    from mpp.bookings.services import booking_create
    from mpp.core.errors import Conflict
    from tests.core.booking_world import bookable_policy, niks

    policy, date = bookable_policy(MallFactory(), online_per_slot=5)
    mall = policy.offering.mall
    nik_a, nik_b, nik_c = niks(3)

    def book(nik):
        return booking_create(
            mall=mall, service_code=policy.offering.service.code, date=date,
            slot_start="08:00", nik=nik, name="Siti", phone="081234567890", channel="web",
        )  # fmt: skip

    assert book(nik_a).pk  # policy and hours now in memory
    ClosedDay.objects.create(mall=mall, date=date, reason="Banjir")
    with pytest.raises(Conflict) as closed:
        book(nik_b)
    assert closed.value.code == "window_closed"
    ClosedDay.objects.filter(mall=mall, date=date).delete()  # signals per row: emptied too
    assert book(nik_b).pk
    policy.is_enabled = False
    policy.save()
    with pytest.raises(Conflict) as refused:
        book(nik_c)
    assert refused.value.code == "window_closed"
