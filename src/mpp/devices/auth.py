"""The API's device credential: `X-Device-Key: mppd_...` (a django-ninja security scheme).

Why a header of its own rather than `Authorization: Bearer`: staff tokens already use the
bearer scheme, and an integrator reading the OpenAPI sees at once which credential a
kiosk sends (docs/devices.md).
"""

from __future__ import annotations

from ninja.security import APIKeyHeader

from mpp.devices.selectors import device_for_credential


class DeviceKey(APIKeyHeader):
    """A registered kiosk's credential (registered in the admin, shown once)."""

    param_name = "X-Device-Key"
    openapi_description = (
        "The credential of a kiosk registered in the admin (Devices), `mppd_...`. "
        "Only a kiosk of the mall in the path may issue tickets there."
    )

    def authenticate(self, request, key):
        return device_for_credential(key)
