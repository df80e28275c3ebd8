"""Who is voting, without accounts: a random token in a signed cookie, stored as a digest.

Why: citizens take part without signing up, yet one browser must hold one stance per
topic (voting again changes it) and see its own comments waiting for moderation. The
cookie holds a random token signed with the secret key (a forged or edited cookie is
ignored and replaced); the database holds only HMAC(MPP_PII_KEY, token), so a leaked
table cannot be replayed as cookies. Clearing cookies gives a new voter: the per-IP rate
limits in mpp.consultation.services keep that from being used to stuff the count.
The cookie never goes into a URL or a log.
"""

from __future__ import annotations

import secrets

from mpp.core.pii import keyed_digest

COOKIE = "mpp_voter"
SALT = "mpp.consultation.voter"
MAX_AGE = 365 * 24 * 3600
TOKEN_BYTES = 18


def voter_key_of(token: str) -> str:
    """The stored form of a voter token: 64 hex characters of a keyed digest."""
    return keyed_digest(f"consultation-voter:{token}")


def voter_token(request) -> str | None:
    """The token of this browser's valid signed cookie, or None."""
    try:
        token = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=MAX_AGE)
    except Exception:  # a broken cookie is no cookie
        return None
    if not token or len(token) > 64:
        return None
    return token


def voter_key(request, *, create: bool = False) -> str | None:
    """This browser's voter key; with `create`, a new token is made (and remembered on the
    request, for voter_cookie_set) when the browser has none."""
    token = getattr(request, "_consultation_voter", None) or voter_token(request)
    if token is None and create:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        request._consultation_voter_new = True
    if token is None:
        return None
    request._consultation_voter = token
    return voter_key_of(token)


def voter_cookie_set(request, response):
    """Set the cookie when voter_key(create=True) made a new token for this request."""
    if getattr(request, "_consultation_voter_new", False):
        response.set_signed_cookie(
            COOKIE,
            request._consultation_voter,
            salt=SALT,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
