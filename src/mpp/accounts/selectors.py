"""Reads for authentication: the user a bearer token belongs to.

Who may do what is mpp.accounts.access (allowed, restrict).
"""

import datetime as dt

from django.utils import timezone

from mpp.accounts.models import ApiToken, User

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
