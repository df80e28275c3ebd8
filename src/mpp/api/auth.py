"""Who is calling a staff endpoint (what they may do there: mpp.accounts.access)?

Three ways in: an API token (`Authorization: Bearer mpp_...`) for officers' devices
and other vendors' consoles, an API client's key (`Bearer mppc_...`: an agency's
system, see mpp.integrations; request.auth is then the ApiClient, rate limited per
client), or the Django session of a signed-in staff member (the console pages). A
session request must carry the CSRF token, because a browser sends the session cookie
on its own; a bearer token it never sends on its own, so token requests need none.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from mpp.accounts.selectors import user_for_token
from mpp.core.errors import Forbidden
from mpp.core.ratelimit import RateLimited, ratelimit_hit
from mpp.integrations.models import KEY_PREFIX
from mpp.integrations.selectors import client_for_key


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = gettext_lazy(
        "The CSRF token is missing or wrong. Reload the page and try again."
    )


class BearerToken(HttpBearer):
    """A staff member's API token (see accounts.services.token_create; stored as a digest),
    or an API client's key (integrations.clients; its rate limit: 429 rate_limited)."""

    def authenticate(self, request, token: str):
        token = token.strip()
        if not token.startswith(KEY_PREFIX):
            return user_for_token(token)
        client = client_for_key(token)
        if client is None:
            return None
        result = ratelimit_hit(
            scope="client",
            key=str(client.pk),
            limit=client.rate_limit_per_minute,
            window_seconds=60,
        )
        if not result.allowed:
            raise RateLimited(result.retry_after)
        return client


class StaffSession(APIKeyCookie):
    """The session of a staff member signed in to the web console."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, only once a session user is found, so that a
        # request without any credentials gets 401 rather than a CSRF 403.
        super().__init__(csrf=False)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return user


OFFICER_AUTH = [BearerToken(), StaffSession()]


class Citizen:
    """A caller who proves a booking with its NIK (header X-NIK) instead of signing in."""

    is_authenticated = False

    def __init__(self, nik: str) -> None:
        self.nik = nik

    def __repr__(self) -> str:  # never the NIK, even in a traceback
        return "Citizen(nik=***)"


class NikProof(APIKeyHeader):
    """The booking's NIK in the X-NIK header: the citizen's own proof (see BookingOut)."""

    param_name = "X-NIK"

    def authenticate(self, request, key):
        key = (key or "").strip()
        return Citizen(key) if key else None


# Staff of the booking's mall, or the citizen with the NIK.
STAFF_OR_CITIZEN_AUTH = [BearerToken(), StaffSession(), NikProof()]
