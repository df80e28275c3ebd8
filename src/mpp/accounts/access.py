"""Who may do what, where: the one access rule for the admin, the pages and the API.

Why: a mall's staff must never touch another mall's, and a booth's officers another
booth's. Before, about seven checks decided this in as many places and drifted apart
(an officer could transfer another booth's waiting ticket; an officer could move a
complaint onto the 60-day track). Now every screen and endpoint asks this module, like
NetBox's ``restrict(user, action)``:

- ``allowed(user, action, obj)``: may `user` do `action` on this object (or, with
  ``obj=None``, anywhere at all)?
- ``restrict(queryset, user, action)``: the rows of `queryset` `user` may `action`;
- ``require(user, action, obj)``: ``allowed`` or core.errors.Forbidden (403).

RULES is the table, one row per named action: for each role, its scope:

- ``national``: everywhere;
- ``mall``: objects of the user's mall;
- ``booth``: objects of the user's booth (gerai) in the user's mall, plus objects the
  mall's booths share (a counter without a booth, and tickets at it; the mall itself,
  for actions a booth's staff take in their own part of it, like a survey report);
- ``none``: nowhere.

An agency's system calling the API is a principal too (mpp.integrations.models.ApiClient,
``is_api_client``). CLIENT_RULES is its column: ``agency`` (objects at a booth of the
client's agency in one of the client's malls; never what the mall's booths share, nor
a row without a booth) or ``none``, and only for the actions in the client's
``operations``. ``webhook.manage`` is the client's own business: its subscriptions
and their messages, nobody else's (staff: nowhere).

docs/access.md holds the same table (tests/accounts/test_matrix.py checks the two agree
and tries every staff endpoint and page against it).

Where a row sits is declared by its model with class attributes:

- ``mall_path``: the lookup that equals the mall's id (``"mall"``, ``"user__mall"``,
  ``"pk"`` on Mall itself), or ``None`` for a national record shared by every mall
  (Region, Agency, Service);
- ``booth_path`` (optional): the lookup that equals the booth's id.

The admin's actions (view, add, change, delete) add two rules of their own: a national
record is read by every mall but written nationally, and among staff accounts a mall
manager changes only the supervisors and officers of their mall (nobody in a mall can
raise anyone's privileges). Officers, inactive and anonymous users, and managers or
supervisors without a mall never use the admin.
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from mpp.accounts.models import Role, User
from mpp.core.errors import Forbidden

NATIONAL = "national"
MALL = "mall"
BOOTH = "booth"
NONE = "none"
AGENCY = "agency"  # an API client's: its agency's booths in its malls
SCOPES = (NATIONAL, MALL, BOOTH, AGENCY, NONE)

# The admin's actions (Django's permissions) ...
VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

ROLES = (
    Role.NATIONAL_ADMIN,
    Role.MALL_MANAGER,
    Role.BOOTH_SUPERVISOR,
    Role.OFFICER,
    Role.VILLAGE_AGENT,
)
CLIENT = "api_client"  # the role of an agency's system (ApiClient.role)


def _row(
    national: str, manager: str, supervisor: str, officer: str, agent: str = NONE
) -> dict[str, str]:
    """One action's scopes. A village agent (a village head or social worker who files
    mobile-service demand) holds nothing unless the row says so (`agent=`)."""
    return dict(zip(ROLES, (national, manager, supervisor, officer, agent), strict=True))


_ADMIN_WRITE = _row(NATIONAL, MALL, BOOTH, NONE)

# The table. Keep docs/access.md in step (the matrix test compares them).
RULES: dict[str, dict[str, str]] = {
    # The admin: rows of the user's mall (booth: for a supervisor's changes).
    VIEW: _row(NATIONAL, MALL, MALL, NONE),
    ADD: _ADMIN_WRITE,
    CHANGE: _ADMIN_WRITE,
    DELETE: _ADMIN_WRITE,
    # The queue at the counter (console, tablet, officer API).
    "counter.operate": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "ticket.operate": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "ticket.transfer": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "ticket.issue": _row(NATIONAL, MALL, MALL, MALL),
    "booking.check_in": _row(NATIONAL, MALL, MALL, MALL),
    # Complaints (pengaduan).
    "complaint.record": _row(NATIONAL, MALL, MALL, MALL),
    "complaint.handle": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "complaint.close": _row(NATIONAL, MALL, BOOTH, NONE),
    "complaint.forward": _row(NATIONAL, MALL, NONE, NONE),
    "complaint.extend": _row(NATIONAL, MALL, NONE, NONE),
    "complaint.manage": _row(NATIONAL, MALL, NONE, NONE),
    # Applications (MPP Digital cases): a booth's officers process their booth's cases;
    # any officer of the mall records a walk-in's application for its booth.
    "case.process": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "case.record": _row(NATIONAL, MALL, MALL, MALL),
    "case.figures": _row(NATIONAL, MALL, BOOTH, NONE),
    # Reading a booth's records (what agency systems read; staff: as they handle them).
    "ticket.read": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "booking.read": _row(NATIONAL, MALL, BOOTH, BOOTH),
    "complaint.read": _row(NATIONAL, MALL, BOOTH, BOOTH),
    # An API client's webhook subscriptions: its own, never staff's.
    "webhook.manage": _row(NONE, NONE, NONE, NONE),
    # The mall's dialogue with the public, its reports and figures.
    "consultation.manage": _row(NATIONAL, MALL, NONE, NONE),
    "survey.report": _row(NATIONAL, MALL, BOOTH, NONE),
    "mall.figures": _row(NATIONAL, MALL, MALL, NONE),
    "national.figures": _row(NATIONAL, NONE, NONE, NONE),
    # Jemput bola (mpp.outreach): file demand (a village agent: only for the villages of
    # their region, outreach.access.may_file_for), plan the fleet, work in the field
    # (the service also requires the vehicle's crew unless the user holds outreach.plan).
    "outreach.request": _row(NATIONAL, MALL, MALL, MALL, agent=MALL),
    "outreach.plan": _row(NATIONAL, MALL, NONE, NONE),
    "outreach.field": _row(NATIONAL, MALL, MALL, MALL),
}

# The API clients' column: what an agency's system may do at its agency's booths.
CLIENT_ACTIONS = (
    "case.process",
    "ticket.read",
    "booking.read",
    "complaint.read",
    "complaint.handle",
    "survey.report",
    "webhook.manage",
)
CLIENT_RULES: dict[str, str] = {
    action: AGENCY if action in CLIENT_ACTIONS else NONE for action in RULES
}
WEBHOOK = "webhook.manage"

# Roles that may use the admin at all (besides national admins and superusers).
MALL_ROLES = tuple(r for r in ROLES if r != Role.NATIONAL_ADMIN and RULES[VIEW][r] != NONE)
# Roles a mall manager may give to the staff they create or edit.
MANAGEABLE_ROLES = (Role.BOOTH_SUPERVISOR, Role.OFFICER)

# Booth id of what every booth of a mall shares (a counter without a booth, the mall).
SHARED = "shared"


class Place(NamedTuple):
    """Where something is: its mall's id and its booth's id (None: the mall's own, in no
    booth; SHARED: shared by every booth of the mall)."""

    mall_id: int | None
    booth_id: int | str | None


def is_client(principal) -> bool:
    """Is `principal` an agency's system (an ApiClient), not a person?"""
    return getattr(principal, "is_api_client", False) is True


