"""Fixtures of the service search: the demo catalogue (MPP Kabupaten Majalengka and a small
MPP Kota Depok) loaded and indexed, as `mpp demo` leaves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Mall
from mpp.search.services import search_index_rebuild

QUERIES = Path(__file__).resolve().parents[1] / "data" / "service_queries.csv"
DEPOK = "mpp-kota-depok"


def load_demo() -> Mall:
    """The demo catalogue with its booking policies, indexed; returns the demo mall."""
    from mpp.bookings.demo import booking_demo_load

    demo_load()
    booking_demo_load()
    search_index_rebuild()
    return Mall.objects.get(code=DEMO_MALL)


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, fast_hashing) -> Mall:
    return load_demo()


@pytest.fixture
def depok(demo) -> Mall:
    return Mall.objects.get(code=DEPOK)
