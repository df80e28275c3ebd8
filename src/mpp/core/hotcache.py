"""A few seconds of in-process memory for configuration read on every hot request.

Why: when a day's booking quota opens, every request reads the same service policy
and the same opening hours. Those rows change a few times a year, yet reading them
costs more than the booking's own write (the ORM builds each query anew). A
`HotCache` keeps such reads for `seconds` in this process; a save or delete of the
models it watches empties it at once in this process (tests and the admin see
their change immediately), and other processes see it within `seconds`.

Only use it for configuration, never for counters or anything a decision about
scarce places depends on (slot places are always read fresh).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db.models.signals import post_delete, post_save

_MISSING = object()
_ALL: list[HotCache] = []


def hotcaches_clear() -> None:
    """Empty every HotCache of this process (tests call it between tests)."""
    for cache in _ALL:
        cache.clear()


class HotCache:
    """A tiny time-limited memo of a loader function, emptied when watched models change."""

    def __init__(self, name: str, *, seconds: float, max_entries: int = 4096) -> None:
        self.name = name
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The value for `key`, from memory when younger than `seconds`, else `load()`."""
        now = time.monotonic()
        entry = self._entries.get(key, _MISSING)
        if entry is not _MISSING and now - entry[0] < self.seconds:
            return entry[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def clear(self, *args, **kwargs) -> None:
        with self._lock:
            self._entries.clear()

    def watch(self, *models) -> HotCache:
        """Empty this cache whenever a row of one of `models` is saved or deleted."""
        for model in models:
            uid = f"hotcache:{self.name}:{model._meta.label}"
            post_save.connect(self.clear, sender=model, weak=False, dispatch_uid=uid + ":s")
            post_delete.connect(self.clear, sender=model, weak=False, dispatch_uid=uid + ":d")
        return self
