"""Where a village agent may file mobile-service demand.

Why: a village head or social worker (Role.VILLAGE_AGENT) speaks for the villages of
their own region only (User.region: a kecamatan or one desa/kelurahan), at their own
mall. The access table (accounts.access, "outreach.request") gives agents the mall
scope; this narrows it to their region. Everyone else holding "outreach.request" files
for any village of the mall's kabupaten/kota (the service checks that part).
"""

from __future__ import annotations

from mpp.accounts import access
from mpp.accounts.models import Role
from mpp.core.models import Region

ACTION = "outreach.request"


def is_agent(user) -> bool:
    """Is `user` a signed-in village agent (and not a national admin or superuser)?"""
    return access.role_of(user) == Role.VILLAGE_AGENT


def may_file_for(user, village: Region) -> bool:
    """May `user` file demand for `village` (a Region of level 4)?

    Staff with "outreach.request": at their mall (the service checks the village lies in
    the mall's kabupaten/kota). A village agent: only for a village whose code starts
    with their region's code, and only with a region set."""
    if not access.allowed(user, ACTION):
        return False
    if village is None or village.level != Region.Level.VILLAGE:
        return False
    if not is_agent(user):
        return True
    region_code = getattr(user, "region_id", None)
    if not region_code:
        return False
    return village.code == region_code or village.code.startswith(region_code + ".")


def villages_for(user, queryset):
    """Narrow a queryset of village Regions to those `user` may file for (agents: their
    region's; others: unchanged)."""
    if not is_agent(user):
        return queryset
    region_code = getattr(user, "region_id", None)
    if not region_code:
        return queryset.none()
    from django.db.models import Q

    return queryset.filter(Q(code=region_code) | Q(code__startswith=region_code + "."))
