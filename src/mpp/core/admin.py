"""Admin for regions (national, read-only) and the audit trail (scoped to a mall's staff)."""

from django.contrib import admin

from mpp.accounts.admin import MallScopedAdmin
from mpp.core.models import Event, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "name", "level", "kind", "parent"]

    def has_add_permission(self, request):
        return False


@admin.register(Event)
class EventAdmin(MallScopedAdmin):
    """The audit trail, read only; a mall manager sees their mall's events."""

    list_display = ["id", "occurred_at", "kind", "mall_id", "subject_type", "subject_id", "actor"]
    list_filter = ["kind"]
    search_fields = ["subject_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
