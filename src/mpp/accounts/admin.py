"""Admin for staff and tokens, and the mall scoping every MPP admin page uses.

Why: mall managers set up their own mall in the admin and must touch nothing of another
mall. `MallScopedAdmin` and `MallScopedInline` apply mpp.accounts.access.restrict to a
page's rows, its form choices and its permissions, so each admin class only declares
which of its fields are national or read-only for a supervisor. Model permissions come
from the role groups (mpp.accounts.services.staff_sync_permissions).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.audit import AdminAuditMixin
from mpp.accounts.models import ApiToken, Role, User
from mpp.accounts.services import staff_sync_permissions, token_revoke


def _scoped_choices(model_admin, db_field, request, kwargs) -> dict:
    """Form-field kwargs that limit a relation's choices to what the user may link to."""
    user = request.user
    remote = db_field.related_model
    if "queryset" in kwargs or access.is_national(user) or not hasattr(remote, "mall_path"):
        return kwargs
    using = kwargs.get("using")
    queryset = model_admin.get_field_queryset(using, db_field, request)
    if queryset is None:
        queryset = remote._default_manager.using(using).all()
    kwargs["queryset"] = access.choices(queryset, user)
    if access.mall_path(remote) == "pk":  # the mall itself: theirs, preselected, required
        kwargs.update(initial=user.mall_id, empty_label=None, required=True)
    return kwargs


