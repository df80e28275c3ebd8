"""Checking who a citizen says they are: NIK, mobile number, e-mail address.

Why: bookings, complaints, applications (cases) and the phone sign-in each take these,
and each used to carry its own copy of the same checks. One place keeps the rules and
the messages the same everywhere. Errors are core.errors.Invalid with the codes
invalid_nik, invalid_phone and invalid_email. Messages never echo what was typed.

NIK: lokal-id's `parse_nik` checks 16 digits, a known province code, kabupaten/kota
and kecamatan codes other than 00, a real birth date (day + 40 for women) and a serial
other than 0000. It does not check that the kabupaten/kota exists, so this module adds
that (core.Region, falling back to lokal-id's own region data when the regions are not
loaded). lokal guesses the birth century from today's year: a "future" birth date is an
older person's (19yy), which is still a valid NIK.

NIK verification (nik_verify): a format check cannot tell whether the NIK is the
person's. Where a population register is configured (mpp.integrations registers a
verifier through nik_verifier_register; core must not import it), bookings and
applications also ask it whether NIK and name belong to a living resident. No verifier,
or a verifier that cannot answer (register down, slow): the format check alone, as
before. A refusal says nothing about which of the two did not match.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError
from django.utils.translation import gettext as _
from lokal import parse_nik, parse_phone
from lokal.wilayah import wilayah_name

from mpp.core.errors import Invalid
from mpp.core.models import Region

logger = logging.getLogger(__name__)

TYPED_MAX = 40  # longer input is cut before parsing: no NIK or phone number is longer
EMAIL_MAX = 254


def regency_exists(code: str) -> bool:
    """Whether a kabupaten/kota code is real."""
    # lokal-id's own table is in memory; the database is only asked about codes it lacks.
    if wilayah_name(code) is not None:
        return True
    return Region.objects.filter(code=code, level=Region.Level.REGENCY).exists()


def nik_clean(nik: str, *, today: dt.date | None = None) -> str:
    """The 16 digits of a valid NIK, or Invalid (code invalid_nik)."""
    info = parse_nik(str(nik or "")[:TYPED_MAX], reference_date=today)
    codes = {issue.code for issue in info.errors}
    if "format" in codes:
        raise Invalid(_("A NIK has exactly 16 digits."), code="invalid_nik")
    if "province" in codes:
        raise Invalid(_("The NIK starts with an unknown province code."), code="invalid_nik")
    if "wilayah" in codes or not regency_exists(info.regency_code):
        raise Invalid(
            _("The NIK's kabupaten/kota code (digits 3 and 4) is unknown."), code="invalid_nik"
        )
    if "birth_date" in codes:
        raise Invalid(
            _("The birth date in the NIK (digits 7 to 12) is not a real date."), code="invalid_nik"
        )
    if codes:  # serial 0000, or a check lokal adds later
        raise Invalid(_("This is not a valid NIK."), code="invalid_nik")
    return info.nik


def phone_clean(value: str, *, optional: bool = False) -> str:
    """An Indonesian mobile number in E.164 (+6281234567890), or Invalid (invalid_phone).
    With `optional`, nothing typed is "" instead of an error."""
    raw = str(value or "").strip()[:TYPED_MAX]
    if not raw and optional:
        return ""
    info = parse_phone(raw) if raw else None
    if info is None or not info.valid or info.type != "mobile":
        raise Invalid(
            _("Give an Indonesian mobile number, like 0812-3456-7890."), code="invalid_phone"
        )
    return info.e164


def email_clean(value: str) -> str:
    """An e-mail address with its domain lower-cased ("" when none is given), or Invalid."""
    cleaned = str(value or "").strip()
    if not cleaned:
        return ""
    try:
        if len(cleaned) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(cleaned)
    except ValidationError:
        raise Invalid(_("The e-mail address is not valid."), code="invalid_email") from None
    local, _at, domain = cleaned.rpartition("@")
    return f"{local}@{domain.lower()}"


# Answers of a NIK verifier (the values of integrations.NikCheck.Outcome); None: not asked.
NIK_MATCH = "match"
NIK_NO_MATCH = "no_match"
NIK_DECEASED = "deceased"
NIK_UNAVAILABLE = "unavailable"
NIK_REFUSED = frozenset({NIK_NO_MATCH, NIK_DECEASED})

# fn(*, nik, name, purpose, mall_id) -> one of the answers above, or None.
NikVerifier = Callable[..., str | None]
_verifiers: dict[str, NikVerifier] = {}


def nik_verifier_register(fn: NikVerifier) -> None:
    """Ask `fn` about every NIK given from now on (once per function, however often
    registered). `fn` gets the 16 digits, the name as typed (cleaned), the purpose
    ("booking", "case") and the mall's id; it answers NIK_MATCH, NIK_NO_MATCH,
    NIK_DECEASED, NIK_UNAVAILABLE (could not ask: the format check alone) or None (not
    configured). It must not raise for an unreachable register."""
    _verifiers[f"{fn.__module__}.{fn.__qualname__}"] = fn


def nik_verifier_unregister(fn: NikVerifier) -> None:
    _verifiers.pop(f"{fn.__module__}.{fn.__qualname__}", None)


def nik_verify(*, nik: str, name: str, purpose: str, mall_id: int | None) -> None:
    """The NIK's format check (nik_clean), then every registered verifier: Invalid
    (code nik_not_verified) when one says the NIK and name do not belong to a living
    resident, with one message whatever the reason. Call it before opening a
    transaction: a verifier may ask a remote register (seconds, at worst)."""
    digits = nik_clean(nik)
    for fn in tuple(_verifiers.values()):
        try:
            outcome = fn(nik=digits, name=name, purpose=purpose, mall_id=mall_id)
        except DatabaseError:  # the caller's transaction may be broken: do not go on
            raise
        except Exception as exc:  # a broken verifier must not stop bookings
            # The type only: the message or a traceback could carry the NIK.
            logger.warning("NIK verifier failed (%s): format check only", type(exc).__name__)
            continue
        if outcome in NIK_REFUSED:
            raise Invalid(
                _("The NIK and name do not match the population register."),
                code="nik_not_verified",
            )
