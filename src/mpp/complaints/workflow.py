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
forward or reject. Who may take a step is the access rule's (mpp.accounts.access), by
the step's action: forwarding (routing to another booth) is `complaint.forward`, the
mall manager's; reject and close are `complaint.close`, a supervisor's (their booth) or
manager's; the rest `complaint.handle`, any staff member who sees the complaint (their
booth's, or their mall's). Changing the track (a longer deadline: 14 or 60 working
days) is `complaint.extend`, the mall manager's, whoever takes the step.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.complaints.models import Complaint, ComplaintAction

S = Complaint.Status
K = ComplaintAction.Kind

FIRST_RESPONSE_DAYS = 3
TRACK_DAYS = {
    Complaint.Track.REGULAR: 5,
    Complaint.Track.DISPUTE: 14,
    Complaint.Track.FIELD_CHECK: 60,
}

HANDLE = "complaint.handle"
CLOSE = "complaint.close"
FORWARD = "complaint.forward"
EXTEND = "complaint.extend"
# The roles that manage a mall's complaints (contact details, export): from the rule.
MANAGERS = access.roles_with("complaint.manage")


@dataclass(frozen=True)
class Step:
    """One action on a complaint: from which statuses, to which, taken by whom."""

    name: str
    kind: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change (a note)
    action: str  # the access rule's action (mpp.accounts.access.RULES)
    label: object  # the button's text
    needs_message: bool = False  # a public message to the citizen is required
    needs_reason: bool = False
    needs_note: bool = False
    needs_booth: bool = False


OPEN = tuple(Complaint.OPEN_STATUSES)

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("verify", K.VERIFIED, (S.RECEIVED,), S.VERIFIED, HANDLE, _("Verify")),
        Step(
            "forward",
            K.FORWARDED,
            (S.RECEIVED, S.VERIFIED, S.FORWARDED),
            S.FORWARDED,
            FORWARD,
            _("Forward to a booth"),
            needs_booth=True,
        ),
        Step(
            "start",
            K.STARTED,
            (S.VERIFIED, S.FORWARDED),
            S.IN_PROGRESS,
            HANDLE,
            _("Start handling"),
        ),
        Step(
            "answer",
            K.ANSWERED,
            (S.VERIFIED, S.FORWARDED, S.IN_PROGRESS),
            S.ANSWERED,
            HANDLE,
            _("Answer"),
            needs_message=True,
        ),
        Step("close", K.CLOSED, (S.ANSWERED,), S.CLOSED, CLOSE, _("Close")),
        Step(
            "reject",
            K.REJECTED,
            OPEN,
            S.REJECTED,
            CLOSE,
            _("Reject"),
            needs_reason=True,
        ),
        Step("note", K.NOTED, tuple(S.values), None, HANDLE, _("Add a note"), needs_note=True),
    )
}
ACTIONS = tuple(STEPS)


role_of = access.role_of


def role_allows(user, step: Step) -> bool:
    """May `user` take `step` on some complaint (the role's scope is not "none")?"""
    return access.allowed(user, step.action)


def step_allowed(user, complaint: Complaint, step: Step, *, track: str = "") -> bool:
    """May `user` take `step` on `complaint`, moving it to `track` if given?"""
    if not access.allowed(user, step.action, complaint):
        return False
    return track_allowed(user, complaint, track)


def track_allowed(user, complaint: Complaint, track: str) -> bool:
    """Only the mall's managers change a complaint's track (its answer deadline)."""
    if not track or track == complaint.track:
        return True
    return access.allowed(user, EXTEND, complaint)


def status_allows(complaint: Complaint, step: Step) -> bool:
    return complaint.status in step.sources


def allowed_steps(user, complaint: Complaint) -> list[Step]:
    """The steps `user` may take on `complaint` now (the buttons of the detail page)."""
    return [
        s
        for s in STEPS.values()
        if status_allows(complaint, s) and step_allowed(user, complaint, s)
    ]
