"""Writes for API clients and their keys: create, key, rotate, revoke.

Why services: a client's key is a credential that opens an agency's records to another
system. It is made here only (random, shown once, stored as its SHA-256 digest), its
changes are written to the event log (never the key itself: at most its 12-character
prefix), and the rules that keep a credential trustworthy live in one place:

- keys may expire; rotating gives a new key and lets the old ones run out after an
  overlap, so the agency switches without downtime;
- a revoked key stays revoked, and a revoked client is revoked for good: all its keys
  revoked, its webhook subscriptions disabled and their unsent messages cancelled (the
  model's save() refuses to clear revoked_at).

Who may call these is decided by the callers (the admin: selectors.clients_visible; the
`mpp client` command: whoever runs the server).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Agency, Mall
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.integrations.models import (
    KEY_PREFIX,
    UNFINISHED,
    ApiClient,
    ApiClientKey,
    MessageStatus,
    Subscription,
    WebhookMessage,
)

PREFIX_LENGTH = 12  # "mppc_" and 7 characters: enough to tell keys apart in a list
DEFAULT_OVERLAP = dt.timedelta(days=7)
MAX_RATE_LIMIT = 100_000
REVOKED_REASON = "API client revoked"  # stored on its subscriptions (English, like "410 Gone")


def operations_all() -> list[str]:
    """Every operation a client may be given: the actions the access rule grants API
    clients at their agency's booths (mpp.accounts.access.CLIENT_RULES)."""
    return [name for name, scope in access.CLIENT_RULES.items() if scope == access.AGENCY]


def key_new() -> str:
    """A fresh raw key: "mppc_" and 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


# Checks --------------------------------------------------------------------------------


def _name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("Give the client a name of 1 to 100 characters."), code="invalid_name")
    return name


def _operations_clean(operations: list[str] | None) -> list[str]:
    available = operations_all()
    if operations is None:
        return available
    wanted = list(dict.fromkeys(op.strip() for op in operations if op and op.strip()))
    unknown = [op for op in wanted if op not in available]
    if unknown:
        raise Invalid(
            _("Unknown operations: %(unknown)s. A client may be given: %(available)s.")
            % {"unknown": ", ".join(unknown), "available": ", ".join(available)},
            code="invalid_operations",
        )
    return wanted


def _email_clean(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(
                _("The contact e-mail address is not valid."), code="invalid_email"
            ) from None
    return email


def _rate_clean(rate: int) -> int:
    if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= MAX_RATE_LIMIT:
        raise Invalid(
            _("The rate limit is a whole number of requests per minute, 1 to %(max)d.")
            % {"max": MAX_RATE_LIMIT},
            code="invalid_rate_limit",
        )
    return rate


def _expiry_clean(expires_at: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        raise Invalid(_("Give the expiry with its time zone."), code="invalid_expiry")
    if expires_at <= now:
        raise Invalid(_("A key cannot expire in the past."), code="invalid_expiry")
    return expires_at


def _not_revoked(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise Conflict(
            _("This API client is revoked for good; create a new one."), code="client_revoked"
        )


def _locked(client: ApiClient) -> ApiClient:
    """The client's row, locked for this transaction (its current state)."""
    row = ApiClient.objects.select_for_update().filter(pk=client.pk).first()
    if row is None:
        raise NotFound(_("No such API client."), code="client_not_found")
    return row


# Writing -------------------------------------------------------------------------------


def _key_add(client: ApiClient, expires_at: dt.datetime | None) -> tuple[ApiClientKey, str]:
    raw = key_new()
    key = ApiClientKey.objects.create(
        client=client,
        prefix=raw[:PREFIX_LENGTH],
        digest=ApiClientKey.digest_of(raw),
        expires_at=expires_at,
    )
    return key, raw


def _record(kind: str, client: ApiClient, actor, data: dict, mall_ids=None) -> None:
    """A `client.*` event: never a key, at most a key's prefix. Its mall is the client's
    only mall (so that mall's managers see it), or none for a client of several."""
    mall_ids = sorted(client.mall_ids if mall_ids is None else mall_ids)
    event_record(
        kind=kind,
        subject_type="api_client",
        subject_id=client.pk,
        mall_id=mall_ids[0] if len(mall_ids) == 1 else None,
        actor_id=None if actor is None or getattr(actor, "is_api_client", False) else actor.pk,
        data={"name": client.name, "mall_ids": mall_ids, **data},
    )


