"""Sync conflicts a person settles: what the field app could not decide on its own.

Why: the sync never picks a winner silently (outreach.sync). Two edits of one record
from two devices, or one record id sent again with other content, wait here until the
mall's fleet planner ("outreach.plan") has looked at both versions side by side and
chosen one.

- TWO_EDITS: both edits are stored; the chosen one stands (`conflict.chosen`) and both
  are marked RESOLVED once no other open conflict holds them.
- SAME_ID: the stored record stands unless the refused content is chosen; then that
  content becomes a new version of the record (a new id, `previous` = the stored
  record), so an uploaded record stays frozen and the history shows what happened.

Resolving never changes what the mall's figures counted: a service is counted once per
record root (queueing.mobile), whichever version is chosen.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.outreach.models import FieldRecord, RecordStatus, SyncConflict

ACTION = "outreach.plan"
CHOICES = ("record", "other")


def conflicts_open(user) -> QuerySet[SyncConflict]:
    """Open conflicts `user` may settle, oldest first, with both records."""
    return (
        access.restrict(SyncConflict.objects.filter(resolved_at__isnull=True), user, ACTION)
        .select_related(
            "record__vehicle",
            "record__recorded_by",
            "record__visit__village",
            "other__recorded_by",
            "other__vehicle",
        )
        .order_by("created_at", "pk")
    )


def conflict_get(*, user, conflict_id) -> SyncConflict:
    try:
        pk = int(conflict_id)
    except (TypeError, ValueError):
        pk = None
    conflict = (
        access.restrict(SyncConflict.objects.all(), user, ACTION).filter(pk=pk).first()
        if pk
        else None
    )
    if conflict is None:
        raise NotFound(_("Conflict not found."), code="conflict_not_found")
    return conflict


@transaction.atomic
def conflict_resolve(
    *, conflict: SyncConflict, chosen: str, actor, now: dt.datetime | None = None
) -> SyncConflict:
    """Settle `conflict` with the version `chosen`: "record" (the stored record, or the
    first edit) or "other" (the second edit, or the refused content)."""
    access.require(actor, ACTION, conflict)
    if chosen not in CHOICES:
        raise Invalid(_("Choose one of the two versions."), code="invalid_choice")
    conflict = SyncConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved_at is not None:
        raise Conflict(_("This conflict has already been settled."), code="already_resolved")
    now = now or timezone.now()
    if chosen == "record":
        winner = conflict.record
    elif conflict.kind == SyncConflict.Kind.TWO_EDITS:
        winner = conflict.other
    else:
        winner = _version_from_refused(conflict, actor, now)
    conflict.chosen = winner
    conflict.resolved_by = actor
    conflict.resolved_at = now
    conflict.save(update_fields=["chosen", "resolved_by", "resolved_at"])
    settled = [r for r in (conflict.record, conflict.other) if r is not None]
    for record in settled:
        still_open = SyncConflict.objects.filter(
            Q(record=record) | Q(other=record), resolved_at__isnull=True
        ).exists()
        if record.status == RecordStatus.CONFLICT and not still_open:
            record.status = RecordStatus.RESOLVED
            record.save(update_fields=["status"])
    event_record(
        kind="outreach.conflict_resolved",
        subject_type="field_record",
        subject_id=conflict.record_id,
        mall_id=conflict.mall_id,
        actor_id=actor.pk,
        data={
            "channel": "mobile",
            "conflict_id": conflict.pk,
            "conflict_kind": conflict.kind,
            "chosen": chosen,
            "chosen_record": str(winner.pk),
        },
        occurred_at=now,
    )
    return conflict


def _version_from_refused(conflict: SyncConflict, actor, now) -> FieldRecord:
    """The refused content of a SAME_ID conflict, stored as a new version of the record."""
    stored = conflict.record
    content = conflict.payload or {}
    recorded_at = parse_datetime(content.get("recorded_at") or "") or stored.recorded_at
    return FieldRecord.objects.create(
        id=uuid.uuid4(),
        previous=stored,
        root_id=stored.root_id,
        kind=stored.kind,
        mall_id=stored.mall_id,
        vehicle_id=stored.vehicle_id,
        visit_id=stored.visit_id,
        device_id=conflict.device_id or stored.device_id,
        recorded_by_id=stored.recorded_by_id,
        recorded_at=recorded_at,
        received_at=now,
        payload=content.get("payload") or {},
        digest=content.get("digest") or "",
        status=RecordStatus.RESOLVED,
    )


def conflict_versions(conflict: SyncConflict) -> tuple[dict, dict]:
    """The two versions of `conflict` as the page shows them side by side."""
    first = _version(conflict.record, "record")
    if conflict.kind == SyncConflict.Kind.TWO_EDITS and conflict.other is not None:
        return first, _version(conflict.other, "other")
    content = conflict.payload or {}
    refused = {
        "choice": "other",
        "id": content.get("id") or str(conflict.record_id),
        "recorded_at": parse_datetime(content.get("recorded_at") or ""),
        "recorded_by": "",
        "device": conflict.device_id,
        "received_at": conflict.created_at,
        "fields": sorted((content.get("payload") or {}).items()),
        "attachments": len(content.get("attachments") or []),
    }
    return first, refused


def _version(record: FieldRecord, choice: str) -> dict:
    return {
        "choice": choice,
        "id": str(record.pk),
        "recorded_at": record.recorded_at,
        "recorded_by": record.recorded_by.get_full_name() or record.recorded_by.get_username(),
        "device": record.device_id,
        "received_at": record.received_at,
        "fields": sorted((record.payload or {}).items()),
        "attachments": record.attachments_expected,
    }
