"""Writing to the append-only event log."""

from django.utils import timezone

from mpp.core.models import Event


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
    return Event.objects.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        mall_id=mall_id,
        actor_id=actor_id,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
