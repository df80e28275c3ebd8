"""Admin for complaints: read only, narrowed like the complaint pages.

Why: national admins and mall managers sometimes need to look a complaint up in the
admin; its handling happens on the complaint pages (complaints.services), so nothing
here changes one. Rows follow complaints.selectors.complaints_for (a booth supervisor
sees only their booth's), and the reporter's contact details are not shown.
"""

from django.contrib import admin

from mpp.complaints.models import Complaint, ComplaintAction
from mpp.complaints.selectors import complaints_for


class ComplaintActionInline(admin.TabularInline):
    model = ComplaintAction
    extra = 0
    can_delete = False
    fields = ["at", "kind", "from_status", "to_status", "booth", "actor", "public_message"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["code", "received_at", "mall", "booth", "category", "status", "channel"]
    list_filter = ["status", "category", "channel", "track"]
    search_fields = ["code"]
    date_hierarchy = "received_at"
    fields = [
        "code",
        "mall",
        "booth",
        "service",
        "category",
        "channel",
        "track",
        "status",
        "rejection_reason",
        "description",
        "incident_date",
        "anonymous",
        "ticket_ref",
        "booking_ref",
        "received_at",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "answered_at",
        "closed_at",
    ]
    readonly_fields = fields
    inlines = [ComplaintActionInline]

    def get_queryset(self, request):
        return complaints_for(request.user).select_related("mall", "booth")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
