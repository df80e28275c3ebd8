"""Who may issue a walk-in ticket through the API, and how often.

Why: POST /api/v1/malls/{mall}/tickets used to need nothing, and 70 anonymous calls
used up a day's walk-in quota in a second. Now the caller is a registered kiosk of that
mall (X-Device-Key), or staff of that mall, or a national admin (token or session);
each is limited per device or per staff member (core.ratelimit), so even a stolen
credential cannot empty a day's quota in seconds.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.core.errors import Forbidden
from mpp.core.ratelimit import RateLimited, limit_for, ratelimit_hit
from mpp.devices.models import Device, DeviceKind


def ticket_limit() -> tuple[int, int] | None:
    """Tickets a kiosk (or a staff member) may issue per window: a busy kiosk prints one
    every few seconds at most. The named limit settings.MPP_RATE_LIMITS["device_tickets"]
    (env MPP_RATE_DEVICE_TICKETS, "count/seconds", default 30/60, "0": no limit), read
    like every other limit (core.ratelimit.limit_for)."""
    return limit_for("device_tickets")


def issuer_check(issuer, mall: Mall) -> None:
    """Refuse (403) unless `issuer` may issue walk-in tickets of `mall`: a kiosk of that
    mall, or a staff member who may operate it (national admins everywhere)."""
    if isinstance(issuer, Device):
        if issuer.kind != DeviceKind.KIOSK:
            raise Forbidden(_("Only a kiosk gives out queue numbers."), code="forbidden")
        if issuer.mall_id != mall.pk:
            raise Forbidden(_("This kiosk is registered to another mall."), code="forbidden")
        return
    if not access.allowed(issuer, "ticket.issue", mall):
        raise Forbidden(_("You may not give out queue numbers at this mall."), code="forbidden")


def issuer_key(issuer) -> str:
    if isinstance(issuer, Device):
        return f"device:{issuer.pk}"
    if getattr(issuer, "is_api_client", False):  # an agency system: never a staff member's
        return f"client:{issuer.pk}"
    return f"user:{issuer.pk}"


def issuer_throttle(issuer) -> None:
    """Count one ticket against the issuer's limit; 429 rate_limited beyond it."""
    limit = ticket_limit()
    if limit is None:
        return
    result = ratelimit_hit(
        scope="device_tickets", key=issuer_key(issuer), limit=limit[0], window_seconds=limit[1]
    )
    if not result.allowed:
        raise RateLimited(result.retry_after)
