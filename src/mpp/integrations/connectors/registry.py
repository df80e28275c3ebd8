"""Which connectors are enabled: settings.MPP_CONNECTORS and the "mpp.connectors" entry points.

Why: an installation enables the agency back ends it has agreed with (one regency
talks to its licensing system, another to none), without code changes. Two sources:

- settings.MPP_CONNECTORS (env MPP_CONNECTORS, comma separated): dotted class paths,
  each optionally followed by ":name" to run the class under that name (and read its
  settings MPP_AGENCY_<NAME>...), e.g.
  "mpp.integrations.connectors.reference.ReferenceConnector:dukcapil";
- installed packages that declare entry points in the group "mpp.connectors"
  (``[project.entry-points."mpp.connectors"] siak = "pkg.module:SiakConnector"``): the
  entry point's name is the connector's name. The MPP package declares none.

Instances are cached per value of the setting (tests override it). A path that does not
import is an error (ImproperlyConfigured), not a silent skip: the system check
"mpp.integrations.E001" reports it at start, and submissions fail rather than lose the
push.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from mpp.integrations.connectors.base import Connector

log = logging.getLogger(__name__)

GROUP = "mpp.connectors"

_cache: dict[tuple, dict[str, Connector]] = {}
_entry_points: list | None = None


def _installed() -> list:
    """The group's entry points (read once per process: installing needs a restart)."""
    global _entry_points
    if _entry_points is None:
        _entry_points = list(entry_points(group=GROUP))
    return _entry_points


def _build(cls, name: str | None, source: str) -> Connector:
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ImproperlyConfigured(f"{source} is not a Connector class")
    return cls(name=name)


def _load(paths: tuple[str, ...]) -> dict[str, Connector]:
    found: dict[str, Connector] = {}
    for entry in paths:
        path, _, name = entry.strip().partition(":")
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"MPP_CONNECTORS: cannot import {path!r}: {exc}") from exc
        connector = _build(cls, name.strip() or None, f"MPP_CONNECTORS {path!r}")
        if connector.name in found:
            raise ImproperlyConfigured(f"MPP_CONNECTORS: two connectors named {connector.name!r}")
        found[connector.name] = connector
    for point in _installed():
        if point.name in found:
            continue  # the setting names it explicitly: that one wins
        try:
            cls = point.load()
        except Exception as exc:
            raise ImproperlyConfigured(f"entry point {GROUP} {point.name!r}: {exc}") from exc
        found[point.name] = _build(cls, point.name, f"entry point {point.name!r}")
    return found


def _key() -> tuple:
    raw = getattr(settings, "MPP_CONNECTORS", ()) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(p.strip() for p in raw if p and p.strip())


def connectors() -> list[Connector]:
    """The enabled connectors (cheap after the first call: no query, no import)."""
    key = _key()
    if key not in _cache and not (key == () and not _installed()):
        _cache[key] = _load(key)
    return list(_cache.get(key, {}).values())


def connector_get(name: str) -> Connector | None:
    """The enabled connector called `name`, or None."""
    return next((c for c in connectors() if c.name == name), None)


def cache_clear() -> None:
    """Forget the built instances (tests that change a connector class's settings)."""
    _cache.clear()


def check_connectors(app_configs=None, **kwargs) -> list[Error]:
    """System check: every enabled connector loads."""
    try:
        connectors()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="mpp.integrations.E001")]
    return []
