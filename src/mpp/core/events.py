"""Writing to the append-only event log, and letting higher apps hear of each entry.

Why a listener hook: webhook delivery (mpp.integrations, the top floor) must write its
outbox rows in the same transaction as the change, and core must not import it. An
app registers a listener in its AppConfig.ready; event_record calls every listener
with the new Event inside the caller's transaction, so the listener's rows commit or
roll back with the change. A listener must be cheap (it runs on every state change)
and must not swallow errors: a failing listener fails the change, never loses it.
"""

from collections.abc import Callable

from django.utils import timezone

from mpp.core.models import Event

_listeners: dict[str, Callable[[Event], None]] = {}


def event_listener_register(name: str, listener: Callable[[Event], None]) -> None:
    """Call `listener(event)` for every event recorded from now on (by name: once)."""
    _listeners[name] = listener


def event_listener_unregister(name: str) -> None:
    _listeners.pop(name, None)


def event_record(
    *,
    kind: str,
    subject_type: str,
    subject_id: object,
    mall_id: int | None = None,
    actor_id: int | None = None,
    data: dict | None = None,
    occurred_at=None,
) -> Event:
    """Append one event. Call it inside the transaction that made the change."""
    event = Event.objects.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        mall_id=mall_id,
        actor_id=actor_id,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
    for listener in tuple(_listeners.values()):
        listener(event)
    return event
