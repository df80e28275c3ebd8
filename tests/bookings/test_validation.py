"""NIK, name, mobile number, e-mail, date, time and code checks; masks and the NIK digest."""

import datetime as dt

import pytest

from mpp.bookings.validation import (
    code_clean,
    code_new,
    date_clean,
    email_clean,
    name_clean,
    nik_clean,
    phone_clean,
    time_clean,
)
from mpp.core.errors import Invalid
from mpp.core.pii import email_mask, nik_digest, nik_mask, phone_mask
from tests.bookings.conftest import NIK_FEMALE, NIK_MALE
from tests.factories import region

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def regions(db):
    region("32.10")  # Kabupaten Majalengka in the Region table, as after `mpp demo`


def invalid_nik(nik: str) -> str:
    with pytest.raises(Invalid) as exc:
        nik_clean(nik, today=TODAY)
    assert exc.value.code == "invalid_nik"
    assert not nik or nik not in exc.value.message  # never echoed back
    return exc.value.message


def test_valid_male_and_female_nik():
    assert nik_clean(NIK_MALE, today=TODAY) == NIK_MALE
    assert nik_clean(NIK_FEMALE, today=TODAY) == NIK_FEMALE  # day 55 = 15 + 40


def test_nik_typed_with_spaces_or_dots_is_accepted():
    assert nik_clean("3210 0115 0590 0001", today=TODAY) == NIK_MALE
    assert nik_clean("32.10.01.150590.0001", today=TODAY) == NIK_MALE


def test_nik_of_a_regency_not_loaded_in_the_region_table_uses_lokal_data():
    assert nik_clean("3171011505900001", today=TODAY) == "3171011505900001"  # Jakarta Selatan


def test_nik_of_an_old_person_whose_birth_year_looks_like_the_future():
    # 05-12-26 after 1 December 2026 can only be 1926
    assert nik_clean("3210010512260001", today=TODAY) == "3210010512260001"


@pytest.mark.parametrize(
    "nik",
    ["321001150590000", "32100115059000011", "3210O11505900001", "", "abcdefghijklmnop"],
)
def test_nik_must_have_16_digits(nik):
    assert "16" in invalid_nik(nik)


def test_unknown_province_is_refused():
    invalid_nik("9910011505900001")
    invalid_nik("0010011505900001")


def test_unknown_or_zero_regency_is_refused():
    invalid_nik("3299011505900001")  # Jawa Barat has no 32.99
    invalid_nik("3200011505900001")


@pytest.mark.parametrize(
    "nik",
    [
        "3210013205900001",  # day 32
        "3210013002900001",  # 30 February
        "3210017205900001",  # woman, day 72 - 40 = 32
        "3210014005900001",  # day 40 (neither a man's nor a woman's day)
        "3210011513900001",  # month 13
        "3210010005900001",  # day 0
    ],
)
def test_impossible_birth_date_is_refused(nik):
    invalid_nik(nik)


def test_serial_0000_is_refused():
    invalid_nik("3210011505900000")


@pytest.mark.parametrize(
    "phone,e164",
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0857 1234 567", "+628571234567"),
    ],
)
def test_mobile_numbers_are_stored_in_e164(phone, e164):
    assert phone_clean(phone) == e164


@pytest.mark.parametrize("phone", ["(022) 555-1234", "0812", "12345", "", "0812-3456-78901234"])
def test_landlines_and_garbage_are_refused(phone):
    with pytest.raises(Invalid) as exc:
        phone_clean(phone)
    assert exc.value.code == "invalid_phone"


def test_name_email_date_time_checks():
    assert name_clean("  Siti   Aminah ") == "Siti Aminah"
    for bad in ["", "   ", "12345", "x" * 121]:
        with pytest.raises(Invalid) as exc:
            name_clean(bad)
        assert exc.value.code == "invalid_name"
    assert email_clean("") == ""
    assert email_clean(" Siti@Example.COM ") == "Siti@example.com"
    with pytest.raises(Invalid) as exc:
        email_clean("siti@")
    assert exc.value.code == "invalid_email"
    assert date_clean("2026-12-08") == dt.date(2026, 12, 8)
    for bad in ["08-12-2026", "2026-02-30", "besok"]:
        with pytest.raises(Invalid) as exc:
            date_clean(bad)
        assert exc.value.code == "invalid_date"
    assert time_clean("08:00") == time_clean("8.00") == dt.time(8, 0)
    for bad in ["24:00", "8", "08:60", ""]:
        with pytest.raises(Invalid) as exc:
            time_clean(bad)
        assert exc.value.code == "invalid_slot"


def test_codes_are_unambiguous_and_typed_codes_are_normalised():
    codes = {code_new() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and not set(c) & set("01OIL") for c in codes)
    code = next(iter(codes))
    assert code_clean(f" {code[:4].lower()}-{code[4:]} ") == code
    assert code_clean("ABCD-1234") is None  # 1 is not in the alphabet
    assert code_clean("ABC") is None


def test_masks_and_keyed_digest(settings):
    assert nik_mask("3210011505900001") == "************0001"
    assert phone_mask("+6281234567890") == "0812****7890"
    assert phone_mask("+628123456789") == "0812***6789"
    assert phone_mask("081234567890") == "0812****7890"
    assert email_mask("siti@example.com") == "si***@example.com"
    digest = nik_digest(NIK_MALE)
    assert len(digest) == 64 and NIK_MALE not in digest
    assert nik_digest(NIK_MALE) == digest
    settings.MPP_PII_KEY = "another key"
    assert nik_digest(NIK_MALE) != digest
