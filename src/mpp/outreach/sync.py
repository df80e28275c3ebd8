"""Records from the field app, received exactly once whatever the network did.

Why: a van's crew works offline for days and uploads when a network comes back, often
over a line that drops mid-request, so the app re-sends whatever it has no answer for.
The device makes each record's id (a UUID); an uploaded record is frozen and an edit
is a new record pointing to the one it edits (`previous`). Here each record of a batch
is judged on its own, in its own transaction (one bad record never sinks the others):

- new id: stored ("accepted"), with its attachments announced (outreach.sync_files
  receives their bytes), an event with channel "mobile", and for a service rendered
  the finished mobile ticket the mall's figures and the survey count, once per record
  root (queueing.mobile);
- same id, same content: "duplicate", a success (the first answer was lost);
- same id, other content: "conflict", the stored record stands and the refused content
  is kept in a SyncConflict(SAME_ID) for a person to look at;
- a second edit of the same previous record: stored, both edits marked CONFLICT and a
  SyncConflict(TWO_EDITS) opened: never a silent last-write-wins.

Two uploads of the same batch at once (two tabs, a retry racing the first try) meet on
the record's primary key: the loser of the insert reads the winner's row and answers
"duplicate". Edits lock the record they edit, so two edits of it are never both first.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.catalog.models import Offering
from mpp.core.errors import DomainError, Forbidden, Invalid
from mpp.core.events import event_record
from mpp.outreach.models import (
    FieldAttachment,
    FieldRecord,
    RecordKind,
    RecordStatus,
    SyncConflict,
    Vehicle,
    Visit,
)
from mpp.outreach.sync_payloads import Upload, record_id_of, upload_parse
from mpp.queueing.mobile import mobile_ticket_record

MAX_RECORDS = 50
FIELD = "outreach.field"
PLAN = "outreach.plan"


# Who may sync for which vehicle --------------------------------------------------------


def crew_vehicles(user) -> QuerySet[Vehicle]:
    """The active vehicles of the user's mall whose crew the user is in."""
    if not getattr(user, "is_authenticated", False) or user.mall_id is None:
        return Vehicle.objects.none()
    return Vehicle.objects.filter(crew=user, mall_id=user.mall_id, active=True).order_by("pk")


def may_use_vehicle(user, vehicle: Vehicle) -> bool:
    """A crew member of the vehicle (with "outreach.field" at its mall), or someone who
    plans the mall's fleet ("outreach.plan")."""
    if access.allowed(user, PLAN, vehicle):
        return True
    return access.allowed(user, FIELD, vehicle) and vehicle.crew.filter(pk=user.pk).exists()


def field_require(user) -> None:
    """Refuse (403) anyone who is neither in a vehicle's crew nor plans the fleet."""
    if not access.allowed(user, FIELD):
        raise Forbidden(_("You may not use the field app."), code="forbidden")
    if not access.allowed(user, PLAN) and not crew_vehicles(user).exists():
        raise Forbidden(_("You are not in the crew of a vehicle of this mall."), code="not_crew")


# The batch ---------------------------------------------------------------------------


def records_sync(*, user, device_id, records, now: dt.datetime | None = None) -> list[dict]:
    """Judge a batch of records (at most MAX_RECORDS); one result per record, in order.

    Raises Invalid only for a batch that cannot be read at all (device_id, records).
    Within the batch, an edit whose previous record comes later is judged after it.
    """
    field_require(user)
    if not isinstance(device_id, str) or not 1 <= len(device_id.strip()) <= 64:
        raise Invalid(_("device_id must be text of 1 to 64 characters."), code="invalid_device")
    if not isinstance(records, list):
        raise Invalid(_("records must be a list."), code="invalid_records")
    if len(records) > MAX_RECORDS:
        raise Invalid(
            _("Send at most %(n)s records at a time.") % {"n": MAX_RECORDS},
            code="too_many_records",
        )
    now = now or timezone.now()
    results: list[dict | None] = [None] * len(records)
    for index in _edit_order(records):
        results[index] = record_sync(
            user=user, device_id=device_id.strip(), raw=records[index], now=now
        )
    return results


def _edit_order(records: list) -> list[int]:
    """Indexes of the batch with every record after the batch's record it edits."""
    position: dict[str, int] = {}
    for i, raw in enumerate(records):
        position.setdefault(record_id_of(raw) or "", i)
    order: list[int] = []
    placed: set[int] = set()

    def place(i: int, chain: set[int]) -> None:
        if i in placed or i in chain:  # placed already, or a loop of edits
            return
        chain.add(i)
        raw = records[i]
        previous = raw.get("previous") if isinstance(raw, dict) else None
        before = position.get(previous) if isinstance(previous, str) else None
        if before is not None:
            place(before, chain)
        placed.add(i)
        order.append(i)

    for i in range(len(records)):
        place(i, set())
    return order


