from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from mpp.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "mall", "booth", "is_active"]
    list_filter = ["role", "mall", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("MPP role"), {"fields": ("role", "mall", "booth")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("MPP role"), {"fields": ("role", "mall", "booth")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    list_filter = ["revoked"]
