"""Reads for authentication and access checks."""

import datetime as dt

from django.utils import timezone

from mpp.accounts.models import ApiToken, Role, User

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None.

    `last_used_at` is written at most once a minute per token: an officer's console
    calls the API many times a minute, and a write per call would take SQLite's
    write lock on what is otherwise a read.
    """
    if not raw or not raw.startswith("mpp_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def can_operate_mall(user, mall_id: int) -> bool:
    """May this staff member run counters in this mall?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_national:
        return True
    return user.mall_id == mall_id


def can_operate_counter(user, counter) -> bool:
    """May this staff member act at this counter (loket)?

    Mall managers act at any counter of their mall; supervisors and officers tied
    to a booth act only at that booth's counters.
    """
    if not can_operate_mall(user, counter.mall_id):
        return False
    if user.is_national or user.role == Role.MALL_MANAGER or user.booth_id is None:
        return True
    return counter.booth_id is None or counter.booth_id == user.booth_id


def can_manage_mall(user, mall_id: int) -> bool:
    """May this staff member see the manager pages of this mall?"""
    if not can_operate_mall(user, mall_id):
        return False
    return user.is_national or user.role in {Role.MALL_MANAGER, Role.BOOTH_SUPERVISOR}
