"""The admin's read-only pages of the demand and of what the planner and the crew
produced: requests (the phone masked), plans with their visits and unserved requests,
field records with their photos' upload state, and sync conflicts.

Why read only: a request is filed and cancelled through outreach.demand, a plan is
made, re-planned and published on the plans pages, a record is frozen once uploaded (an
edit is a new version from the device) and a conflict is settled on the conflicts page
by choosing a version; changing any of them here would skip the service that keeps the
event log and the requesters' notices right. The manager looks them up here, in their
own mall only (see mpp.outreach.admin).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp.core.pii import phone_mask
from mpp.outreach.admin import OutreachAdmin, ReadOnlyInline
from mpp.outreach.models import (
    FieldAttachment,
    FieldRecord,
    Need,
    OutreachRequest,
    Plan,
    SyncConflict,
    Unserved,
    Visit,
)


@admin.register(OutreachRequest)
class OutreachRequestAdmin(OutreachAdmin):
    read_only = True
    list_display = [
        "code",
        "village",
        "people",
        "home_visit",
        "status",
        "source",
        "phone_shown",
        "created_at",
        "mall",
    ]
    list_filter = ["status", "home_visit", "source", "mall"]
    list_select_related = ["village", "mall"]
    date_hierarchy = "created_at"
    fields = [
        "code",
        "mall",
        "village",
        "services_shown",
        "people",
        "home_visit",
        "needs_shown",
        "contact_name",
        "phone_shown",
        "address",
        "lat",
        "lon",
        "source",
        "status",
        "filed_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("contact phone"))
    def phone_shown(self, obj):
        return phone_mask(obj.contact_phone) if obj.contact_phone else "-"

    @admin.display(description=_("services"))
    def services_shown(self, obj):
        return ", ".join(s.name for s in obj.services.order_by("name")) or "-"

    @admin.display(description=_("why they cannot travel"))
    def needs_shown(self, obj):
        labels = dict(Need.choices)
        return ", ".join(str(labels.get(n, n)) for n in obj.needs or ()) or "-"


class VisitInline(ReadOnlyInline):
    model = Visit
    fields = [
        "date",
        "vehicle",
        "order",
        "kind",
        "village",
        "start",
        "end",
        "people",
        "services_shown",
        "pinned",
    ]
    verbose_name_plural = _("visits")

    @admin.display(description=_("services"))
    def services_shown(self, visit):
        return ", ".join(sorted(s.code for s in visit.services.all())) or "-"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.select_related("vehicle", "village").prefetch_related("services")


class UnservedInline(ReadOnlyInline):
    model = Unserved
    fields = ["request", "village", "people", "reason"]
    verbose_name = _("request left unserved")
    verbose_name_plural = _("requests left unserved, and why")

    @admin.display(description=_("village"))
    def village(self, row):
        return row.request.village

    @admin.display(description=_("number of people"))
    def people(self, row):
        return row.request.people

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("request__village")


@admin.register(Plan)
class PlanAdmin(OutreachAdmin):
    read_only = True
    list_display = [
        "starts_on",
        "ends_on",
        "status",
        "visit_count",
        "unserved_count",
        "created_at",
        "published_at",
        "mall",
    ]
    list_filter = ["status", "mall"]
    list_select_related = ["mall"]
    date_hierarchy = "starts_on"
    fields = [
        "mall",
        "starts_on",
        "ends_on",
        "status",
        "created_by",
        "created_at",
        "published_at",
        "stats",
    ]
    readonly_fields = fields
    inlines = [VisitInline, UnservedInline]

    @admin.display(description=_("visits"))
    def visit_count(self, plan):
        return plan.visits.count()

    @admin.display(description=_("unserved"))
    def unserved_count(self, plan):
        return plan.unserved.count()


class FieldAttachmentInline(ReadOnlyInline):
    model = FieldAttachment
    fields = ["id", "content_type", "size", "received", "complete", "sha256", "created_at"]
    verbose_name = _("photo or document")
    verbose_name_plural = _("photos and documents (upload state)")


@admin.register(FieldRecord)
class FieldRecordAdmin(OutreachAdmin):
    read_only = True
    list_display = [
        "id",
        "kind",
        "status",
        "vehicle",
        "visit",
        "recorded_by",
        "recorded_at",
        "received_at",
        "mall",
    ]
    list_filter = ["kind", "status", "vehicle", "mall"]
    list_select_related = ["vehicle", "visit", "recorded_by", "mall"]
    date_hierarchy = "received_at"
    fields = [
        "id",
        "previous",
        "root_id",
        "kind",
        "status",
        "mall",
        "vehicle",
        "visit",
        "device_id",
        "recorded_by",
        "recorded_at",
        "received_at",
        "payload",
        "digest",
        "attachments_expected",
    ]
    readonly_fields = fields
    inlines = [FieldAttachmentInline]


@admin.register(SyncConflict)
class SyncConflictAdmin(OutreachAdmin):
    """Conflicts are settled on /staff/outreach/conflicts/ (both versions side by side)."""

    read_only = True
    list_display = ["id", "kind", "record", "other", "created_at", "resolved_at", "mall"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "mall"]
    list_select_related = ["mall"]
    fields = [
        "kind",
        "mall",
        "record",
        "other",
        "payload",
        "device_id",
        "created_at",
        "resolved_by",
        "resolved_at",
        "chosen",
    ]
    readonly_fields = fields