def person_of(principal):
    """The user to write into a user foreign key for `principal`: None for an API
    client (its id is never a user's) or nobody."""
    return None if principal is None or is_client(principal) else principal


def role_of(user) -> str | None:
    """The role the rule knows `user` by: national admin for superusers, CLIENT for an
    API client that is not revoked, None for anyone who is not an active, signed-in
    staff member."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if is_client(user):
        return CLIENT
    return Role.NATIONAL_ADMIN if user.is_national else user.role


def scope_of(user, action: str) -> str:
    """The user's scope for `action`: national, mall, booth, agency (API clients) or none."""
    if action not in RULES:
        raise ValueError(f"unknown action {action!r}")
    role = role_of(user)
    if role is None:
        return NONE
    if role == CLIENT:  # its column, for the operations it was given, in its malls
        if action not in (user.operations or ()) or not user.mall_ids:
            return NONE
        return CLIENT_RULES[action]
    scope = RULES[action].get(role, NONE)
    if scope != NATIONAL and user.mall_id is None:
        return NONE  # mall staff without a mall: nowhere
    return scope


def roles_with(action: str) -> tuple[str, ...]:
    """The roles that may do `action` somewhere."""
    return tuple(r for r in ROLES if RULES[action][r] != NONE)


def is_national(user) -> bool:
    """A superuser or national admin: every mall is theirs."""
    return role_of(user) == Role.NATIONAL_ADMIN


def may_use_admin(user) -> bool:
    """May this person use the admin at all? National staff, and mall managers and
    booth supervisors with a mall; never officers."""
    return scope_of(user, VIEW) != NONE


# Where rows are ------------------------------------------------------------------------


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


def _label(model) -> str:
    return model._meta.label_lower


def _shared_q(model) -> Q | None:
    """Rows of `model` every booth of their mall shares: a counter without a booth, and
    the tickets at it; None when `model` has no such rows."""
    label = _label(model)
    if label == "catalog.counter":
        return Q(booth__isnull=True)
    if label == "queueing.ticket":
        return Q(counter__isnull=False, counter__booth__isnull=True)
    return None


