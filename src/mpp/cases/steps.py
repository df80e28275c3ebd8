"""The shared pieces of the case services: checks, locking, and writing a step down.

Why: every write of a case (services.py, escalation.py) locks the row, checks the
version, the status and the actor the same way, and records the step twice: in the
case's history (CaseEvent) and in core's append-only log (`case.<verb>`, ids and
statuses only, never personal data or free text). The actor is a staff user, an
agency's system (an API client: named in the history by its name, "client_id" in the
event's data, never in a user column) or nobody. Sibling parts (the form schema, the
documents) are reached lazily, so the lifecycle works while they are being written.
"""

from __future__ import annotations

import datetime as dt
import importlib
from importlib.util import find_spec

from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.cases import workflow as wf
from mpp.cases.models import Case, CaseEvent, CaseType, Channel
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.events import event_record

PROCESS = "case.process"
RECORD = "case.record"


class DocumentsMissing(Invalid):
    """Submitting without a required document; `.requirements` names them."""

    code = "documents_missing"

    def __init__(self, requirements):
        self.requirements = list(requirements)
        names = ", ".join(r.name for r in self.requirements)
        super().__init__(_("Please add the required documents: %(names)s.") % {"names": names})


# Helpers ---------------------------------------------------------------------------


def channel_check(channel: str) -> str:
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel."), code="invalid_channel")
    return channel


def actor_kind_check(actor_kind: str) -> str:
    if actor_kind not in wf.ACTOR_KINDS:
        raise Invalid(_("Unknown kind of actor."), code="invalid_actor")
    return actor_kind


def authorise(actor, action: str, case: Case) -> None:
    if actor is not None:
        access.require(actor, action, case, _("This application is not yours to handle."))


def actor_user(actor):
    """The user to write into a user foreign key (CaseEvent.actor, assigned_to,
    uploaded_by): None for an agency's system (an API client) or nobody."""
    user = access.person_of(actor)
    return user if getattr(user, "pk", None) is not None else None


def actor_label(actor) -> str:
    """The name the history shows: a user's name, or an API client's name."""
    if actor is None:
        return ""
    if access.is_client(actor):
        return actor.name[:120]
    return (actor.get_full_name() or actor.get_username())[:120]


def actor_data(actor) -> dict:
    """What the event log's data says of an API client actor (its id; the event's
    actor_id is a user's)."""
    return {"client_id": actor.pk} if access.is_client(actor) else {}


def case_lock(case: Case) -> Case:
    rows = Case.objects.select_for_update(of=("self",)).select_related(
        "case_type", "mall", "booth", "service"
    )
    return rows.get(pk=case.pk)


def case_sync(target: Case, source: Case) -> None:
    """Bring the caller's instance up to date with what was saved."""
    if target is source:
        return
    for field in Case._meta.concrete_fields:
        old, new = getattr(target, field.attname), getattr(source, field.attname)
        setattr(target, field.attname, new)
        if field.is_relation and old != new:
            target._state.fields_cache.pop(field.name, None)


def version_check(case: Case, expected_version) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(
            _("The application was changed meanwhile. Reload it and try again."),
            code="version_mismatch",
        )


def step_check(case: Case, to: str, actor_kind: str) -> None:
    if to not in wf.TRANSITIONS.get(case.status, {}) or wf._skips(case.case_type, to, case.status):
        raise Conflict(
            _("This step is not possible while the application is %(status)s.")
            % {"status": case.get_status_display()},
            code="invalid_state",
        )
    if not wf.transition_allowed(case.case_type, case.status, to, actor_kind):
        raise Forbidden(_("You may not take this step."), code="not_allowed")


def step_record(
    case: Case,
    *,
    kind: str,
    verb: str,
    now: dt.datetime,
    channel: str,
    actor=None,
    actor_kind: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    internal_note: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """The step in the case's history and in core's log (ids and statuses only)."""
    user = actor_user(actor)
    step = CaseEvent.objects.create(
        case=case,
        at=now,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor_kind,
        actor=user,
        actor_label=actor_label(actor),
        channel=channel,
        note=note,
        internal_note=internal_note,
    )
    event_record(
        kind=f"case.{verb}",
        subject_type="case",
        subject_id=case.pk,
        mall_id=case.mall_id,
        actor_id=user.pk if user is not None else None,
        data={
            "from": from_status,
            "to": to_status,
            "channel": channel,
            "actor_kind": actor_kind,
            "booth_id": case.booth_id,
            "service_id": case.service_id,
            **actor_data(actor),
            **(data or {}),
        },
        occurred_at=now,
    )
    return step


def version_save(case: Case) -> None:
    case.version += 1
    case.save()


def part_module(name: str):
    """A module of a sibling part (formschema, documents), or None while it is absent."""
    if find_spec(name) is None:
        return None
    return importlib.import_module(name)


def answers_clean(*, answers, partial: bool, case_type=None, schema=None) -> dict:
    formschema = part_module("mpp.cases.formschema")
    if formschema is not None:
        return formschema.answers_validate(
            case_type=case_type, schema=schema, answers=answers, partial=partial
        )
    if not isinstance(answers, dict):
        raise Invalid(_("The answers must be a set of named values."), code="invalid_answers")
    return dict(answers)


def schema_of_type(case_type: CaseType) -> dict:
    formschema = part_module("mpp.cases.formschema")
    return formschema.schema_of(case_type) if formschema is not None else {}


def documents_missing(case: Case) -> list:
    documents = part_module("mpp.cases.documents")
    return list(documents.required_documents_missing(case)) if documents is not None else []
