"""Shared parts of the consultation pages: the mall, who may manage it, readable refusals.

Why: the manager pages belong to the managers of that mall and national admins only
(accounts.access, action consultation.manage: booth supervisors run a gerai, not the
mall's dialogue with the public), and every
refusal of a service becomes a sentence on the page, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.core.errors import DomainError

# Plain sentences for the codes a citizen may meet (the service's message otherwise).
MESSAGES = {
    "topic_not_open": gettext_lazy(
        "This consultation is closed: it no longer takes votes or comments."
    ),
    "rate_limited": gettext_lazy("Too many attempts. Please wait a moment and try again."),
    "duplicate_comment": gettext_lazy("You have already sent this comment."),
    "invalid_voter": gettext_lazy(
        "Your browser did not keep our cookie. Allow cookies for this site and try again."
    ),
    "comment_not_found": gettext_lazy("This comment can no longer be supported."),
}


@dataclass
class Problem:
    """A refusal as the pages show it."""

    code: str
    text: str


def problem(exc: DomainError) -> Problem:
    return Problem(exc.code, str(MESSAGES.get(exc.code, exc.message)))


def require_manager(request, mall: Mall) -> None:
    access.require_page(
        request.user,
        "consultation.manage",
        mall,
        _("Only the managers of this mall run its public consultations."),
    )


def parse_id(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
