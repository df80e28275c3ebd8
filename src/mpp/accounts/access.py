"""Who may see and change which rows: the one access rule for the admin, pages and API.

Why: a mall's staff set up their own mall and must never touch another mall's. The rule
lives here once, as `restrict(queryset, user, action)`, and every screen narrows its
querysets through it instead of repeating role checks.

Each model declares how its rows reach a mall with a class attribute:

- ``mall_path``: the lookup that equals the mall's id (``"mall"``, ``"user__mall"``,
  ``"pk"`` on Mall itself), or ``None`` for a national record shared by every mall
  (Region, Agency, Service);
- ``booth_path`` (optional): the lookup that equals the booth's id (``"booth"``,
  ``"offering__booth"``, ``"pk"`` on Booth itself).

The rule:

- superuser or national admin: everything;
- mall manager: sees and changes the rows of their mall; sees national records but
  does not change them (agencies and service standards are national; a mall says what
  it offers through its booths, offerings and counters); changes only supervisors and
  officers among the staff;
- booth supervisor: sees the rows of their mall; changes only the rows of their own
  booth (its booth record, offerings and counters), nothing without a booth;
- officer, inactive or anonymous user, or a manager/supervisor without a mall: nothing.
  Officers work at the counter console, not in the admin.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from mpp.accounts.models import Role, User

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# Roles that may use the admin at all (besides national admins and superusers).
MALL_ROLES = (Role.MALL_MANAGER, Role.BOOTH_SUPERVISOR)
# Roles a mall manager may give to the staff they create or edit.
MANAGEABLE_ROLES = (Role.BOOTH_SUPERVISOR, Role.OFFICER)


def mall_path(model) -> str | None:
    """The lookup from `model` to its mall's id, or None for a national record.

    Raises ImproperlyConfigured for a model that does not declare one, so a new model
    is never silently open (or silently closed) to mall staff.
    """
    if not hasattr(model, "mall_path"):
        raise ImproperlyConfigured(
            f"{model.__name__} declares no mall_path; add one for mpp.accounts.access."
        )
    return model.mall_path


def booth_path(model) -> str | None:
    """The lookup from `model` to its booth's id, or None when rows have no booth."""
    return getattr(model, "booth_path", None)


def is_national(user) -> bool:
    """A superuser or national admin: every mall is theirs."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_national)


def may_use_admin(user) -> bool:
    """May this person use the admin at all? National staff, and mall managers and
    booth supervisors with a mall; never officers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_national:
        return True
    return user.role in MALL_ROLES and user.mall_id is not None


def restrict(queryset: models.QuerySet, user, action: str = VIEW) -> models.QuerySet:
    """Narrow `queryset` to the rows `user` may `action` ("view", "add", "change", "delete").

    Add and delete follow the change scope. The result is still a queryset, so callers
    can filter, order and count it further.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    model = queryset.model
    path = mall_path(model)  # checked first, for every user
    if not may_use_admin(user):
        return queryset.none()
    if user.is_national:
        return queryset
    if path is None:  # a national record: readable by every mall, written nationally
        return queryset if action == VIEW else queryset.none()
    rows = queryset.filter(**{path: user.mall_id})
    if action == VIEW:
        return rows
    if issubclass(model, User):
        return _staff_writable(rows, user)
    if user.role == Role.MALL_MANAGER:
        return rows
    booth = booth_path(model)
    if booth is None or user.booth_id is None:
        return rows.none()
    return rows.filter(**{booth: user.booth_id})


def _staff_writable(rows: models.QuerySet, user) -> models.QuerySet:
    """Staff accounts a mall manager may change: the mall's supervisors and officers.

    Never a superuser, a national admin or another manager (nor the manager
    themselves), so nobody in a mall can raise anyone's privileges.
    """
    if user.role != Role.MALL_MANAGER:
        return rows.none()
    return rows.filter(role__in=MANAGEABLE_ROLES, is_superuser=False)


def allowed(user, obj: models.Model, action: str = VIEW) -> bool:
    """May `user` `action` this saved row?"""
    model = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


def choices(queryset: models.QuerySet, user) -> models.QuerySet:
    """Narrow `queryset` to the rows `user` may link a record to (a form's choices).

    National records and the user's own mall: what they may see. Everything else in a
    mall: what they may change, so a supervisor's counter can only serve their own
    booth's offerings, and a manager can pick only the booths and staff of their mall.
    """
    path = mall_path(queryset.model)
    action = VIEW if path in (None, "pk") else CHANGE
    return restrict(queryset, user, action)
