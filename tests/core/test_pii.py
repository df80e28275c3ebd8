"""NIK digests with key ids and key rotation (mpp.core.pii, `mpp pii_rekey`). Before,
the digest key was derived from the public development SECRET_KEY, digests carried no
key id, and a changed key orphaned every stored digest."""

import hashlib
import hmac
import re

import pytest
from django.core.management import call_command

from mpp.core.management.commands.pii_rekey import pii_rekey
from mpp.core.models import Event
from mpp.core.pii import (
    digest_chain,
    digest_rekeyed,
    nik_digest,
    nik_digest_candidates,
    nik_digest_matches,
)

NIK = "3210014107900001"
OTHER = "3210014107900002"
K1 = "first-pii-key-" + "a" * 40
K2 = "second-pii-key-" + "b" * 40
K3 = "third-pii-key-" + "c" * 40


@pytest.fixture
def ring(settings):
    settings.MPP_PII_KEY, settings.MPP_PII_KEY_ID, settings.MPP_PII_KEYS_OLD = K1, "k1", []
    return settings


def rotate(settings, key, key_id):
    settings.MPP_PII_KEYS_OLD = [
        *settings.MPP_PII_KEYS_OLD,
        (settings.MPP_PII_KEY_ID, settings.MPP_PII_KEY),
    ]
    settings.MPP_PII_KEY, settings.MPP_PII_KEY_ID = key, key_id


def test_a_digest_names_its_key_and_fits_the_stored_fields(ring):
    digest = nik_digest(NIK)
    assert re.fullmatch(r"k1\$[0-9a-f]{61}", digest) and len(digest) == 64
    assert digest_chain(digest) == ["k1"]
    assert NIK not in digest and nik_digest(NIK) == digest and nik_digest(OTHER) != digest


def test_every_field_holding_a_nik_digest_takes_64_characters():
    from django.apps import apps

    from mpp.core.pii import NIK_DIGEST_FIELDS

    for label in NIK_DIGEST_FIELDS:
        app_model, field = label.rsplit(".", 1)
        assert apps.get_model(app_model)._meta.get_field(field).max_length >= 64


def test_the_demo_key_is_not_derived_from_the_secret_key(settings):
    derived = hashlib.sha256(f"mpp-pii:{settings.SECRET_KEY}".encode()).hexdigest()
    assert settings.MPP_PII_KEY not in (derived, settings.SECRET_KEY)
    assert settings.SECRET_KEY != "insecure-dev-key-change-me-in-production"


def test_after_rotation_old_digests_still_match_and_new_ones_use_the_new_key(ring):
    old = nik_digest(NIK)
    rotate(ring, K2, "k2")
    new = nik_digest(NIK)
    assert new.startswith("k2$") and new != old
    assert nik_digest_matches(old, NIK) and nik_digest_matches(new, NIK)
    assert not nik_digest_matches(old, OTHER)
    assert old in nik_digest_candidates(NIK) and nik_digest_candidates(NIK)[0] == new
    ring.MPP_PII_KEYS_OLD = []  # the old key dropped: its digests match nothing
    assert not nik_digest_matches(old, NIK)


def test_digests_from_before_key_ids_still_match(ring):
    legacy = hmac.new(K1.encode(), NIK.encode(), hashlib.sha256).hexdigest()
    assert digest_chain(legacy) == ["x"]
    assert nik_digest_matches(legacy, NIK)
    rotate(ring, K2, "k2")
    assert nik_digest_matches(legacy, NIK)


def test_rekeying_wraps_old_digests_in_the_current_key(ring):
    old = nik_digest(NIK)
    legacy = hmac.new(K1.encode(), NIK.encode(), hashlib.sha256).hexdigest()
    rotate(ring, K2, "k2")
    assert digest_rekeyed(nik_digest(NIK)) is None  # already the current key's
    wrapped = digest_rekeyed(old)
    assert wrapped.startswith("k1>k2$") and len(wrapped) == 64
    assert nik_digest_matches(wrapped, NIK) and not nik_digest_matches(wrapped, OTHER)
    wrapped_legacy = digest_rekeyed(legacy)
    assert wrapped_legacy.startswith("x>k2$") and nik_digest_matches(wrapped_legacy, NIK)
    # the old key alone no longer recomputes the stored value
    assert hmac.new(K1.encode(), NIK.encode(), hashlib.sha256).hexdigest()[:58] not in wrapped
    # a second rotation wraps again, and the chain is still found
    rotate(ring, K3, "k3")
    twice = digest_rekeyed(wrapped)
    assert twice.startswith("k1>k2>k3$") and nik_digest_matches(twice, NIK)
    assert len(nik_digest_candidates(NIK)) <= 16


@pytest.mark.django_db
def test_the_rekey_command_rewrites_stored_booking_digests(ring, mall):
    from tests.factories import OfferingFactory

    offering = OfferingFactory(booth__mall=mall)
    from mpp.bookings.models import Booking

    fields = {f.name for f in Booking._meta.concrete_fields}
    assert "nik_digest" in fields
    booking = _booking(offering, nik_digest(NIK))
    rotate(ring, K2, "k2")
    assert pii_rekey(dry_run=True) == {"bookings.Booking.nik_digest": 1}
    assert Booking.objects.get(pk=booking.pk).nik_digest == booking.nik_digest
    call_command("pii_rekey", stdout=open("/dev/null", "w"))  # noqa: SIM115
    stored = Booking.objects.get(pk=booking.pk).nik_digest
    assert stored.startswith("k1>k2$") and nik_digest_matches(stored, NIK)
    assert Booking.objects.filter(nik_digest__in=nik_digest_candidates(NIK)).count() == 1
    assert pii_rekey() == {"bookings.Booking.nik_digest": 0}  # nothing left to do
    assert Event.objects.filter(kind="pii.rekeyed", subject_id="k2").count() == 1


def _booking(offering, digest):
    """A booking row as the booking service stores it (only what the digest needs)."""
    import datetime as dt

    from django.utils import timezone

    from mpp.bookings.models import Booking, Slot

    day = timezone.localdate() + dt.timedelta(days=3)
    slot = Slot.objects.create(
        offering=offering,
        date=day,
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        online_capacity=4,
        online_booked=1,
        walkin_capacity=4,
        priority_capacity=1,
    )
    values = {
        "slot": slot,
        "mall": offering.booth.mall,
        "offering": offering,
        "service": offering.service,
        "date": day,
        "nik_digest": digest,
        "nik_masked": "************0001",
        "name": "Budi",
        "phone": "081234567890",
        "code": "ABCD2345",
    }
    names = {f.name for f in Booking._meta.concrete_fields}
    return Booking.objects.create(**{k: v for k, v in values.items() if k in names})
