"""Writes for devices: register one (its credential is returned once) and revoke one."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall
from mpp.core.errors import Invalid, NotFound
from mpp.core.events import event_record
from mpp.devices.models import Device, DeviceKind

PREFIX_LENGTH = 12  # "mppd_" and 7 characters: enough to tell devices apart in a list


@transaction.atomic
def device_register(
    *, mall: Mall, kind: str, name: str, actor_id: int | None = None
) -> tuple[Device, str]:
    """Register a kiosk or board of `mall`; returns the device and its credential.

    The credential is not stored (only its digest): show it once, to be entered on the
    machine (docs/devices.md). Records a `device.registered` event.
    """
    if kind not in DeviceKind.values:
        raise Invalid(_("A device is a kiosk or a display board."), code="invalid_kind")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("Give the device a name of 1 to 100 characters."), code="invalid_name")
    raw = Device.new_credential()
    device = Device.objects.create(
        mall=mall,
        kind=kind,
        name=name,
        digest=Device.digest_of(raw),
        prefix=raw[:PREFIX_LENGTH],
    )
    event_record(
        kind="device.registered",
        subject_type="device",
        subject_id=device.pk,
        mall_id=mall.pk,
        actor_id=actor_id,
        data={"kind": kind, "name": name, "prefix": device.prefix},
    )
    return device, raw


@transaction.atomic
def device_revoke(*, device_id: int, actor_id: int | None = None) -> Device:
    """Revoke a device for good: its credential stops working at once, on the API and
    on the screen it was entered on. Revoking a revoked device changes nothing.
    Records a `device.revoked` event."""
    device = Device.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        raise NotFound(_("No such device."), code="device_not_found")
    if device.revoked_at is not None:
        return device
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    event_record(
        kind="device.revoked",
        subject_type="device",
        subject_id=device.pk,
        mall_id=device.mall_id,
        actor_id=actor_id,
        data={"kind": device.kind, "name": device.name, "prefix": device.prefix},
    )
    return device
