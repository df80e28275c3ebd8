"""What the officers' and managers' case pages share: finding a case for a staff member
(404 unknown or another mall's, 403 another booth's), the mall a page is about, and the
steps an officer takes, with their keys.

Why one place: the queue, the case page and the bulk action must refuse the same cases
in the same way (accounts.access, action "case.process"), and show each step with the
same words and the same key, like the counter console does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.cases import workflow
from mpp.cases.models import Case, Channel
from mpp.cases.numbers import number_clean
from mpp.catalog.models import Mall
from mpp.catalog.selectors import mall_get

PLAIN_NUMBER = re.compile(r"^[0-9A-Z]{1,16}$")
PROCESS = "case.process"
RECORD = "case.record"
FIGURES = "case.figures"


@dataclass(frozen=True)
class Step:
    """One status an officer may move a case to, as a button with its key."""

    to: str
    key: str
    style: str = ""

    @property
    def label(self) -> str:
        return workflow.step_label(self.to)


# Keys as on the counter console: one letter per step (v verify, r return...).
STEPS = {
    step.to: step
    for step in (
        Step(Case.Status.SUBMITTED.value, "S", "btn-call"),
        Step(Case.Status.VERIFICATION.value, "V", "btn-call"),
        Step(Case.Status.PROCESSING.value, "P", "btn-call"),
        Step(Case.Status.READY.value, "D", "btn-call"),
        Step(Case.Status.COMPLETED.value, "C", "btn-finish"),
        Step(Case.Status.RETURNED.value, "R", "btn-secondary"),
        Step(Case.Status.REJECTED.value, "X", "btn-danger"),
    )
}
# Steps that need more than a button: a checklist or a reason.
WITH_FORM = (Case.Status.RETURNED.value, Case.Status.REJECTED.value)


def officer_steps(case: Case) -> list[Step]:
    """The steps an officer may take on `case` now (workflow.next_statuses)."""
    nexts = workflow.next_statuses(case.case_type, case.status, workflow.OFFICER)
    if not counter_draft(case) and case.status == Case.Status.DRAFT:
        nexts = []  # a citizen's own draft online is theirs to send
    return [STEPS[to] for to in nexts if to in STEPS]


def counter_draft(case: Case) -> bool:
    """A draft recorded at the counter: the officer fills it in and sends it."""
    return case.status == Case.Status.DRAFT and case.channel == Channel.COUNTER


def case_for_staff(request, number: str, action: str = PROCESS) -> Case:
    """The case with this number, if this staff member may `action` it.

    Unknown, or of another mall: 404 (saying "exists, not yours" would tell something).
    Of another booth of the user's own mall: 403.
    """
    # The canonical form of a typed number; rows numbered otherwise (imports, tests) as is.
    cleaned = number_clean(number) or (number if PLAIN_NUMBER.match(number) else None)
    case = (
        Case.objects.select_related("case_type", "service", "booth", "mall", "assigned_to")
        .filter(number=cleaned)
        .first()
        if cleaned
        else None
    )
    user = request.user
    if case is None or not (access.is_national(user) or case.mall_id == user.mall_id):
        raise Http404(_("No application with this number."))
    access.require_page(user, action, case, _("This application belongs to another booth."))
    return case


def staff_mall(request, action: str) -> Mall | None:
    """The mall a staff page is about: the user's own, or for national staff the one
    chosen by ?mall=<code> (None: they still have to choose). 403 without any scope."""
    user = request.user
    if not access.allowed(user, action):
        raise PermissionDenied(_("You may not do this here."))
    if access.is_national(user):
        code = request.GET.get("mall", "")
        return mall_get(code) if code else None
    return user.mall


def malls_to_choose(request) -> list[Mall]:
    """For national staff who have not picked a mall yet: every mall."""
    if not access.is_national(request.user):
        return []
    return list(Mall.objects.order_by("name"))
