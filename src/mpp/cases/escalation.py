"""The warning before a deadline: a working day before a case is due, its booth's
supervisors hear of it, once.

Why: a service standard's promise (N working days) is kept by the booth, and the
people who can move staff around are its supervisors; a case that waits unseen until
it is overdue is a promise already broken. `mpp worker` runs `cases_escalate` every
few minutes (registered in CasesConfig.ready); it changes no status, it writes a
CaseEvent "escalated" (staff only), sets `escalated_at` and e-mails the booth's
supervisors (cases.notify.escalation_notify).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from mpp.cases import workflow as wf
from mpp.cases.deadlines import MallCalendar, mall_day
from mpp.cases.models import Case, Channel
from mpp.cases.notify import escalation_notify
from mpp.cases.steps import step_record, version_save

ESCALATION_LOOKAHEAD_DAYS = 31  # the working day before a due date is never further back
EVERY_SECONDS = 15 * 60


def _escalate_one(case_id, now: dt.datetime) -> bool:
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related(
            "case_type", "mall", "booth", "service"
        )
        case = locked.filter(pk=case_id).first()
        if case is None or case.escalated_at is not None or case.status not in wf.CLOCK_RUNNING:
            return False
        case.escalated_at = now
        version_save(case)
        step_record(
            case,
            kind="escalated",
            verb="escalated",
            now=now,
            channel=Channel.SYSTEM,
            actor_kind=wf.SYSTEM,
            data={"due_on": case.due_on.isoformat() if case.due_on else ""},
        )
        escalation_notify(case)
    return True


def cases_escalate(*, now: dt.datetime | None = None) -> int:
    """Warn the booth's supervisors, once per case, on the working day before a case in
    the mall's hands is due (or at once, if that day has passed). Returns how many."""
    now = now or timezone.now()
    horizon = now.date() + dt.timedelta(days=ESCALATION_LOOKAHEAD_DAYS)
    rows = (
        Case.objects.filter(
            status__in=wf.CLOCK_RUNNING,
            escalated_at__isnull=True,
            due_on__isnull=False,
            due_on__lte=horizon,
        )
        .select_related("mall")
        .order_by("due_on")
        .only("pk", "due_on", "mall")
    )
    calendars: dict[int, MallCalendar] = {}
    escalated = 0
    for case in rows.iterator(chunk_size=500):
        calendar = calendars.setdefault(case.mall_id, MallCalendar(case.mall))
        if calendar.before(case.due_on, 1) > mall_day(case.mall, now):
            continue
        escalated += _escalate_one(case.pk, now)
    return escalated
