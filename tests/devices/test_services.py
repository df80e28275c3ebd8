"""Registering and revoking devices: the credential is shown once, revoked is for good."""

import pytest

from mpp.catalog.models import Mall
from mpp.core.errors import Invalid, NotFound
from mpp.core.models import Event
from mpp.devices.models import Device
from mpp.devices.selectors import device_for_credential
from mpp.devices.services import device_register, device_revoke

pytestmark = pytest.mark.django_db


def test_register_keeps_only_the_digest_and_records_an_event(mall, manager):
    device, raw = device_register(mall=mall, kind="kiosk", name=" Kiosk A ", actor_id=manager.pk)
    assert raw.startswith("mppd_") and len(raw) > 40
    stored = Device.objects.get()
    assert stored.digest == Device.digest_of(raw) and raw not in stored.digest
    assert stored.prefix == raw[:12] and stored.name == "Kiosk A"
    assert not any(raw in str(value) for value in Device.objects.values().get().values())
    event = Event.objects.get(kind="device.registered")
    assert (event.subject_id, event.mall_id, event.actor_id) == (
        str(device.pk),
        mall.pk,
        manager.pk,
    )
    assert raw not in str(event.data)


@pytest.mark.parametrize(("kind", "name"), [("printer", "x"), ("kiosk", ""), ("board", "x" * 101)])
def test_register_refuses_bad_input_and_writes_nothing(mall, kind, name):
    with pytest.raises(Invalid):
        device_register(mall=mall, kind=kind, name=name)
    assert not Device.objects.exists() and not Event.objects.exists()


def test_each_credential_is_new(mall):
    first = device_register(mall=mall, kind="kiosk", name="A")[1]
    second = device_register(mall=mall, kind="kiosk", name="A")[1]
    assert first != second
    assert device_for_credential(first).pk != device_for_credential(second).pk


def test_credential_lookup_by_kind_and_garbage(mall):
    device, raw = device_register(mall=mall, kind="board", name="TV")
    assert device_for_credential(raw) == device
    assert device_for_credential(raw, kind="board") == device
    assert device_for_credential(raw, kind="kiosk") is None
    assert device_for_credential(f"  {raw}  ") == device
    for garbage in (None, "", "mppd_", raw[:-1], raw + "x", "mppd_" + "a" * 200, raw.upper()):
        assert device_for_credential(garbage) is None


def test_last_seen_is_written_at_most_once_a_minute(mall, clock):
    _device, raw = device_register(mall=mall, kind="kiosk", name="A")
    first = device_for_credential(raw).last_seen_at
    assert first is not None
    clock.shift(__import__("datetime").timedelta(seconds=20))
    device_for_credential(raw)
    assert Device.objects.get().last_seen_at == first
    clock.shift(__import__("datetime").timedelta(seconds=50))
    device_for_credential(raw)
    assert Device.objects.get().last_seen_at > first


def test_revoke_stops_the_credential_for_good(mall, manager):
    device, raw = device_register(mall=mall, kind="kiosk", name="A")
    device_revoke(device_id=device.pk, actor_id=manager.pk)
    assert device_for_credential(raw) is None
    event = Event.objects.get(kind="device.revoked")
    assert event.actor_id == manager.pk and event.mall_id == mall.pk
    first = Device.objects.get().revoked_at
    device_revoke(device_id=device.pk)  # again: nothing changes, no second event
    assert Device.objects.get().revoked_at == first
    assert Event.objects.filter(kind="device.revoked").count() == 1
    again = Device.objects.get()
    again.revoked_at = None
    with pytest.raises(ValueError):
        again.save()
    assert Device.objects.get().revoked_at == first
    assert device_for_credential(raw) is None


def test_revoke_unknown_device_is_not_found(db):
    with pytest.raises(NotFound):
        device_revoke(device_id=12345)


def test_a_device_keeps_its_mall(mall):
    device, _raw = device_register(mall=mall, kind="kiosk", name="A")
    assert Mall.objects.get(pk=mall.pk).devices.get() == device
