"""Writes for staff accounts and tokens."""

from django.db import transaction

from mpp.accounts.models import ApiToken, User
from mpp.core.errors import NotFound


@transaction.atomic
def token_create(*, username: str, name: str = "") -> str:
    """Create an API token for a staff member and return it (only this once)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"No active user named {username!r}.")
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw), prefix=raw[:8])
    return raw
