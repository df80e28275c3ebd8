"""The demo's kiosks and boards: registered once, their credentials kept under var/.

Why: since a kiosk must be a registered device (docs/devices.md), `mpp demo` registers
a kiosk and a display board for each demo mall and prints their credentials with the
enrolment page, so the demo still works end to end (enrol the browser once, then take a
number). The credentials are kept in var/demo-devices.json (readable by its owner only)
so a second `mpp demo` prints the same ones instead of registering more.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from mpp.catalog.models import Mall
from mpp.devices.models import DeviceKind
from mpp.devices.selectors import device_for_credential
from mpp.devices.services import device_register

NAMES = {DeviceKind.KIOSK: "Demo kiosk", DeviceKind.BOARD: "Demo board"}


def _store() -> Path:
    return Path(settings.VAR_DIR) / "demo-devices.json"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(data, file, indent=2)


def device_demo_load(mall_codes: list[str]) -> tuple[dict[str, dict[str, str]], int]:
    """A working kiosk and board credential for each of these malls; (credentials by mall
    code and kind, devices registered now)."""
    path = _store()
    kept = _read(path)
    created = 0
    out: dict[str, dict[str, str]] = {}
    for mall in Mall.objects.filter(code__in=mall_codes):
        mine = {}
        for kind, name in NAMES.items():
            raw = kept.get(mall.code, {}).get(kind, "")
            device = device_for_credential(raw, kind=kind)
            if device is None or device.mall_id != mall.pk:
                raw = device_register(mall=mall, kind=kind, name=name)[1]
                created += 1
            mine[kind] = raw
        out[mall.code] = mine
    if out != {code: kept.get(code) for code in out}:
        _write(path, {**kept, **out})
    return out, created
