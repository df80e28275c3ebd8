"""The rules of an application's life: which status may follow which, and who may move it.

Why: the services (writes), the citizen's and the officer's pages (which buttons to
show), the agency API (which answer to give) and the property test must agree on one
table, so it lives here once.

    draft --submit--> submitted --verify--> verification --+--> processing --> ready --> completed
                          ^                     |     (no agency step: straight to ready)
                          |                     +--> returned (incomplete; clock stops)
                          +---- resubmit -------+    rejected (with a reason)
    draft | submitted | verification | returned | processing --> withdrawn (citizen)

Actors (CaseEvent.Actor):
- citizen: draft -> submitted, returned -> submitted, and withdrawing;
- officer (booth staff with access action "case.process"): the verification and
  processing steps, ready -> completed; also draft -> submitted and returned ->
  submitted for a citizen standing at the counter (an application recorded there);
- agency (its system, through the API): the officer's steps, but nothing from draft;
- system: nothing (escalation writes an event and changes no status).

A case type without agency processing (`uses_agency_processing=False`: the product is
made at the booth) goes verification -> ready; with it, verification -> processing and
only processing -> ready.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mpp.cases.models import Case, CaseEvent

S = Case.Status
CITIZEN = CaseEvent.Actor.CITIZEN.value
OFFICER = CaseEvent.Actor.OFFICER.value
AGENCY = CaseEvent.Actor.AGENCY.value
SYSTEM = CaseEvent.Actor.SYSTEM.value
ACTOR_KINDS = (CITIZEN, OFFICER, AGENCY, SYSTEM)
STAFF = (OFFICER, AGENCY)

# from status -> {to status: the actor kinds that may take the step}
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    S.DRAFT: {S.SUBMITTED: (CITIZEN, OFFICER), S.WITHDRAWN: (CITIZEN,)},
    S.SUBMITTED: {S.VERIFICATION: STAFF, S.WITHDRAWN: (CITIZEN,)},
    S.VERIFICATION: {
        S.PROCESSING: STAFF,
        S.READY: STAFF,
        S.RETURNED: STAFF,
        S.REJECTED: STAFF,
        S.WITHDRAWN: (CITIZEN,),
    },
    S.RETURNED: {S.SUBMITTED: (CITIZEN, OFFICER, AGENCY), S.WITHDRAWN: (CITIZEN,)},
    S.PROCESSING: {
        S.READY: STAFF,
        S.RETURNED: STAFF,
        S.REJECTED: STAFF,
        S.WITHDRAWN: (CITIZEN,),
    },
    S.READY: {S.COMPLETED: STAFF},
    S.COMPLETED: {},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
TRANSITIONS = {str(k): {str(t): v for t, v in steps.items()} for k, steps in TRANSITIONS.items()}

TERMINAL = (S.COMPLETED.value, S.REJECTED.value, S.WITHDRAWN.value)
# Submitted and not yet closed: the cases an officer's queue and the figures count.
OPEN_STATUSES = (
    S.SUBMITTED.value,
    S.VERIFICATION.value,
    S.RETURNED.value,
    S.PROCESSING.value,
    S.READY.value,
)
# The deadline clock runs in these (stopped while returned; met once ready).
CLOCK_RUNNING = (S.SUBMITTED.value, S.VERIFICATION.value, S.PROCESSING.value)
# Statuses in which the citizen may still change answers and documents.
CITIZEN_EDITABLE = (S.DRAFT.value, S.RETURNED.value)

# What a step is called (event kinds "case.<verb>" in core's log; buttons).
VERBS = {
    S.SUBMITTED.value: "submitted",
    S.VERIFICATION.value: "verification_started",
    S.PROCESSING.value: "processing_started",
    S.RETURNED.value: "returned",
    S.READY.value: "ready",
    S.COMPLETED.value: "completed",
    S.REJECTED.value: "rejected",
    S.WITHDRAWN.value: "withdrawn",
}
STEP_LABELS = {
    S.SUBMITTED.value: _("Submit"),
    S.VERIFICATION.value: _("Start verification"),
    S.PROCESSING.value: _("Send for processing"),
    S.RETURNED.value: _("Return as incomplete"),
    S.READY.value: _("Mark ready"),
    S.COMPLETED.value: _("Mark handed over"),
    S.REJECTED.value: _("Reject"),
    S.WITHDRAWN.value: _("Withdraw"),
}

_EXPLAINED = {
    S.DRAFT.value: _("Your application is not sent yet. Finish the form and send it."),
    S.SUBMITTED.value: _("We have received your application. An officer will check it soon."),
    S.VERIFICATION.value: _("We are checking your application and documents."),
    S.RETURNED.value: _(
        "Your application is incomplete. Please add what is missing and send it again."
    ),
    S.PROCESSING.value: _("Your application is complete and is being processed at the agency."),
    S.READY.value: _("Your document is ready."),
    S.COMPLETED.value: _("Your application is finished and the result has been handed over."),
    S.REJECTED.value: _("Your application cannot be granted. See the reason below."),
    S.WITHDRAWN.value: _("You withdrew this application."),
}


def _skips(case_type, to: str, source: str) -> bool:
    """Is the step `source -> to` ruled out by the case type's processing choice?"""
    uses_processing = getattr(case_type, "uses_agency_processing", True)
    if source == S.VERIFICATION and to == S.PROCESSING:
        return not uses_processing
    if source == S.VERIFICATION and to == S.READY:
        return uses_processing
    return False


def next_statuses(case_type, status: str, actor_kind: str) -> list[str]:
    """The statuses `actor_kind` may move a case of `case_type` to from `status`, in the
    order the pages show the buttons (forward steps first, withdraw last)."""
    steps = TRANSITIONS.get(str(status), {})
    return [
        to
        for to, kinds in steps.items()
        if actor_kind in kinds and not _skips(case_type, to, str(status))
    ]


def transition_allowed(case_type, source: str, to: str, actor_kind: str) -> bool:
    """May `actor_kind` move a case of `case_type` from `source` to `to`?"""
    return str(to) in next_statuses(case_type, source, actor_kind)


def is_terminal(status: str) -> bool:
    return str(status) in TERMINAL


def status_explained(status: str) -> str:
    """What the status means for the citizen, in plain words."""
    return str(_EXPLAINED.get(str(status), ""))


def step_label(to: str) -> str:
    """The button's text for a step to `to`."""
    return str(STEP_LABELS.get(str(to), to))
