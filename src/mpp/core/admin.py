from django.contrib import admin

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
class EventAdmin(admin.ModelAdmin):
    """The audit trail, read only."""

    list_display = ["id", "occurred_at", "kind", "mall_id", "subject_type", "subject_id", "actor"]
    list_filter = ["kind"]
    search_fields = ["subject_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