def record_sync(*, user, device_id: str, raw, now: dt.datetime) -> dict:
    """Judge one record; never raises for the record's own faults ("invalid")."""
    try:
        upload = upload_parse(raw)
        existing = FieldRecord.objects.select_related("vehicle").filter(pk=upload.id).first()
        if existing is not None:
            return _known(user, device_id, upload, existing, now)
        try:
            return _accept(user, device_id, upload, now)
        except (IntegrityError, DomainError) as exc:
            # Another upload of the same record may have committed meanwhile: judge it
            # against that one ("duplicate" or "conflict"), not as a fault of its own.
            existing = FieldRecord.objects.select_related("vehicle").filter(pk=upload.id).first()
            if existing is not None:
                return _known(user, device_id, upload, existing, now)
            if isinstance(exc, DomainError):
                raise
            raise Invalid(
                _("An attachment of this record belongs to another record."),
                code="attachment_taken",
            ) from None
    except DomainError as exc:
        return {
            "id": record_id_of(raw),
            "status": "invalid",
            "code": exc.code,
            "message": exc.message,
            "attachments_missing": [],
        }


def _result(record: FieldRecord, status: str, conflict: SyncConflict | None = None) -> dict:
    result = {
        "id": str(record.pk),
        "status": status,
        "attachments_missing": [
            str(pk)
            for pk in record.attachments.filter(complete=False)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        ],
    }
    if conflict is not None:
        result["conflict_id"] = conflict.pk
    return result


# A record the server has ---------------------------------------------------------------


def _known(user, device_id: str, upload: Upload, existing: FieldRecord, now) -> dict:
    """The same id again: a duplicate (same content) or a SAME_ID conflict."""
    if not may_use_vehicle(user, existing.vehicle):
        raise Invalid(_("This record id is already taken."), code="id_taken")
    digest = upload.digest()
    if existing.digest == digest:
        open_conflict = _open_conflict_of(existing)
        if existing.status == RecordStatus.CONFLICT and open_conflict is not None:
            return _result(existing, "conflict", open_conflict)
        return _result(existing, "duplicate")
    with transaction.atomic():
        record = FieldRecord.objects.select_for_update().get(pk=existing.pk)
        for conflict in SyncConflict.objects.filter(record=record, kind=SyncConflict.Kind.SAME_ID):
            if (conflict.payload or {}).get("digest") == digest:
                return _result(record, "conflict", conflict)
        conflict = SyncConflict.objects.create(
            mall_id=record.mall_id,
            kind=SyncConflict.Kind.SAME_ID,
            record=record,
            payload={"digest": digest, **upload.content()},
            device_id=device_id,
            created_at=now,
        )
        _conflict_event(conflict, user)
    return _result(record, "conflict", conflict)


def _open_conflict_of(record: FieldRecord) -> SyncConflict | None:
    return (
        SyncConflict.objects.filter(resolved_at__isnull=True)
        .filter(pk__in=_conflict_ids(record))
        .order_by("pk")
        .first()
    )


def _conflict_ids(record: FieldRecord) -> QuerySet:
    from django.db.models import Q

    return SyncConflict.objects.filter(Q(record=record) | Q(other=record)).values("pk")


def _conflict_event(conflict: SyncConflict, user) -> None:
    event_record(
        kind="outreach.sync_conflict",
        subject_type="field_record",
        subject_id=conflict.record_id,
        mall_id=conflict.mall_id,
        actor_id=user.pk,
        data={
            "channel": "mobile",
            "conflict_id": conflict.pk,
            "conflict_kind": conflict.kind,
            "other": str(conflict.other_id) if conflict.other_id else None,
        },
    )


# A new record --------------------------------------------------------------------------


def _target(user, upload: Upload) -> tuple[Vehicle, Visit | None]:
    """The vehicle (and visit) a record belongs to: its visit's, else the user's van."""
    if upload.visit_id is not None:
        visit = Visit.objects.select_related("vehicle", "plan").filter(pk=upload.visit_id).first()
        if visit is None or not may_use_vehicle(user, visit.vehicle):
            raise Invalid(_("Unknown visit."), code="unknown_visit")
        return visit.vehicle, visit
    vehicle = crew_vehicles(user).first()
    if vehicle is None:
        raise Invalid(
            _("A record without a visit needs a vehicle whose crew you are in."),
            code="no_vehicle",
        )
    return vehicle, None


