"""Keeping our records and the agencies' systems in step: push, retry, pull, move.

Why: an application submitted at the mall must reach the agency's system even when that
system is down for a day, exactly once there, and the agency's progress must come back
as the case's steps the citizen follows. The pieces:

- records_create (from the event listener in hooks.py): one ExternalRecord per
  connector that takes the subject, due now, in the transaction of the change, so it
  exists if and only if the submission committed;
- push_due (a drain of `mpp worker`): claims one due, unpushed record at a time like
  the notification outbox (a short transaction, SKIP LOCKED on PostgreSQL; the claim is
  a lease: next_attempt_at moves to now + lease, so a killed worker's record is due
  again when the lease ends), commits, then pushes. The connector sends a stable
  Idempotency-Key, so a second push of the same record (a lost answer, a lease that
  ran out) makes no second application. ConnectorUnavailable: tried again after the
  back-off (last_error kept; never given up: the last wait repeats, nothing is lost);
  ConnectorRejected: kept with its error and not tried again until the case is
  submitted again;
- pull_due (a periodic job): asks the agency for the status of pushed records whose
  case is not closed, at most every `connector.pull_every` seconds, and moves the case
  through mpp.cases.services.case_transition with actor kind "agency" and the
  connector as actor (label "connector:<name>"), never by writing Case.status. A status
  that is unknown or not a step allowed from the case's status is kept in last_error and
  skipped, not forced. With `walk_forward`, forward steps the agency took between two
  pulls (verification, processing, ready, completed) are taken one by one, all or none.

Every function takes `now` (tests move time with it). Cases and bookings have UUID keys
but ExternalRecord.subject_id is an integer: while it is, it holds the id of the
subject's first event in core's log; subject_key/subject_load hide which it holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mpp.cases import workflow as wf
from mpp.cases.models import Case, Channel
from mpp.cases.services import case_transition
from mpp.core.backoff import backoff_wait, schedule_of
from mpp.core.errors import DomainError
from mpp.core.models import Event
from mpp.integrations.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailable,
    PullResult,
)
from mpp.integrations.connectors.registry import connectors
from mpp.integrations.models import ApiClient, ExternalRecord

log = logging.getLogger(__name__)

S = Case.Status
MODELS = {"case": "cases.Case", "booking": "bookings.Booking"}
RELATED = {
    "case": ("booth__agency", "mall", "service", "case_type"),
    "booking": ("offering__booth__agency", "offering__service", "mall"),
}
PULL_BATCH = 100  # records one pull pass asks about (the worker's loop waits meanwhile)
MAX_ATTEMPTS = 32767  # the field's ceiling
FORWARD = (S.VERIFICATION.value, S.PROCESSING.value, S.READY.value, S.COMPLETED.value)


def lease() -> dt.timedelta:
    """How long a claimed record is this worker's (settings.MPP_CONNECTOR_LEASE)."""
    return dt.timedelta(seconds=float(settings.MPP_CONNECTOR_LEASE))


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the `attempts`-th failed push (settings.MPP_CONNECTOR_BACKOFF),
    jittered; the last wait repeats: a push is never given up."""
    waits = schedule_of("MPP_CONNECTOR_BACKOFF", settings.MPP_CONNECTOR_BACKOFF)
    return backoff_wait(waits, attempts, rng)


# Subjects -------------------------------------------------------------------------------


def _ids_are_integers() -> bool:
    return isinstance(ExternalRecord._meta.get_field("subject_id"), models.IntegerField)


def subject_key(subject_type: str, pk) -> int | str | None:
    """What ExternalRecord.subject_id holds for the subject (see the module docstring)."""
    if not _ids_are_integers():
        return str(pk)
    first = Event.objects.filter(subject_type=subject_type, subject_id=str(pk)).order_by("id")
    return first.values_list("id", flat=True).first()


def subject_load(subject_type: str, key) -> models.Model | None:
    """The subject (booth and agency loaded) a record's subject_id stands for."""
    if _ids_are_integers():
        event = Event.objects.filter(pk=key, subject_type=subject_type).first()
        if event is None:
            return None
        key = event.subject_id
    model = apps.get_model(MODELS[subject_type])
    return model.objects.select_related(*RELATED[subject_type]).filter(pk=key).first()


def records_create(
    *, subject_type: str, subject_id: str, active: list[Connector], now: dt.datetime, again: bool
) -> int:
    """A record, due now, for each connector of `active` that takes the subject (in the
    caller's transaction). `again` (a resubmission): a push the agency refused is
    tried once more."""
    model = apps.get_model(MODELS[subject_type])
    subject = model.objects.select_related(*RELATED[subject_type]).get(pk=subject_id)
    takers = [c for c in active if c.handles(subject_type, subject)]
    if not takers:
        return 0
    key = subject_key(subject_type, subject.pk)
    same = {"subject_type": subject_type, "subject_id": key}
    rows = [
        ExternalRecord(connector=c.name, mall_id=subject.mall_id, next_attempt_at=now, **same)
        for c in takers
    ]
    ExternalRecord.objects.bulk_create(rows, ignore_conflicts=True)
    if again:
        refused = {"pushed_at__isnull": True, "next_attempt_at__isnull": True}
        names = [c.name for c in takers]
        ExternalRecord.objects.filter(connector__in=names, **same, **refused).update(
            next_attempt_at=now, attempts=0
        )
    return len(takers)


