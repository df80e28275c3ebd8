"""Registering kiosks and boards in the admin: mall-scoped, the credential shown once."""

import re

import pytest
from django.test import Client

from mpp.devices.models import Device
from mpp.devices.selectors import device_for_credential
from mpp.devices.services import device_register
from tests.devices.conftest import bearer  # noqa: F401  (shared helpers)
from tests.factories import MallFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def credential_on(page) -> str:
    return re.search(r'id="device-credential"[^>]*>(mppd_[^<]+)<', page.content.decode()).group(1)


def test_manager_registers_a_kiosk_of_their_mall_and_sees_the_credential_once(mall, manager):
    elsewhere = MallFactory()
    client = signed_in(manager)
    page = client.post(
        "/admin/devices/device/add/",
        {"mall": elsewhere.pk, "kind": "kiosk", "name": "Kiosk by the door"},
    )
    # the mall field offers only their own mall: another's is a form error, nothing saved
    assert page.status_code == 200 and not Device.objects.exists()
    page = client.post(
        "/admin/devices/device/add/",
        {"mall": mall.pk, "kind": "kiosk", "name": "Kiosk by the door"},
    )
    assert page.status_code == 200, page.content
    assert "no-store" in page["Cache-Control"]
    raw = credential_on(page)
    device = device_for_credential(raw)
    assert device.mall_id == mall.pk and device.name == "Kiosk by the door"
    assert "/devices/enrol/" in page.content.decode()
    # never shown again: not on the list, not on the change page
    listing = client.get("/admin/devices/device/").content.decode()
    change = client.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    assert device.prefix in listing
    assert raw not in listing and raw not in change


def test_national_admin_registers_for_any_mall(mall, national):
    client = signed_in(national)
    page = client.post(
        "/admin/devices/device/add/", {"mall": mall.pk, "kind": "board", "name": "TV"}
    )
    assert device_for_credential(credential_on(page)).kind == "board"


def test_another_malls_manager_sees_nothing(mall, manager):
    theirs, _raw = device_register(mall=MallFactory(), kind="kiosk", name="Not yours")
    client = signed_in(manager)
    assert "Not yours" not in client.get("/admin/devices/device/").content.decode()
    assert client.get(f"/admin/devices/device/{theirs.pk}/change/").status_code == 404


def test_officers_do_not_register_devices(mall, officer):
    client = signed_in(officer)
    response = client.get("/admin/devices/device/add/")
    assert response.status_code in (302, 403)
    assert not Device.objects.exists()


def test_revoke_action_revokes_only_the_managers_own(mall, manager):
    own, own_raw = device_register(mall=mall, kind="kiosk", name="Own")
    theirs, their_raw = device_register(mall=MallFactory(), kind="kiosk", name="Theirs")
    client = signed_in(manager)
    response = client.post(
        "/admin/devices/device/",
        {"action": "revoke", "_selected_action": [own.pk, theirs.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert device_for_credential(own_raw) is None
    assert device_for_credential(their_raw) is not None


def test_a_revoked_device_cannot_be_changed_or_deleted(mall, manager):
    device, _raw = device_register(mall=mall, kind="kiosk", name="Old")
    client = signed_in(manager)
    client.post("/admin/devices/device/", {"action": "revoke", "_selected_action": [device.pk]})
    response = client.post(
        f"/admin/devices/device/{device.pk}/change/", {"name": "Renamed", "revoked_at": ""}
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.name == "Old" and device.revoked_at is not None
    assert (
        client.post(f"/admin/devices/device/{device.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Device.objects.filter(pk=device.pk).exists()


def test_supervisors_do_not_see_devices(mall, offering):
    from mpp.accounts.models import Role
    from mpp.accounts.services import staff_sync_permissions

    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall, booth=offering.booth)
    staff_sync_permissions(user=supervisor)
    assert signed_in(supervisor).get("/admin/devices/device/").status_code == 403
