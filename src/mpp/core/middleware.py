"""The base of MPP's middleware that run in the event loop and in threads alike.

Why: under ASGI a sync-only middleware makes Django hop to a thread for every request.
Middleware that can answer in the event loop (load shedding, JSON errors, input and
database fault checks) subclass this and implement `__call__` (sync) and `_acall` (async).
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class HybridMiddleware:
    """Remembers whether the stack below is async and marks itself so when it is."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