def shown_once_page(model_admin, request, template: str, **context):
    """The admin page that shows a new secret (a device's credential, an API client's
    key, a webhook signing secret) once: rendered in the answer itself, never stored,
    never in a message or the session, and never cached (Cache-Control: no-store)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        **context,
    }
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


class MallScopedAdmin(AdminAuditMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and permissions follow mpp.accounts.access.

    Outside the user's view scope a row is a 404; inside it but outside the change
    scope, a read-only page. New rows of mall staff get the staff member's mall. Every
    add, change and delete is written to the event log (mpp.accounts.audit).
    """

    # Registry facts only national admins edit; read-only for mall staff.
    national_fields: tuple[str, ...] = ()
    # Fields a booth supervisor sees but does not edit.
    supervisor_readonly_fields: tuple[str, ...] = ()
    # List columns and filters that only make sense across malls.
    national_list_display: tuple[str, ...] = ("mall",)
    national_list_filter: tuple = ("mall",)

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, access.VIEW)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:  # missing, or another mall's: the same answer for both
            raise Http404(gettext("No such record, or not yours to see."))
        return obj

    def _may(self, request, obj, action: str, granted: bool) -> bool:
        if not granted or not access.may_use_admin(request.user):
            return False
        return obj is None or access.allowed(request.user, action, obj)

    def has_module_permission(self, request):
        return access.may_use_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj, access.VIEW, super().has_view_permission(request, obj))

    def has_add_permission(self, request):
        return access.may_use_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        granted = super().has_change_permission(request, obj)
        return self._may(request, obj, access.CHANGE, granted)

    def has_delete_permission(self, request, obj=None):
        granted = super().has_delete_permission(request, obj)
        return self._may(request, obj, access.DELETE, granted)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, access.restrict(queryset, request.user, access.DELETE))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        user = request.user
        if not access.is_national(user):
            fields += [f for f in self.national_fields if f not in fields]
            if user.role == Role.BOOTH_SUPERVISOR:
                fields += [f for f in self.supervisor_readonly_fields if f not in fields]
        return fields

    def get_autocomplete_fields(self, request):
        """Mall staff pick their mall's rows from a plain list: it is short, and the
        form validates against exactly what it shows."""
        fields = super().get_autocomplete_fields(request)
        if access.is_national(request.user):
            return fields
        remote = {name: self.model._meta.get_field(name).related_model for name in fields}
        return [name for name in fields if getattr(remote[name], "mall_path", None) is None]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if access.is_national(request.user):
            return shown
        return [name for name in shown if name not in self.national_list_display]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if access.is_national(request.user):
            return filters
        return [f for f in filters if f not in self.national_list_filter]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_choices(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = _scoped_choices(self, db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        user = request.user
        if not change and not access.is_national(user) and access.mall_path(type(obj)) == "mall":
            obj.mall_id = user.mall_id  # mall staff create rows in their own mall only
        super().save_model(request, obj, form, change)


class MallScopedInline:
    """Inline rows of a scoped parent: editable only where the parent is, with scoped
    choices. Mix in before admin.TabularInline / admin.StackedInline."""

    def _parent_may_change(self, request, obj) -> bool:
        if not access.may_use_admin(request.user):
            return False
        return obj is None or access.allowed(request.user, access.CHANGE, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._parent_may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        granted = super().has_change_permission(request, obj)
        return granted and self._parent_may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        granted = super().has_delete_permission(request, obj)
        return granted and self._parent_may_change(request, obj)

    def has_view_permission(self, request, obj=None):
        granted = super().has_view_permission(request, obj)
        return granted and access.may_use_admin(request.user)

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, access.VIEW)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_choices(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _StaffChecks:
    """A staff account's role, mall and booth must fit together."""

    def clean(self):
        cleaned = super().clean()
        instance = self.instance

        def value(name):
            return cleaned.get(name) if name in self.fields else getattr(instance, name)

        def error(name, message):  # on the field when the form shows it
            self.add_error(name if name in self.fields else None, message)

        role, mall, booth = value("role"), value("mall"), value("booth")
        if value("is_superuser") or role == Role.NATIONAL_ADMIN:
            return cleaned
        if mall is None:
            error("mall", _("Mall staff need a mall."))
        elif booth is not None and booth.mall_id != mall.pk:
            error("booth", _("The booth belongs to another mall."))
        if role == Role.BOOTH_SUPERVISOR and booth is None:
            error("booth", _("A booth supervisor needs their booth."))
        return cleaned


class StaffCreationForm(_StaffChecks, AdminUserCreationForm):
    pass


class StaffChangeForm(_StaffChecks, UserChangeForm):
    pass


_MPP_ROLE = (_("MPP role"), {"fields": ("role", "mall", "booth")})
_PERSONAL = (_("Personal info"), {"fields": ("first_name", "last_name", "email")})


@admin.register(User)
class UserAdmin(MallScopedAdmin, BaseUserAdmin):
    """Staff accounts. Superusers see Django's full form; a national admin everything
    but superuser status and single permissions; a mall manager only the mall's
    supervisors and officers, with the role limited to those two. is_staff and the role
    groups follow the role (staff_sync_permissions) and are never typed in."""

    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ["username", "first_name", "last_name", "role", "mall", "booth", "is_active"]
    list_filter = ["role", "mall", "is_active"]
    list_select_related = ["mall", "booth"]
    fieldsets = BaseUserAdmin.fieldsets + (_MPP_ROLE,)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (_PERSONAL, _MPP_ROLE)
    national_fieldsets = (
        (None, {"fields": ("username", "password")}),
        _PERSONAL,
        (_("Permissions"), {"fields": ("is_active", "is_staff", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        _MPP_ROLE,
    )
    mall_fieldsets = (
        (None, {"fields": ("username", "password")}),
        _PERSONAL,
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
        _MPP_ROLE,
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if access.is_national(request.user):
            return self.national_fieldsets
        return self.mall_fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj) + ["is_staff"]
        if not request.user.is_superuser:
            fields += ["last_login", "date_joined"]
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not access.is_national(request.user):
            kwargs["choices"] = [(r.value, r.label) for r in access.MANAGEABLE_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff_sync_permissions(user=form.instance, actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(MallScopedAdmin):
    """Tokens are made with `mpp token` (shown once); here they are listed and revoked.
    A revoked token stays revoked: its checkbox is read-only (and the model refuses)."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at"]
    list_filter = ["revoked"]
    list_select_related = ["user"]
    fields = ["prefix", "user", "name", "revoked", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.revoked and "revoked" not in fields:
            fields = [*fields, "revoked"]
        return fields

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        done = 0
        for token in access.restrict(queryset, request.user, access.CHANGE):
            done += token_revoke(token=token, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", done) % {"n": done},
            messages.SUCCESS,
        )