@transaction.atomic
def client_create(
    *,
    name: str,
    agency: Agency,
    malls: list[Mall],
    operations: list[str] | None = None,
    contact_email: str = "",
    rate_limit_per_minute: int = 600,
    created_by=None,
    key_expires_at: dt.datetime | None = None,
) -> tuple[ApiClient, str]:
    """Create an API client of `agency` at `malls` with its first key.

    Returns the client and the raw key: show it once, it is not stored (only its
    digest). Operations default to every one a client may have (operations_all).
    Records a `client.created` event.
    """
    now = timezone.now()
    name = _name_clean(name)
    if agency is None or agency.pk is None:
        raise Invalid(_("Choose the client's agency."), code="invalid_agency")
    malls = list({mall.pk: mall for mall in malls or [] if mall is not None}.values())
    if not malls:
        raise Invalid(_("Choose at least one mall for the client."), code="invalid_malls")
    client = ApiClient.objects.create(
        name=name,
        agency=agency,
        operations=_operations_clean(operations),
        contact_email=_email_clean(contact_email),
        rate_limit_per_minute=_rate_clean(rate_limit_per_minute),
        created_by=created_by,
    )
    client.malls.set(malls)
    key, raw = _key_add(client, _expiry_clean(key_expires_at, now))
    client.__dict__["_mall_ids"] = frozenset(mall.pk for mall in malls)
    _record(
        "client.created",
        client,
        created_by,
        {
            "agency": agency.code,
            "malls": sorted(mall.code for mall in malls),
            "operations": client.operations,
            "rate_limit_per_minute": client.rate_limit_per_minute,
            "key_prefix": key.prefix,
            "key_expires_at": key.expires_at.isoformat() if key.expires_at else None,
        },
    )
    return client, raw


@transaction.atomic
def client_key_create(
    *, client: ApiClient, expires_at: dt.datetime | None = None, actor=None
) -> str:
    """Give `client` one more key (the others keep working); returns it, shown once.
    Records a `client.key_created` event."""
    client = _locked(client)
    _not_revoked(client)
    key, raw = _key_add(client, _expiry_clean(expires_at, timezone.now()))
    _record(
        "client.key_created",
        client,
        actor,
        {
            "key_prefix": key.prefix,
            "key_expires_at": key.expires_at.isoformat() if key.expires_at else None,
        },
    )
    return raw


@transaction.atomic
def client_key_rotate(
    *,
    client: ApiClient,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    expires_at: dt.datetime | None = None,
    actor=None,
) -> str:
    """A new key for `client`; its other valid keys now expire at the earlier of their own
    expiry and now + `overlap`, so the agency has that long to switch. Returns the new
    key (shown once). Records a `client.key_rotated` event."""
    if overlap < dt.timedelta(0):
        raise Invalid(_("The overlap cannot be negative."), code="invalid_overlap")
    client = _locked(client)
    _not_revoked(client)
    now = timezone.now()
    expires_at = _expiry_clean(expires_at, now)
    cutoff = now + overlap
    ending = ApiClientKey.objects.filter(client=client, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=cutoff)
    )
    shortened = ending.update(expires_at=cutoff)
    key, raw = _key_add(client, expires_at)
    _record(
        "client.key_rotated",
        client,
        actor,
        {
            "key_prefix": key.prefix,
            "key_expires_at": key.expires_at.isoformat() if key.expires_at else None,
            "old_keys_shortened": shortened,
            "old_keys_expire_by": cutoff.isoformat(),
        },
    )
    return raw


@transaction.atomic
def client_key_revoke(*, key: ApiClientKey, actor=None) -> ApiClientKey:
    """Revoke one key for good (it stops working at once). Revoking a revoked key
    changes nothing. Records a `client.key_revoked` event."""
    row = ApiClientKey.objects.select_for_update().select_related("client").filter(pk=key.pk)
    row = row.first()
    if row is None:
        raise NotFound(_("No such key."), code="key_not_found")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _record("client.key_revoked", row.client, actor, {"key_prefix": row.prefix})
    key.revoked_at = row.revoked_at
    return row


@transaction.atomic
def client_revoke(*, client: ApiClient, actor=None) -> ApiClient:
    """Revoke `client` for good: every key revoked, every subscription disabled and its
    unsent webhook messages cancelled. A revoked client is never enabled again (create
    a new one). Revoking twice changes nothing. Records a `client.revoked` event."""
    row = _locked(client)
    if row.revoked_at is not None:
        client.revoked_at = row.revoked_at
        return row
    now = timezone.now()
    row.revoked_at = now
    row.save(update_fields=["revoked_at"])
    keys = ApiClientKey.objects.filter(client=row, revoked_at__isnull=True).update(revoked_at=now)
    cancelled = WebhookMessage.objects.filter(
        subscription__client=row, status__in=UNFINISHED
    ).update(status=MessageStatus.CANCELLED, last_error=REVOKED_REASON)
    disabled = Subscription.objects.filter(client=row, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.DISABLED, disabled_reason=REVOKED_REASON, disabled_at=now
    )
    _record(
        "client.revoked",
        row,
        actor,
        {
            "keys_revoked": keys,
            "subscriptions_disabled": disabled,
            "messages_cancelled": cancelled,
        },
    )
    client.revoked_at = now
    return row
