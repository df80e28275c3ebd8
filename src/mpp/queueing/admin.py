"""A read-only admin list of tickets, for looking back at a day's queue.

Why: managers and supervisors want to find a ticket (by number, service, counter) and
see its times; national admins across malls. Nobody adds, changes or deletes a ticket
here: every state change goes through mpp.queueing.services, which checks the current
state and records an event. Rows are scoped by mpp.accounts.access.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp.accounts.admin import MallScopedAdmin
from mpp.queueing.models import Ticket


@admin.register(Ticket)
class TicketAdmin(MallScopedAdmin):
    list_display = [
        "service_date",
        "number",
        "service",
        "status",
        "priority",
        "counter",
        "issued_at",
        "called_at",
        "started_at",
        "finished_at",
        "mall",
    ]
    list_filter = [
        "status",
        "priority",
        "source",
        ("offering__booth", admin.RelatedOnlyFieldListFilter),
        ("counter", admin.RelatedOnlyFieldListFilter),
        "mall",
    ]
    date_hierarchy = "service_date"
    search_fields = ["number"]
    list_select_related = ["mall", "offering__service", "counter"]
    ordering = ["-service_date", "-queued_at"]
    fields = [
        "mall",
        "number",
        "offering",
        "service_date",
        "priority",
        "source",
        "status",
        "counter",
        "officer",
        "issued_at",
        "queued_at",
        "called_at",
        "started_at",
        "finished_at",
        "recall_count",
        "transfer_count",
    ]
    readonly_fields = fields

    @admin.display(description=_("service"), ordering="offering__service__name")
    def service(self, ticket: Ticket):
        return ticket.offering.service.name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