def _service_on_board(vehicle: Vehicle, code: str) -> None:
    offerings = Offering.objects.filter(
        mall_id=vehicle.mall_id, service__code=code, is_active=True, service__is_active=True
    )
    if vehicle.offerings.exists():
        offerings = offerings.filter(vehicles=vehicle)
    if not offerings.exists():
        raise Invalid(
            _("Service %(code)s is not carried by this vehicle.") % {"code": code},
            code="unknown_service",
        )


def _accept(user, device_id: str, upload: Upload, now) -> dict:
    vehicle, visit = _target(user, upload)
    if "service_code" in upload.payload:
        _service_on_board(vehicle, upload.payload["service_code"])
    with transaction.atomic():
        previous, root_id = None, upload.id
        if upload.previous is not None:
            previous = FieldRecord.objects.select_for_update().filter(pk=upload.previous).first()
            if previous is None or previous.mall_id != vehicle.mall_id:
                raise Invalid(
                    _("The record this one edits has not been received yet."),
                    code="unknown_previous",
                )
            if previous.kind != upload.kind:
                raise Invalid(
                    _("An edit must be of the same kind as the record it edits."),
                    code="kind_mismatch",
                )
            root_id = previous.root_id
        record = FieldRecord(
            id=upload.id,
            previous=previous,
            root_id=root_id,
            kind=upload.kind,
            mall_id=vehicle.mall_id,
            vehicle=vehicle,
            visit=visit,
            device_id=device_id,
            recorded_by=user,
            recorded_at=upload.recorded_at,
            received_at=now,
            payload=upload.payload,
            digest=upload.digest(),
            attachments_expected=len(upload.attachments),
        )
        record.save(force_insert=True)
        FieldAttachment.objects.bulk_create(
            FieldAttachment(
                id=a.id,
                record=record,
                sha256=a.sha256,
                size=a.size,
                content_type=a.content_type,
                created_at=now,
            )
            for a in upload.attachments
        )
        conflict = _two_edits(record, previous, device_id, now) if previous else None
        _record_event(record, user)
        if conflict is not None:
            _conflict_event(conflict, user)
        if record.kind == RecordKind.SERVICE:
            _count_service(record, user)
    return _result(record, "conflict" if conflict else "accepted", conflict)


def _two_edits(record: FieldRecord, previous: FieldRecord, device_id: str, now):
    """A second (third...) edit of `previous`: both kept, in conflict, for a person."""
    first = previous.edits.exclude(pk=record.pk).order_by("received_at", "pk").first()
    if first is None:
        return None
    FieldRecord.objects.filter(pk__in=[first.pk, record.pk]).update(status=RecordStatus.CONFLICT)
    record.status = RecordStatus.CONFLICT
    return SyncConflict.objects.create(
        mall_id=record.mall_id,
        kind=SyncConflict.Kind.TWO_EDITS,
        record=first,
        other=record,
        device_id=device_id,
        created_at=now,
    )


def _record_event(record: FieldRecord, user) -> None:
    payload = record.payload
    data = {
        "channel": "mobile",
        "kind": record.kind,
        "vehicle_id": record.vehicle_id,
        "visit_id": record.visit_id,
        "root_id": str(record.root_id),
        "previous": str(record.previous_id) if record.previous_id else None,
        "recorded_at": record.recorded_at.isoformat(),
        "attachments": record.attachments_expected,
        "device_id": record.device_id,
    }
    # Plain facts only: never the applicant's name, a note's text or a home's address.
    for name in ("service_code", "people", "outcome", "priority", "number"):
        if name in payload:
            data["service" if name == "service_code" else name] = payload[name]
    event_record(
        kind="outreach.field_recorded",
        subject_type="field_record",
        subject_id=record.pk,
        mall_id=record.mall_id,
        actor_id=user.pk,
        data=data,
    )


def _count_service(record: FieldRecord, user) -> None:
    """The mall's figures and the survey count a service once per record root."""
    payload = record.payload
    priority = "regular"
    ticket_id = payload.get("ticket_id")
    if ticket_id:
        ticket = FieldRecord.objects.filter(
            pk=ticket_id, mall_id=record.mall_id, kind=RecordKind.TICKET
        ).first()
        if ticket is not None:
            priority = ticket.payload.get("priority") or priority
    mobile_ticket_record(
        mall=record.vehicle.mall,
        service_code=payload["service_code"],
        key=str(record.root_id),
        served_at=record.recorded_at,
        priority=priority,
        actor_id=user.pk,
        extra={"vehicle_id": record.vehicle_id, "field_record": str(record.root_id)},
    )
