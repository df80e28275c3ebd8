"""Admin for online booking: policies and closed days are set up here; slots and bookings
are only looked at.

Why: a mall manager decides per service whether and how it is booked online (window,
slot length, capacity split, check-in window) and which extra days the mall is
closed. Slot counts and bookings change only through mpp.bookings.services (the
conditional seat UPDATE, the state checks, the events), so they are read-only here,
and a booking shows its NIK, phone number and e-mail masked. Every page is scoped by
mpp.accounts.access: a manager sees their mall, a supervisor edits their booth's
policies.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp.accounts.admin import MallScopedAdmin
from mpp.bookings.models import Booking, BookingPolicy, ClosedDay, Slot
from mpp.core.pii import email_mask, phone_mask


class ReadOnlyMixin:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BookingPolicy)
class BookingPolicyAdmin(MallScopedAdmin):
    list_display = [
        "offering",
        "is_enabled",
        "window_days",
        "window_opens_at",
        "slot_minutes",
        "online_per_slot",
        "walkin_per_slot",
        "priority_per_slot",
        "mall",
    ]
    list_filter = ["is_enabled", ("offering__mall", admin.RelatedOnlyFieldListFilter)]
    national_list_display = ("mall",)
    national_list_filter = (("offering__mall", admin.RelatedOnlyFieldListFilter),)
    search_fields = ["offering__service__name", "offering__service__code"]
    list_select_related = ["offering__service", "offering__booth", "offering__mall"]
    autocomplete_fields = ["offering"]
    fieldsets = [
        (None, {"fields": ["offering", "is_enabled"]}),
        (_("booking window"), {"fields": ["window_days", "window_opens_at"]}),
        (
            _("slots and places"),
            {"fields": ["slot_minutes", "online_per_slot", "walkin_per_slot", "priority_per_slot"]},
        ),
        (
            _("check-in"),
            {"fields": ["checkin_early_minutes", "grace_minutes", "reschedule_limit"]},
        ),
    ]
    # A supervisor tunes their booth's policies but does not move one to another service.
    supervisor_readonly_fields = ("offering",)

    @admin.display(description=_("mall"), ordering="offering__mall__name")
    def mall(self, policy: BookingPolicy):
        return policy.offering.mall


@admin.register(ClosedDay)
class ClosedDayAdmin(MallScopedAdmin):
    list_display = ["date", "reason", "mall"]
    list_filter = ["mall"]
    date_hierarchy = "date"
    search_fields = ["reason"]
    autocomplete_fields = ["mall"]
    ordering = ["-date"]


@admin.register(Slot)
class SlotAdmin(ReadOnlyMixin, MallScopedAdmin):
    list_display = [
        "date",
        "label",
        "service",
        "online_booked",
        "online_capacity",
        "walkin_capacity",
        "priority_capacity",
        "mall",
    ]
    list_filter = [("offering__booth", admin.RelatedOnlyFieldListFilter), "offering__mall"]
    national_list_filter = ("offering__mall",)
    date_hierarchy = "date"
    search_fields = ["offering__service__name", "offering__service__code"]
    list_select_related = ["offering__service", "offering__mall"]
    ordering = ["-date", "starts_at"]
    fields = [
        "offering",
        "date",
        "starts_at",
        "ends_at",
        "online_capacity",
        "online_booked",
        "walkin_capacity",
        "priority_capacity",
    ]
    readonly_fields = fields

    @admin.display(description=_("time"), ordering="starts_at")
    def label(self, slot: Slot):
        return slot.label

    @admin.display(description=_("service"), ordering="offering__service__name")
    def service(self, slot: Slot):
        return slot.offering.service.name

    @admin.display(description=_("mall"), ordering="offering__mall__name")
    def mall(self, slot: Slot):
        return slot.offering.mall


@admin.register(Booking)
class BookingAdmin(ReadOnlyMixin, MallScopedAdmin):
    list_display = [
        "date",
        "time",
        "code",
        "service",
        "status",
        "name",
        "nik_masked",
        "phone_masked",
        "channel",
        "mall",
    ]
    list_filter = [
        "status",
        "channel",
        ("offering__booth", admin.RelatedOnlyFieldListFilter),
        "mall",
    ]
    date_hierarchy = "date"
    search_fields = ["code"]  # never by NIK or phone: those are not stored in clear
    list_select_related = ["mall", "service", "slot"]
    ordering = ["-date", "slot__starts_at"]
    fields = [
        "code",
        "mall",
        "service",
        "date",
        "time",
        "status",
        "name",
        "nik_masked",
        "phone_masked",
        "email_masked",
        "channel",
        "reschedule_count",
        "ticket",
        "created_at",
        "checked_in_at",
        "checked_in_by",
        "cancelled_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("time"), ordering="slot__starts_at")
    def time(self, booking: Booking):
        return booking.slot.label

    @admin.display(description=_("mobile number"))
    def phone_masked(self, booking: Booking):
        return phone_mask(booking.phone)

    @admin.display(description=_("e-mail"))
    def email_masked(self, booking: Booking):
        return email_mask(booking.email) if booking.email else ""
