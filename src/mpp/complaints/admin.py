"""Admin for complaints: read only, narrowed like the complaint pages.

Why: national admins and mall managers sometimes need to look a complaint up in the
admin; its handling happens on the complaint pages (complaints.services), so nothing
here changes one. Rows follow complaints.selectors.complaints_for (a booth supervisor
sees only their booth's), and the reporter's contact details are not shown. There is no
search by tracking code: the admin's search goes into the URL (?q=), and so into logs;
the code is the citizen's key (the tracking page takes it by POST).
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
    date_hierarchy = "received_at"
    fields = [
        "code",
        "mall",
        "booth",
        "about_booth",
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
        return complaints_for(request.user).select_related("mall", "booth", "about_booth")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
