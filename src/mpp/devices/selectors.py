"""Reads for devices: which registered, unrevoked device a credential belongs to."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mpp.devices.models import CREDENTIAL_MAX_LENGTH, CREDENTIAL_PREFIX, Device

LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)


def device_for_credential(raw: str | None, *, kind: str | None = None) -> Device | None:
    """The registered, unrevoked device (of `kind`, if given) with this credential, or None.

    `last_seen_at` is written at most once a minute per device (a board or kiosk asks
    often; a write per request would take SQLite's write lock on what is a read).
    """
    raw = (raw or "").strip()
    if not raw.startswith(CREDENTIAL_PREFIX) or len(raw) > CREDENTIAL_MAX_LENGTH:
        return None
    devices = Device.objects.select_related("mall").filter(
        digest=Device.digest_of(raw), revoked_at__isnull=True
    )
    if kind is not None:
        devices = devices.filter(kind=kind)
    device = devices.first()
    if device is None:
        return None
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


def devices_of_mall(mall_id: int, *, kind: str | None = None):
    """The mall's devices, active ones first (for pages and the demo)."""
    rows = Device.objects.filter(mall_id=mall_id)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("revoked_at", "kind", "name")
