"""The rules of a complaint's handling: which step is allowed from which status, who may
take it, and the deadlines of each track.

Why: the services (writes), the pages (which buttons to show) and the API (which
answer to give) must agree on one table, so it lives here once.

    received --verify--> verified --forward--> forwarded --start--> in_progress
       |                    |  \\--start-----------------------------/    |
       |                    \\--answer--> answered --close--> closed  <---+ answer
       +--forward (verify and forward in one step)
    any open status --reject (with a reason)--> rejected

`note` adds an internal note in any status without changing it. The first response
(SP4N-LAPOR!: within 3 working days) is the first step out of `received`: verify,
forward or reject. Forwarding (routing to another booth) is the mall manager's; reject
and close need a supervisor or manager; the rest any staff member who sees the
complaint (complaints.selectors.complaints_for: their booth's, or their mall's).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from mpp.accounts.models import Role
from mpp.complaints.models import Complaint, ComplaintAction

S = Complaint.Status
K = ComplaintAction.Kind

FIRST_RESPONSE_DAYS = 3
TRACK_DAYS = {
    Complaint.Track.REGULAR: 5,
    Complaint.Track.DISPUTE: 14,
    Complaint.Track.FIELD_CHECK: 60,
}

MANAGERS = (Role.MALL_MANAGER, Role.NATIONAL_ADMIN)
SUPERVISORS = (Role.MALL_MANAGER, Role.NATIONAL_ADMIN, Role.BOOTH_SUPERVISOR)
ANY_STAFF = (Role.MALL_MANAGER, Role.NATIONAL_ADMIN, Role.BOOTH_SUPERVISOR, Role.OFFICER)


@dataclass(frozen=True)
class Step:
    """One action on a complaint: from which statuses, to which, taken by whom."""

    name: str
    kind: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change (a note)
    roles: tuple[str, ...]
    label: object  # the button's text
    needs_message: bool = False  # a public message to the citizen is required
    needs_reason: bool = False
    needs_note: bool = False
    needs_booth: bool = False


OPEN = tuple(Complaint.OPEN_STATUSES)

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("verify", K.VERIFIED, (S.RECEIVED,), S.VERIFIED, ANY_STAFF, _("Verify")),
        Step(
            "forward",
            K.FORWARDED,
            (S.RECEIVED, S.VERIFIED, S.FORWARDED),
            S.FORWARDED,
            MANAGERS,
            _("Forward to a booth"),
            needs_booth=True,
        ),
        Step(
            "start",
            K.STARTED,
            (S.VERIFIED, S.FORWARDED),
            S.IN_PROGRESS,
            ANY_STAFF,
            _("Start handling"),
        ),
        Step(
            "answer",
            K.ANSWERED,
            (S.VERIFIED, S.FORWARDED, S.IN_PROGRESS),
            S.ANSWERED,
            ANY_STAFF,
            _("Answer"),
            needs_message=True,
        ),
        Step("close", K.CLOSED, (S.ANSWERED,), S.CLOSED, SUPERVISORS, _("Close")),
        Step(
            "reject",
            K.REJECTED,
            OPEN,
            S.REJECTED,
            SUPERVISORS,
            _("Reject"),
            needs_reason=True,
        ),
        Step("note", K.NOTED, tuple(S.values), None, ANY_STAFF, _("Add a note"), needs_note=True),
    )
}
ACTIONS = tuple(STEPS)


def role_of(user) -> str:
    return Role.NATIONAL_ADMIN if user.is_national else user.role


def role_allows(user, step: Step) -> bool:
    return role_of(user) in step.roles


def status_allows(complaint: Complaint, step: Step) -> bool:
    return complaint.status in step.sources


def allowed_steps(user, complaint: Complaint) -> list[Step]:
    """The steps `user` may take on `complaint` now (the buttons of the detail page).
    The caller has checked that the user sees the complaint."""
    return [s for s in STEPS.values() if status_allows(complaint, s) and role_allows(user, s)]
