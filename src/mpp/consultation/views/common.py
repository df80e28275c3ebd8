"""Shared parts of the consultation pages: the mall, who may manage it, readable refusals.

Why: the manager pages belong to the managers of that mall and national admins only
(booth supervisors run a gerai, not the mall's dialogue with the public), and every
refusal of a service becomes a sentence on the page, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.accounts.models import Role
from mpp.accounts.selectors import can_manage_mall
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


def may_manage_consultations(user, mall_id: int) -> bool:
    """Managers of this mall and national admins (accounts.selectors.can_manage_mall,
    without the booth supervisors it also lets in)."""
    if not can_manage_mall(user, mall_id):
        return False
    return user.is_national or user.role == Role.MALL_MANAGER


def require_manager(request, mall: Mall) -> None:
    if not may_manage_consultations(request.user, mall.pk):
        raise PermissionDenied(_("Only the managers of this mall run its public consultations."))


def parse_id(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
