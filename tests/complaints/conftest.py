"""A mall with two booths (A and B, one service each), its staff in every role, a second
mall with its manager; uploads go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from mpp.accounts.models import Role, User
from mpp.catalog.models import Booth, Mall, Offering
from mpp.complaints.services import complaint_file
from tests.factories import MallFactory, OfferingFactory, UserFactory

# Whole files (mpp.core.uploads checks their structure: chunk CRCs, JPEG segments, EOI).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
    b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    b"\xff\xda\x00\x08\x01\x01\x00\x00?\x00\x12\xff\x004\xff\xd9"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A Monday morning in WIB, three working days before Thursday 11 June 2026.
MONDAY = dt.datetime(2026, 6, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@dataclass
class World:
    mall: Mall
    booth_a: Booth
    booth_b: Booth
    offering_a: Offering
    offering_b: Offering
    manager: User
    supervisor_a: User
    officer_a: User
    officer_b: User
    national: User
    other_mall: Mall
    other_manager: User


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_world() -> World:
    mall = MallFactory()
    offering_a = OfferingFactory(booth__mall=mall)
    offering_b = OfferingFactory(booth__mall=mall)
    other = MallFactory()
    OfferingFactory(booth__mall=other)
    return World(
        mall=mall,
        booth_a=offering_a.booth,
        booth_b=offering_b.booth,
        offering_a=offering_a,
        offering_b=offering_b,
        manager=UserFactory(role=Role.MALL_MANAGER, mall=mall),
        supervisor_a=UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall, booth=offering_a.booth),
        officer_a=UserFactory(role=Role.OFFICER, mall=mall, booth=offering_a.booth),
        officer_b=UserFactory(role=Role.OFFICER, mall=mall, booth=offering_b.booth),
        national=UserFactory(role=Role.NATIONAL_ADMIN),
        other_mall=other,
        other_manager=UserFactory(role=Role.MALL_MANAGER, mall=other),
    )


@pytest.fixture
def world(db) -> World:
    return make_world()


def file_one(world: World, **kwargs):
    """File a complaint in the world's mall (about booth A's service unless told)."""
    values = {
        "mall": world.mall,
        "category": "time",
        "description": "Saya menunggu tiga jam tanpa kejelasan.",
        "channel": "web",
        "service_code": world.offering_a.service.code,
        "consent": True,  # the citizen agreed to their contact details being used
    }
    values.update(kwargs)
    return complaint_file(**values)
