"""Reads for API clients: the client a key belongs to, and the clients a person may see.

Why here: the API's bearer authentication (mpp.api.auth) must turn an "mppc_" key into
its client on every call, cheaply and with every validity rule applied in one query;
the admin and other pages must agree on which clients a mall manager manages.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from mpp.accounts import access
from mpp.accounts.models import Role
from mpp.integrations.models import KEY_PREFIX, ApiClient, ApiClientKey

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_MAX_KEY_LENGTH = 200  # a real key has 48 characters; longer is not worth hashing


def client_for_key(raw: str) -> ApiClient | None:
    """The API client an "mppc_" key belongs to, or None.

    Valid: the key is not revoked and not expired, and its client is not revoked.
    `last_used_at` of the key and of the client is written at most once a minute: an
    agency's system calls many times a minute, and a write per call would take
    SQLite's write lock on what is otherwise a read.
    """
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > _MAX_KEY_LENGTH:
        return None
    now = timezone.now()
    key = (
        ApiClientKey.objects.select_related("client")
        .filter(
            digest=ApiClientKey.digest_of(raw),
            revoked_at__isnull=True,
            client__revoked_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if key is None:
        return None
    client = key.client
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiClientKey.objects.filter(pk=key.pk).update(last_used_at=now)
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def clients_visible(user) -> QuerySet[ApiClient]:
    """The API clients `user` manages: national admins all of them; a mall manager
    those whose malls are all their own mall (a client that also serves another mall
    is national business); everyone else (booth staff, officers, clients) none."""
    clients = ApiClient.objects.all()
    if access.is_national(user):
        return clients
    if access.role_of(user) != Role.MALL_MANAGER or user.mall_id is None:
        return clients.none()
    elsewhere = ApiClient.malls.through.objects.exclude(mall_id=user.mall_id)
    return clients.filter(malls=user.mall_id).exclude(pk__in=elsewhere.values("apiclient_id"))


def client_visible(user, client: ApiClient) -> bool:
    """Does `user` manage `client` (see clients_visible)?"""
    return client.pk is not None and clients_visible(user).filter(pk=client.pk).exists()
