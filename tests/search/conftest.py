"""Fixtures of the service search: the demo catalogue (MPP Kabupaten Majalengka and a small
MPP Kota Depok) loaded and indexed, as `mpp demo` leaves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Agency, Booth, Mall, Offering, Service
from mpp.core.models import Region
from mpp.search.services import search_index_rebuild

QUERIES = Path(__file__).resolve().parents[1] / "data" / "service_queries.csv"
DEPOK = "mpp-kota-depok"
EXTRA = 8  # malls extra_malls() adds


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


def extra_malls() -> list:
    """EXTRA more malls, in regencies of three provinces, each offering the BPJS service
    and their own regency's copy of the lost-KTP service (worded differently)."""
    bpjs = Service.objects.get(code="bpjskes-pendaftaran")
    ktp = Service.objects.get(code="dukcapil-ktp-el-hilang-rusak")
    regencies = []
    for province in ("11", "33", "51"):
        regencies += list(Region.objects.filter(level=2, parent_id=province).order_by("code")[:3])
    made = []
    for region in regencies[:EXTRA]:
        mall = Mall.objects.create(
            code=f"mpp-{region.code.replace('.', '-')}",
            name=f"MPP {region.name}",
            regency=region,
            status=Mall.Status.OPERATING,
        )
        agency = Agency.objects.create(
            code=f"dukcapil-{region.code.replace('.', '-')}",
            name=f"Dinas Kependudukan dan Pencatatan Sipil {region.name}",
            kind=Agency.Kind.REGIONAL,
            regency=region,
        )
        copy = Service.objects.create(
            code=f"ktp-hilang-{region.code.replace('.', '-')}",
            agency=agency,
            name=f"Pelayanan penggantian KTP Elektronik hilang atau rusak {region.name}",
            requirements=ktp.requirements,
        )
        national = Booth.objects.create(
            mall=mall, agency=bpjs.agency, name="Gerai BPJS", ticket_prefix="B"
        )
        own = Booth.objects.create(
            mall=mall, agency=agency, name="Gerai Disdukcapil", ticket_prefix="A"
        )
        Offering.objects.create(mall=mall, booth=national, service=bpjs)
        Offering.objects.create(mall=mall, booth=own, service=copy)
        made.append(mall)
    search_index_rebuild()
    return made