# Claiming ------------------------------------------------------------------------------


def _claim(due: models.QuerySet, now: dt.datetime, *, pushing: bool) -> ExternalRecord | None:
    """Take one due record with a lease and commit before any network call."""
    if not due.exists():  # a plain read first: no write lock for an idle worker
        return None
    with transaction.atomic():
        rows = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        row = rows.first()
        if row is None:
            return None
        row.next_attempt_at = now + lease()
        fields = {"next_attempt_at": row.next_attempt_at}
        if pushing:
            row.attempts = fields["attempts"] = min(row.attempts + 1, MAX_ATTEMPTS)
        ExternalRecord.objects.filter(pk=row.pk).update(**fields)
    return row


def claim_push(*, now: dt.datetime, names) -> ExternalRecord | None:
    due = ExternalRecord.objects.filter(
        connector__in=list(names), pushed_at__isnull=True, next_attempt_at__lte=now
    )
    return _claim(due, now, pushing=True)


def claim_pull(*, now: dt.datetime, names) -> ExternalRecord | None:
    due = ExternalRecord.objects.filter(
        connector__in=list(names),
        subject_type="case",
        pushed_at__isnull=False,
        next_attempt_at__lte=now,
    )
    return _claim(due, now, pushing=False)


def _settle_push(row: ExternalRecord, **fields) -> bool:
    """Write a push's outcome if the row is still this attempt's."""
    mine = ExternalRecord.objects.filter(pk=row.pk, pushed_at__isnull=True, attempts=row.attempts)
    return bool(mine.update(**fields))


def _settle_pull(row: ExternalRecord, **fields) -> bool:
    mine = ExternalRecord.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at)
    return bool(mine.update(**fields))


def _active() -> dict[str, Connector]:
    try:
        return {c.name: c for c in connectors()}
    except ImproperlyConfigured:
        log.exception("connectors: MPP_CONNECTORS is broken; nothing pushed or pulled")
        return {}


def _loop(claim, handle, *, now, should_stop, limit) -> int:
    """Claim and handle records until none is due (or stop, or `limit`)."""
    from mpp.notifications.worker import TRANSIENT, reconnect

    active = _active()
    if not active:
        return 0
    handled = 0
    try:
        while not should_stop() and (limit is None or handled < limit):
            moment = now or timezone.now()
            row = claim(now=moment, names=active)
            if row is None:
                break
            try:
                handle(row, active[row.connector], now=now or timezone.now())
            except TRANSIENT:
                raise
            except Exception:  # a bug: the record waits for its lease; the worker goes on
                log.exception("connector %s: record %s failed", row.connector, row.pk)
            handled += 1
    except TRANSIENT:
        if connection.in_atomic_block:
            raise
        log.warning("connectors: database error, reconnecting", exc_info=True)
        reconnect()
    return handled


# Pushing -------------------------------------------------------------------------------


def push_claimed(row: ExternalRecord, connector: Connector, *, now: dt.datetime, rng=None) -> str:
    """Push one claimed record; returns "pushed", "retry" or "rejected"."""
    subject = subject_load(row.subject_type, row.subject_id)
    if subject is None:
        _settle_push(row, next_attempt_at=None, last_error="the record no longer exists")
        return "rejected"
    try:
        result = connector.push(subject)
    except ConnectorError as exc:
        error = exc
    except Exception as exc:  # a connector's bug: keep the record, try again later
        log.exception("connector %s: unexpected error while pushing %s", connector.name, row.pk)
        error = ConnectorUnavailable(f"unexpected error: {type(exc).__name__}")
    else:
        pull = row.subject_type == "case" and not wf.is_terminal(subject.status)
        settled = _settle_push(
            row,
            pushed_at=now,
            external_id=result.external_id[:120],
            external_status=result.external_status[:60],
            last_error="",
            next_attempt_at=now + dt.timedelta(seconds=connector.pull_every) if pull else None,
        )
        log.info("connector %s: record %s pushed", connector.name, row.pk)
        if settled and pull and result.external_status:
            row.refresh_from_db()
            _status_record(row, connector, subject, PullResult(result.external_status), now)
        return "pushed"
    if error.permanent:
        _settle_push(row, next_attempt_at=None, last_error=error.reason)
        log.warning("connector %s: record %s refused: %s", connector.name, row.pk, error.reason)
        return "rejected"
    wait = backoff(row.attempts, rng)
    _settle_push(row, next_attempt_at=now + wait, last_error=error.reason)
    log.info("connector %s: record %s not pushed (%s)", connector.name, row.pk, error.reason)
    return "retry"