def _booth_q(model, booth_id: int) -> Q | None:
    """Rows of `model` in booth `booth_id` for an operational action, with what the
    mall's booths share; None when rows of `model` have no booth."""
    label = _label(model)
    if label == "catalog.counter":
        own = Q(booth_id=booth_id)
    elif label == "queueing.ticket":  # at a counter: the counter's; waiting: its service's
        own = Q(counter__isnull=True, offering__booth_id=booth_id) | Q(counter__booth_id=booth_id)
    else:
        path = booth_path(model)
        return Q(**{path: booth_id}) if path else None
    return own | _shared_q(model)


def _walk(obj, path: str):
    """The id at the end of a lookup path ("offering__booth") read from an instance."""
    *links, last = path.split("__")
    for link in links:
        obj = getattr(obj, link, None)
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    if last.endswith("_id"):
        return getattr(obj, last, None)
    return getattr(obj, f"{last}_id", None)


def place_of(obj) -> Place:
    """Where `obj` is, for an operational action."""
    if isinstance(obj, Place):
        return obj
    label = _label(type(obj))
    if label == "catalog.mall":
        return Place(obj.pk, SHARED)
    if label == "catalog.counter":
        return Place(obj.mall_id, obj.booth_id or SHARED)
    if label == "queueing.ticket" and obj.counter_id is not None:
        return place_of(obj.counter)
    path = mall_path(type(obj))
    if path is None:
        return Place(None, None)
    booth = booth_path(type(obj))
    return Place(_walk(obj, path), _walk(obj, booth) if booth else None)


# The rule ------------------------------------------------------------------------------


def allowed(user, action: str, obj=None) -> bool:
    """May `user` do `action` on `obj` (a row, a Mall, or a Place)? With obj=None: may
    they do it anywhere at all (the role's scope is not "none")?"""
    scope = scope_of(user, action)
    if scope == NONE:
        return False
    if obj is None or scope == NATIONAL:
        return True
    if scope == AGENCY:
        return access_clients.client_allowed(user, action, obj)
    if action in ACTIONS:  # the admin's: exactly the rows restrict() lets through
        model = type(obj)
        return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()
    where = place_of(obj)
    if where.mall_id is None or where.mall_id != user.mall_id:
        return False
    if scope == MALL:
        return True
    return where.booth_id == SHARED or (
        user.booth_id is not None and where.booth_id == user.booth_id
    )


def require(user, action: str, obj=None, message=None) -> None:
    """Refuse with core.errors.Forbidden (403 "forbidden") unless allowed."""
    if not allowed(user, action, obj):
        raise Forbidden(message or _("You may not do this here."), code="forbidden")


def require_page(user, action: str, obj=None, message=None) -> None:
    """Refuse with Django's PermissionDenied (the 403 page) unless allowed."""
    if not allowed(user, action, obj):
        raise PermissionDenied(message or _("You may not do this here."))


def restrict(queryset: models.QuerySet, user, action: str = VIEW) -> models.QuerySet:
    """Narrow `queryset` to the rows `user` may `action` (see RULES).

    The result is still a queryset, so callers can filter, order and count it further.
    """
    model = queryset.model
    path = mall_path(model)  # checked first, for every user
    scope = scope_of(user, action)
    if scope == NONE:
        return queryset.none()
    if scope == NATIONAL:
        return queryset
    if scope == AGENCY:
        return access_clients.client_restrict(queryset, user, action)
    if path is None:  # a national record: readable by every mall, written nationally
        return queryset if action == VIEW else queryset.none()
    rows = queryset.filter(**{path: user.mall_id})
    if action in (ADD, CHANGE, DELETE) and issubclass(model, User):
        return _staff_writable(rows, user)
    if scope == MALL:
        return rows
    if action in ACTIONS:  # the admin: the booth's own rows, nothing the mall shares
        booth = booth_path(model)
        if booth is None or user.booth_id is None:
            return rows.none()
        return rows.filter(**{booth: user.booth_id})
    where = _shared_q(model) if user.booth_id is None else _booth_q(model, user.booth_id)
    return rows.filter(where) if where is not None else rows.none()


def _staff_writable(rows: models.QuerySet, user) -> models.QuerySet:
    """Staff accounts a mall manager may change: the mall's supervisors and officers.

    Never a superuser, a national admin or another manager (nor the manager
    themselves), so nobody in a mall can raise anyone's privileges.
    """
    if role_of(user) != Role.MALL_MANAGER:
        return rows.none()
    return rows.filter(role__in=MANAGEABLE_ROLES, is_superuser=False)


def choices(queryset: models.QuerySet, user) -> models.QuerySet:
    """Narrow `queryset` to the rows `user` may link a record to (a form's choices).

    National records and the user's own mall: what they may see. Everything else in a
    mall: what they may change, so a supervisor's counter can only serve their own
    booth's offerings, and a manager can pick only the booths and staff of their mall.
    """
    path = mall_path(queryset.model)
    action = VIEW if path in (None, "pk") else CHANGE
    return restrict(queryset, user, action)


from mpp.accounts import access_clients  # noqa: E402  (it reads this module)
