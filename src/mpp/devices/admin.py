"""Registering and revoking kiosks and display boards in the admin, scoped to a mall.

A new device's credential is shown once, on the page right after "Save" (never stored,
never put in a message or the session). Devices are never deleted, only revoked, and a
revoked device stays revoked (register a new one instead).
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.admin import MallScopedAdmin, shown_once_page
from mpp.devices.models import Device
from mpp.devices.services import device_register, device_revoke

_CREDENTIAL = "_mpp_device_credential"


@admin.register(Device)
class DeviceAdmin(MallScopedAdmin):
    list_display = ["name", "kind", "mall", "prefix", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["kind", "mall", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["mall"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["mall", "kind", "name"]
        return ["mall", "kind", "name", "prefix", "created_at", "last_seen_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["mall", "kind", "prefix", "created_at", "last_seen_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the event log keeps referring to the device

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_revoked:
            return False  # a revoked device is history
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        mall = obj.mall if access.is_national(request.user) else request.user.mall
        device, raw = device_register(
            mall=mall, kind=obj.kind, name=obj.name, actor_id=request.user.pk
        )
        obj.__dict__.update({k: v for k, v in device.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._state.db = device._state.db
        setattr(request, _CREDENTIAL, raw)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, _CREDENTIAL, None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return shown_once_page(
            self,
            request,
            "devices/admin_created.html",
            title=gettext("Device registered"),
            device=obj,
            credential=raw,
            enrol_url=request.build_absolute_uri(reverse("device-enrol")),
            list_url=reverse("admin:devices_device_changelist"),
        )

    @admin.action(description=_("Revoke the selected devices (for good)"))
    def revoke(self, request, queryset):
        writable = access.restrict(queryset, request.user, access.CHANGE)
        done = 0
        for device in writable.filter(revoked_at__isnull=True):
            device_revoke(device_id=device.pk, actor_id=request.user.pk)
            done += 1
        self.message_user(
            request,
            gettext("Devices revoked: %(n)d.") % {"n": done},
            messages.SUCCESS,
        )
