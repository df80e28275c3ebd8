"""Personal data helpers: keyed NIK digests with key ids, and masked forms for screens.

Why: a booking must find "the same person" (one booking per NIK, service and day)
and check the NIK given as proof, without storing the NIK itself. A keyed HMAC
(settings.MPP_PII_KEY) does both, and unlike a plain hash it cannot be reversed by
hashing every possible NIK (there are only about 10^12 plausible ones). Masked forms
(************0001, 0812****7890) let staff recognise a record without reading it.

Key rotation: a NIK digest carries the id of the key that made it, "k1$<61 hex>"
(64 characters in all, the size of the stored fields). When the key changes
(MPP_PII_KEY_ID=k2, the old one moved to MPP_PII_KEYS_OLD="k1:..."), new digests
are made with k2 and look-ups try every key (nik_digest_candidates,
nik_digest_matches). An HMAC cannot be recomputed without the NIK, so `mpp
pii_rekey` wraps each old digest in the current key instead: "k1>k2$HMAC(k2,
old digest)". A database copy and the old key alone then no longer give the NIKs
away. Digests from before key ids (64 bare hex characters) count as made with any
configured key ("x" in a chain). See docs/production.md.

keyed_digest (assistant senders, consultation voters, idempotency fingerprints:
short-lived) uses the current key only.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

DIGEST_LENGTH = 64  # the stored fields' max_length (bookings.Booking.nik_digest)
MIN_HEX = 32  # 128 bits: a chain of key ids may not leave less than this
LEGACY = "x"  # the "key id" of a digest made before key ids: bare 64 hex characters
_LEGACY_FORM = re.compile(r"^[0-9a-f]{64}$")
# Where NIK digests are stored, for `mpp pii_rekey`: "app_label.Model.field".
NIK_DIGEST_FIELDS = ("bookings.Booking.nik_digest",)


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 of `value` under MPP_PII_KEY, as 64 hex characters: how personal
    identifiers are stored when only "the same one again?" must be answered. Callers
    prefix their kind ("assistant-sender:...") so equal values of two kinds differ."""
    key = settings.MPP_PII_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def key_ring() -> list[tuple[str, str]]:
    """(id, key) of every configured PII key, oldest first, the current one last."""
    old = [(kid, key) for kid, key in getattr(settings, "MPP_PII_KEYS_OLD", [])]
    current = (getattr(settings, "MPP_PII_KEY_ID", "k1"), settings.MPP_PII_KEY)
    return [pair for pair in old if pair[0] != current[0]] + [current]


def _form(chain: list[str], message: str, key: str) -> str:
    prefix = ">".join(chain) + "$"
    size = DIGEST_LENGTH - len(prefix)
    if size < MIN_HEX:
        raise ValueError("too many key ids in one digest chain")
    mac = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return prefix + mac[:size]


def nik_digest(nik: str) -> str:
    """The digest of the 16 NIK digits to store now: "<current key id>$<hex>"."""
    kid, key = key_ring()[-1]
    return _form([kid], nik, key)


def nik_digest_candidates(nik: str) -> list[str]:
    """Every form a stored digest of `nik` can have under the configured keys (the
    current one first): for look-ups, `nik_digest__in=nik_digest_candidates(nik)`.

    Chains only go forward in the ring (a digest is wrapped by keys newer than the
    one that made it), so 2 keys give 6 forms and 3 keys 15.
    """
    ring = key_ring()
    frontier = []
    for index, (kid, key) in enumerate(ring):
        frontier.append((index, [kid], _form([kid], nik, key)))
        legacy = hmac.new(key.encode(), nik.encode(), hashlib.sha256).hexdigest()
        frontier.append((index, [LEGACY], legacy))
    found: list[str] = []
    while frontier:
        index, chain, value = frontier.pop(0)
        found.append(value)
        for later in range(index + 1, len(ring)):
            kid, key = ring[later]
            if len(">".join([*chain, kid])) + 1 + MIN_HEX <= DIGEST_LENGTH:
                frontier.append((later, [*chain, kid], _form([*chain, kid], value, key)))
    current = nik_digest(nik)
    return [current] + [v for v in dict.fromkeys(found) if v != current]


def nik_digest_matches(stored: str, nik: str) -> bool:
    """Is `stored` a digest of `nik` under any configured key? (Constant time per form.)"""
    stored = stored or ""
    return any(hmac.compare_digest(stored, form) for form in nik_digest_candidates(nik))


def digest_chain(stored: str) -> list[str]:
    """The key ids a stored digest went through, innermost first (["x"]: before ids)."""
    prefix, sep, _rest = stored.partition("$")
    return prefix.split(">") if sep else [LEGACY]


def digest_rekeyed(stored: str) -> str | None:
    """`stored` wrapped in the current key, or None when the current key made it last."""
    kid, key = key_ring()[-1]
    chain = digest_chain(stored)
    if chain[-1] == kid:
        return None
    return _form([*chain, kid], stored, key)


def nik_mask(nik: str) -> str:
    """Only the last four digits: ************0001. (First four plus last four left
    about 21 bits of the NIK to guess: region codes and birth dates are public-ish.)"""
    if len(nik) <= 4:
        return "*" * len(nik)
    return "*" * (len(nik) - 4) + nik[-4:]


def phone_mask(phone: str) -> str:
    """A phone number in national form with its middle hidden: 0812****7890.

    Accepts E.164 (+6281234567890) or national (081234567890) digits.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.startswith("+62") or (digits.startswith("62") and not digits.startswith("0")):
        digits = "0" + digits[2:]
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def email_mask(email: str) -> str:
    """An e-mail address with most of its local part hidden: bu***@example.com."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "*" * len(email)
    return f"{local[:2]}***@{domain}"