def push_due(
    *,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    limit: int | None = None,
) -> int:
    """Push every due record (the drain "connectors" of `mpp worker`)."""
    return _loop(claim_push, push_claimed, now=now, should_stop=should_stop, limit=limit)


# Pulling and moving the case -------------------------------------------------------------


def principal(connector: Connector, case: Case) -> ApiClient:
    """The connector as the actor of a step: an agency system of the case's agency,
    allowed to process this case (an unsaved ApiClient: never a User foreign key)."""
    actor = ApiClient(name=connector.label, agency_id=case.booth.agency_id)
    actor.operations = ["case.process"]
    actor.__dict__["_mall_ids"] = frozenset({case.mall_id})
    return actor


def steps_to(case: Case, target: str, *, walk: bool) -> list[str] | None:
    """The agency's steps from the case's status to `target`, or None if there are none."""
    start = str(case.status)
    frontier: list[tuple[str, list[str]]] = [(start, [])]
    seen = {start}
    while frontier:
        status, path = frontier.pop(0)
        for to in wf.next_statuses(case.case_type, status, wf.AGENCY):
            if to == target:
                return [*path, to]
            if walk and to in FORWARD and to not in seen:
                seen.add(to)
                frontier.append((to, [*path, to]))
    return None


def status_apply(*, connector: Connector, case: Case, result: PullResult, now: dt.datetime) -> str:
    """Move `case` to what the agency's status means; "" or why it was skipped."""
    status_map = connector.status_map
    if result.status not in status_map:
        return f"unknown agency status {result.status[:40]!r}"
    target = status_map[result.status] or ""
    if not target or target == case.status:
        return ""
    path = steps_to(case, target, walk=connector.walk_forward)
    if path is None:
        return f"agency status {result.status[:40]!r} ({target}) is no step from {case.status}"
    actor = principal(connector, case)
    with translation.override(case.language):
        internal = _("Agency status: %(status)s") % {"status": result.status[:60]}
        to = path[0]
        try:
            with transaction.atomic():  # all steps or none
                for to in path:
                    note = result.note if to == target else ""
                    missing = None
                    if to == S.RETURNED:
                        note = note or _("The agency found the application incomplete.")
                        missing = {"documents": [], "note": note}
                    elif to == S.REJECTED:
                        note = note or _("The agency could not grant the application.")
                    case_transition(
                        case=case,
                        to=to,
                        channel=Channel.API,
                        actor=actor,
                        actor_kind=wf.AGENCY,
                        note=note,
                        internal_note=internal,
                        missing=missing,
                        now=now,
                    )
        except DomainError as exc:
            case.refresh_from_db()
            return f"agency status {result.status[:40]!r} -> {to}: {exc.code}"
    log.info("connector %s: case %s moved to %s", connector.name, case.pk, target)
    return ""


def _status_record(row, connector, case, result: PullResult, now) -> None:
    """Apply the agency's status and note the outcome on the record."""
    with transaction.atomic():
        error = status_apply(connector=connector, case=case, result=result, now=now)
        if error:
            log.warning("connector %s: record %s: %s", connector.name, row.pk, error)
        done = wf.is_terminal(case.status)
        _settle_pull(
            row,
            pulled_at=now,
            external_status=result.status[:60],
            last_error=error[:300],
            next_attempt_at=None if done else now + dt.timedelta(seconds=connector.pull_every),
        )


def pull_claimed(row: ExternalRecord, connector: Connector, *, now: dt.datetime) -> None:
    """Ask the agency for one claimed record's status and move its case."""
    case = subject_load(row.subject_type, row.subject_id)
    if case is None or wf.is_terminal(case.status):
        _settle_pull(row, next_attempt_at=None)
        return
    try:
        result = connector.pull_result(row.external_id)
    except Exception as exc:  # an outage or a connector's bug: ask again next time
        reason = exc.reason if isinstance(exc, ConnectorError) else ""
        if not reason:
            log.exception("connector %s: unexpected error while pulling", connector.name)
            reason = f"pull: unexpected error: {type(exc).__name__}"
        _settle_pull(
            row,
            last_error=reason[:300],
            next_attempt_at=now + dt.timedelta(seconds=connector.pull_every),
        )
        return
    _status_record(row, connector, case, result, now)


def pull_due(
    *,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    limit: int | None = PULL_BATCH,
) -> int:
    """Pull the statuses of due records (at most `limit` per pass)."""
    return _loop(claim_pull, pull_claimed, now=now, should_stop=should_stop, limit=limit)


def pull_job() -> None:
    """The periodic job "connectors.pull" of `mpp worker`."""
    pull_due()
