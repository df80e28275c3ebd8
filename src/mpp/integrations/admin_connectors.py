"""Read-only admin of what connectors did: records pushed to agency systems, NIK checks.

Why: when an agency says it never received an application, or the register seems to
refuse residents, staff must see what MPP sent and when, and the last error, without a
database console. Nothing here is editable: the worker writes these rows. National
admins see every mall's; a mall manager their mall's (mpp.accounts.access).
"""

from django.contrib import admin

from mpp.accounts import access
from mpp.accounts.models import Role
from mpp.integrations.models import ExternalRecord, NikCheck


class _ReadOnlyScoped(admin.ModelAdmin):
    def _sees(self, request) -> bool:
        user = request.user
        if access.is_national(user):
            return True
        return access.role_of(user) == Role.MALL_MANAGER and user.mall_id is not None

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if access.is_national(request.user):
            return rows
        return rows.filter(mall_id=request.user.mall_id) if self._sees(request) else rows.none()

    def has_module_permission(self, request):
        return self._sees(request)

    def has_view_permission(self, request, obj=None):
        return self._sees(request) and (
            obj is None or access.is_national(request.user) or obj.mall_id == request.user.mall_id
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExternalRecord)
class ExternalRecordAdmin(_ReadOnlyScoped):
    list_display = (
        "connector",
        "subject_type",
        "subject_id",
        "external_id",
        "external_status",
        "pushed_at",
        "pulled_at",
        "attempts",
        "last_error",
    )
    list_filter = ("connector", "subject_type")
    search_fields = ("subject_id", "external_id")


@admin.register(NikCheck)
class NikCheckAdmin(_ReadOnlyScoped):
    list_display = ("checked_at", "purpose", "connector", "outcome", "latency_ms", "mall")
    list_filter = ("outcome", "purpose", "connector")
    exclude = ("nik_digest",)
