"""The admin of API clients: create one, give it keys, rotate them, revoke it for good.

Who: national admins manage every client; a mall manager the clients whose malls are
all their own mall, and creates clients for that mall only; booth staff and officers
none (selectors.clients_visible). A key is shown once, on the page that answers the
"Save" or the action that made it (never stored, never put in a message or the
session, Cache-Control: no-store), like a device's credential (mpp.devices.admin).
Keys are listed read-only under their client. Clients are never deleted, only revoked,
and a revoked client is history (read-only).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.admin import MallScopedAdmin, shown_once_page
from mpp.accounts.models import Role
from mpp.catalog.models import Mall
from mpp.integrations.clients import (
    DEFAULT_OVERLAP,
    MAX_RATE_LIMIT,
    client_create,
    client_key_create,
    client_key_rotate,
    client_revoke,
    operations_all,
)
from mpp.integrations.models import ApiClient, ApiClientKey
from mpp.integrations.selectors import client_visible, clients_visible

_NEW_KEYS = "_mpp_new_client_keys"


def _manages_clients(user) -> bool:
    """National admins, and mall managers with a mall."""
    if access.is_national(user):
        return True
    return access.role_of(user) == Role.MALL_MANAGER and user.mall_id is not None


def _operation_choices():
    return [(name, name) for name in operations_all()]


class ApiClientForm(forms.ModelForm):
    operations = forms.MultipleChoiceField(
        label=_("operations"),
        choices=_operation_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the client may do, at its agency's booths in its malls only."),
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("requests per minute"),
        initial=600,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RATE_LIMIT)],
    )
    key_expires_at = forms.SplitDateTimeField(
        label=_("first key expires at"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Empty: the key does not expire (rotate it now and then)."),
    )

    class Meta:
        model = ApiClient
        fields = ["name", "agency", "malls", "operations", "contact_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "operations" in self.fields:
            self.fields["operations"].initial = operations_all()

    def clean_key_expires_at(self):
        value = self.cleaned_data.get("key_expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(gettext("A key cannot expire in the past."))
        return value


class ApiClientKeyInline(admin.TabularInline):
    """The client's keys, read-only: prefix, dates, whether it still works."""

    model = ApiClientKey
    fields = ["prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "state"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("key")
    verbose_name_plural = _("keys (only their prefix is kept)")

    @admin.display(description=_("state"))
    def state(self, key):
        if key.revoked_at is not None:
            return gettext("revoked")
        if key.expires_at is not None and key.expires_at <= timezone.now():
            return gettext("expired")
        return gettext("valid")

    def has_view_permission(self, request, obj=None):
        return _manages_clients(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(MallScopedAdmin):
    form = ApiClientForm
    inlines = [ApiClientKeyInline]
    list_display = [
        "name",
        "agency",
        "malls_shown",
        "contact_email",
        "created_at",
        "last_used_at",
        "state",
    ]
    list_filter = ["agency", ("revoked_at", admin.EmptyFieldListFilter), "malls"]
    national_list_display = ("malls_shown",)
    national_list_filter = ("malls",)
    list_select_related = ["agency"]
    search_fields = ["name", "agency__code", "agency__name", "contact_email"]
    actions = ["create_key", "rotate_keys", "revoke_clients"]

    _add_fields = [
        "name",
        "agency",
        "malls",
        "operations",
        "contact_email",
        "rate_limit_per_minute",
        "key_expires_at",
    ]
    _change_fields = [
        "name",
        "agency",
        "malls",
        "operations",
        "contact_email",
        "rate_limit_per_minute",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]

    # Who sees what -----------------------------------------------------------------------

    def get_queryset(self, request):
        # Not access.restrict: a manager sees only clients whose malls are ALL theirs.
        rows = super(MallScopedAdmin, self).get_queryset(request)
        return rows.filter(pk__in=clients_visible(request.user).values("pk")).prefetch_related(
            "malls"
        )

    def has_module_permission(self, request):
        return _manages_clients(request.user)

    def has_view_permission(self, request, obj=None):
        if not _manages_clients(request.user):
            return False
        return obj is None or client_visible(request.user, obj)

    def has_add_permission(self, request):
        return _manages_clients(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.revoked_at is not None:
            return False  # a revoked client is history
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the event log and deliveries keep referring to it

    # The form ------------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        return list(self._add_fields if obj is None else self._change_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = ["agency", "created_at", "created_by", "last_used_at", "revoked_at"]
        if not access.is_national(request.user):
            fields.append("malls")
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "malls" and not access.is_national(request.user):
            kwargs["queryset"] = Mall.objects.filter(pk=request.user.mall_id)
            kwargs["initial"] = [request.user.mall]
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        malls = list(data["malls"])
        if not access.is_national(request.user):
            malls = [request.user.mall]  # a manager creates clients for their mall only
        client, raw = client_create(
            name=data["name"],
            agency=data["agency"],
            malls=malls,
            operations=list(data["operations"]),
            contact_email=data.get("contact_email") or "",
            rate_limit_per_minute=data["rate_limit_per_minute"],
            created_by=request.user,
            key_expires_at=data.get("key_expires_at"),
        )
        obj.__dict__.update({k: v for k, v in client.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._state.db = client._state.db
        setattr(request, _NEW_KEYS, [(client, raw)])

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            return
        # On "add" client_create has set the malls (a manager's: their own mall only);
        # the keys' inline adds nothing but is saved for the admin's change message.
        for formset in formsets:
            self.save_formset(request, form, formset, change=False)

    def response_add(self, request, obj, post_url_continue=None):
        keys = getattr(request, _NEW_KEYS, None)
        if not keys:
            return super().response_add(request, obj, post_url_continue)
        return self._keys_page(request, gettext("API client created"), keys)

    def _keys_page(self, request, title: str, keys, note: str = ""):
        return shown_once_page(
            self,
            request,
            "integrations/admin_client_keys.html",
            title=title,
            keys=keys,
            note=note,
            list_url=reverse("admin:integrations_apiclient_changelist"),
        )

    # Columns -------------------------------------------------------------------------------

    @admin.display(description=_("malls"))
    def malls_shown(self, client):
        return ", ".join(sorted(mall.code for mall in client.malls.all()))

    @admin.display(description=_("state"), ordering="revoked_at")
    def state(self, client):
        return gettext("revoked") if client.revoked_at else gettext("active")

    # Actions -------------------------------------------------------------------------------

    def _chosen(self, request, queryset):
        """The selected clients the user manages and that are not revoked."""
        visible = clients_visible(request.user).values("pk")
        return list(queryset.filter(pk__in=visible, revoked_at__isnull=True).order_by("pk"))

    def _none_chosen(self, request):
        self.message_user(
            request, gettext("No active API client of yours was selected."), messages.WARNING
        )

    @admin.action(description=_("Create a new key"), permissions=["change"])
    def create_key(self, request, queryset):
        chosen = self._chosen(request, queryset)
        if not chosen:
            return self._none_chosen(request)
        keys = [(c, client_key_create(client=c, actor=request.user)) for c in chosen]
        return self._keys_page(
            request,
            gettext("New keys"),
            keys,
            gettext("The clients' other keys keep working."),
        )

    @admin.action(description=_("Rotate keys (7-day overlap)"), permissions=["change"])
    def rotate_keys(self, request, queryset):
        chosen = self._chosen(request, queryset)
        if not chosen:
            return self._none_chosen(request)
        keys = [
            (c, client_key_rotate(client=c, overlap=DEFAULT_OVERLAP, actor=request.user))
            for c in chosen
        ]
        until = timezone.localtime(timezone.now() + DEFAULT_OVERLAP)
        return self._keys_page(
            request,
            gettext("Keys rotated"),
            keys,
            gettext("The old keys keep working until %(when)s, then only these do.")
            % {"when": until.strftime("%Y-%m-%d %H:%M")},
        )

    @admin.action(description=_("Revoke for good"), permissions=["change"])
    def revoke_clients(self, request, queryset):
        chosen = self._chosen(request, queryset)
        for client in chosen:
            client_revoke(client=client, actor=request.user)
        self.message_user(
            request,
            gettext(
                "API clients revoked for good: %(n)d. Their keys no longer work and their "
                "webhook subscriptions are disabled."
            )
            % {"n": len(chosen)},
            messages.SUCCESS,
        )


# The other admin pages of this app: subscriptions and messages; connectors' records.
from mpp.integrations import admin_connectors, admin_webhooks  # noqa: E402,F401
