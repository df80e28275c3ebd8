"""Sign-in lock-out: after repeated failures a username, and a client address, wait.

Why: 48 wrong passwords and then the right one got in. The rule, as GOV.UK and OWASP
recommend (slow down, then lock for a while; never for good, so an attacker can't lock
staff out for the day):

- per username: the first MPP_LOGIN_USER_FAILURES (5) failures are free; each failure
  after that locks the username for 30 s, then 1, 2, 4, 8 min, at most
  MPP_LOGIN_MAX_LOCK (15 min);
- per client address (through trusted proxies, mpp.core.ratelimit.client_ip): the same
  after MPP_LOGIN_IP_FAILURES (20), since one mall's staff may share an address;
- while locked, no password is checked at all, so the right one is refused too, with a
  message that says how long to wait;
- a success clears the username's count; a count is forgotten an hour after its last
  failure.

Counts are rows of accounts.LoginThrottle, so every server process sees them, with or
without Redis. The authentication backend checks and counts, so Django's admin login,
the staff login and any other `authenticate()` call are all covered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from mpp.accounts.models import LoginThrottle
from mpp.core.ratelimit import client_ip

FIRST_LOCK_SECONDS = 30
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Lock:
    """A username or address locked until `until`."""

    until: object

    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    def message(self) -> str:
        minutes = math.ceil(self.seconds_left() / 60)
        return ngettext(
            "Too many failed sign-ins. For your security, signing in is paused: try again "
            "in %(minutes)d minute.",
            "Too many failed sign-ins. For your security, signing in is paused: try again "
            "in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def _keys(username: str | None, request) -> list[tuple[str, str]]:
    keys = []
    if username:
        keys.append((LoginThrottle.Kind.USERNAME, username.strip().lower()[:150]))
    if request is not None:
        keys.append((LoginThrottle.Kind.ADDRESS, client_ip(request)[:150]))
    return keys


def _free(kind: str) -> int:
    if kind == LoginThrottle.Kind.USERNAME:
        return int(getattr(settings, "MPP_LOGIN_USER_FAILURES", 5))
    return int(getattr(settings, "MPP_LOGIN_IP_FAILURES", 20))


def lock_seconds(kind: str, failures: int) -> int:
    """How long the `failures`-th failure locks (0: not yet)."""
    over = failures - _free(kind)
    if over <= 0:
        return 0
    cap = int(getattr(settings, "MPP_LOGIN_MAX_LOCK", 15 * 60))
    return min(FIRST_LOCK_SECONDS * 2 ** min(over - 1, 20), cap)


def login_lock(*, username: str | None, request) -> Lock | None:
    """The lock in force for this username or this client, the longer one, or None."""
    now = timezone.now()
    until = None
    for kind, key in _keys(username, request):
        row = LoginThrottle.objects.filter(kind=kind, key=key, locked_until__gt=now).first()
        if row is not None and (until is None or row.locked_until > until):
            until = row.locked_until
    return Lock(until) if until else None


def _row(kind: str, key: str) -> LoginThrottle:
    try:
        with transaction.atomic():
            return LoginThrottle.objects.select_for_update().get_or_create(kind=kind, key=key)[0]
    except IntegrityError:  # created by a concurrent request between get and create
        return LoginThrottle.objects.select_for_update().get(kind=kind, key=key)


@transaction.atomic
def login_failure_record(*, username: str | None, request) -> None:
    """Count one failed sign-in against the username and the client address."""
    now = timezone.now()
    for kind, key in _keys(username, request):
        row = _row(kind, key)
        if row.last_failure_at is None or now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        seconds = lock_seconds(kind, row.failures)
        if seconds:
            row.locked_until = now + timedelta(seconds=seconds)
        row.save()


def login_success_record(*, username: str | None) -> None:
    """A successful sign-in clears the username's failures (not the address's)."""
    if username:
        LoginThrottle.objects.filter(
            kind=LoginThrottle.Kind.USERNAME, key=username.strip().lower()[:150]
        ).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend behind the lock-out: a locked username or client is refused
    before its password is checked, and each wrong password is counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get("username")
        if login_lock(username=name, request=request) is not None:
            raise PermissionDenied  # authenticate() stops here: no other backend tries
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            login_failure_record(username=name, request=request)
        return user
