"""Writes for staff accounts, their admin permissions, and tokens."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from mpp.accounts.models import ApiToken, Role, User
from mpp.core.errors import NotFound
from mpp.core.events import event_record

ALL = ("add", "change", "delete", "view")

# The Django groups behind the roles. Their permissions are declared here and reset on
# every `migrate`, so they follow the code; which rows a permission reaches is decided
# by mpp.accounts.access.restrict. Registry facts (Agency, Service) are national.
GROUP_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Mall manager": {
        "catalog.mall": ("view", "change"),
        "catalog.openinghours": ALL,
        "catalog.agency": ("view",),
        "catalog.service": ("view",),
        "catalog.booth": ALL,
        "catalog.offering": ALL,
        "catalog.counter": ALL,
        "queueing.ticket": ("view",),
        "bookings.bookingpolicy": ALL,
        "bookings.closedday": ALL,
        "bookings.slot": ("view",),
        "bookings.booking": ("view",),
        "accounts.user": ("add", "change", "view"),  # deactivate staff, never delete them
        "accounts.apitoken": ("view", "change"),  # revoke a lost device's token
        "devices.device": ("add", "view", "change"),  # register and revoke kiosks, boards
        "core.event": ("view",),
        "complaints.complaint": ("view",),  # handled on the complaint pages, not the admin
        "complaints.complaintaction": ("view",),
        "surveys.surveyinvitation": ("view",),
        "surveys.surveyresponse": ("view",),  # read only: answers are never edited
        "consultation.topic": ("view",),  # changed on /m/<mall>/konsultasi/kelola/
        "consultation.comment": ("view",),
        "cases.casetype": ALL,  # what an online application asks (mpp.cases.admin)
        "cases.casefield": ALL,
        "cases.documentrequirement": ALL,
        "cases.case": ("view",),  # handled on the officers' pages, not the admin
        "cases.caseevent": ("view",),
        "cases.casedocument": ("view",),
    },
    "Booth supervisor": {
        "catalog.mall": ("view",),
        "catalog.openinghours": ("view",),
        "catalog.agency": ("view",),
        "catalog.service": ("view",),
        "catalog.booth": ("view", "change"),
        "catalog.offering": ALL,
        "catalog.counter": ("view", "change"),
        "queueing.ticket": ("view",),
        "bookings.bookingpolicy": ("view", "change"),
        "bookings.closedday": ("view",),
        "bookings.slot": ("view",),
        "bookings.booking": ("view",),
        "accounts.user": ("view",),
        "complaints.complaint": ("view",),
        "complaints.complaintaction": ("view",),
        "surveys.surveyresponse": ("view",),
        "cases.casetype": ALL,  # their booth's application types
        "cases.casefield": ALL,
        "cases.documentrequirement": ALL,
        "cases.case": ("view",),
        "cases.caseevent": ("view",),
        "cases.casedocument": ("view",),
    },
}
# A national admin who is not a superuser may do anything in the MPP apps.
NATIONAL_APPS = (
    "core",
    "accounts",
    "catalog",
    "queueing",
    "bookings",
    "notifications",
    "surveys",
    "complaints",
    "consultation",
    "devices",
    "cases",
)
ROLE_GROUPS = {
    Role.NATIONAL_ADMIN: "National admin",
    Role.MALL_MANAGER: "Mall manager",
    Role.BOOTH_SUPERVISOR: "Booth supervisor",
}


def _group_permissions(name: str, using: str):
    perms = Permission.objects.using(using)
    if name == ROLE_GROUPS[Role.NATIONAL_ADMIN]:
        return perms.filter(content_type__app_label__in=NATIONAL_APPS)
    wanted = Q(pk__in=[])
    for label, actions in GROUP_PERMISSIONS[name].items():
        app_label, model = label.split(".")
        wanted |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return perms.filter(wanted)


def staff_groups_ensure(*, using: str = "default") -> dict[str, Group]:
    """Create the role groups and (re)set their permissions to the declared ones.

    Run after every `migrate` (see AccountsConfig.ready). Permissions that do not
    exist yet are skipped; a later run adds them.
    """
    groups = {}
    with transaction.atomic(using=using):
        for name in ROLE_GROUPS.values():
            group, _ = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(_group_permissions(name, using))
            groups[name] = group
    return groups


def _admin_eligible(user: User) -> bool:
    if user.role == Role.NATIONAL_ADMIN:
        return True
    return user.role in (Role.MALL_MANAGER, Role.BOOTH_SUPERVISOR) and user.mall_id is not None


@transaction.atomic
def staff_sync_permissions(*, user: User, actor: User | None = None) -> bool:
    """Put a staff member in the group of their role and set is_staff to match.

    National admins, and mall managers and booth supervisors with a mall, use the
    admin; officers do not. A superuser keeps is_staff whatever their role. Groups
    other than the role groups are left alone. Returns whether anything changed (and
    then records a `staff.access_synced` event).
    """
    if user.pk is None:
        raise ValueError("save the user before syncing their permissions")
    eligible = _admin_eligible(user)
    wanted = ROLE_GROUPS.get(user.role) if eligible else None
    role_groups = user.groups.filter(name__in=ROLE_GROUPS.values())
    current = set(role_groups.values_list("name", flat=True))
    changed = False
    if current - {wanted}:
        user.groups.remove(*role_groups.exclude(name=wanted))
        changed = True
    if wanted and wanted not in current:
        group = Group.objects.filter(name=wanted).first() or staff_groups_ensure()[wanted]
        user.groups.add(group)
        changed = True
    is_staff = user.is_superuser or eligible
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        changed = True
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)  # the backend caches permissions per instance
    if changed:
        event_record(
            kind="staff.access_synced",
            subject_type="user",
            subject_id=user.pk,
            mall_id=user.mall_id,
            actor_id=actor.pk if actor else None,
            data={"role": user.role, "is_staff": is_staff, "group": wanted or ""},
        )
    return changed


@transaction.atomic
def token_create(*, username: str, name: str = "") -> str:
    """Create an API token for a staff member and return it (only this once)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(gettext("No active user named %(name)s.") % {"name": repr(username)})
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw), prefix=raw[:8])
    return raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None = None) -> bool:
    """Revoke an API token for good (a revoked token is never enabled again). Returns
    whether it was active; records a `token.revoked` event then."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked=False).update(revoked=True)
    token.revoked = True
    if updated:
        event_record(
            kind="token.revoked",
            subject_type="api_token",
            subject_id=token.pk,
            mall_id=token.user.mall_id,
            actor_id=actor.pk if actor else None,
            data={"prefix": token.prefix},
        )
    return bool(updated)
