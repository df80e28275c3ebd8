"""The admin of webhooks: subscriptions, their messages and the delivery log.

Why in the admin: an agency's system manages its subscriptions through the API, but the
mall's people must be able to see what is sent where, stop a subscription that floods
a dead receiver, enable it again, rotate a leaked secret, and send a message or a time
range again after an outage on the agency's side.

Who: like the API clients' admin (mpp.integrations.admin): national admins everything,
a mall manager the subscriptions of the clients whose malls are all their own mall
(selectors.clients_visible), booth staff and officers nothing. Every change goes
through mpp.integrations.webhooks.subscriptions. A secret is shown once, on the page
that answers the "Save" of a new subscription or the rotation (never stored elsewhere,
never put in a message or the session, Cache-Control: no-store). Messages and delivery
attempts are read-only: they are the record of what was sent.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.admin import MallScopedAdmin, shown_once_page
from mpp.accounts.audit import stored_snapshot
from mpp.accounts.models import Role
from mpp.core.errors import DomainError
from mpp.integrations.models import Subscription
from mpp.integrations.selectors import client_visible, clients_visible
from mpp.integrations.webhooks import catalogue
from mpp.integrations.webhooks import subscriptions as services

# Stored on a subscription an admin disables (English, like "410 Gone").
ADMIN_DISABLED_REASON = "Disabled by an administrator"


def _manages_webhooks(user) -> bool:
    """National admins, and mall managers with a mall (as for API clients)."""
    if access.is_national(user):
        return True
    return access.role_of(user) == Role.MALL_MANAGER and user.mall_id is not None


def _events_text(events) -> str:
    return ", ".join(events or [])


class _ClientScoped:
    """Rows reached through an API client (`client_path`): visible to whoever manages
    the client (selectors.clients_visible), read by nobody else."""

    client_path = "client"

    def get_queryset(self, request):
        rows = admin.ModelAdmin.get_queryset(self, request)
        visible = clients_visible(request.user).values("pk")
        return rows.filter(**{f"{self.client_path}__in": visible})

    def _client_of(self, obj):
        for hop in self.client_path.split("__"):
            obj = getattr(obj, hop)
        return obj

    def has_module_permission(self, request):
        return _manages_webhooks(request.user)

    def has_view_permission(self, request, obj=None):
        if not _manages_webhooks(request.user):
            return False
        return obj is None or client_visible(request.user, self._client_of(obj))


# Subscriptions -------------------------------------------------------------------------


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.CharField(
        label=_("event types"),
        max_length=2000,
        help_text=_('Types ("case.completed"), families ("ticket.*") or "*", separated by commas.'),
    )

    class Meta:
        model = Subscription
        fields = ["client", "url", "events", "description", "mall", "agency", "service"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.initial["events"] = _events_text(self.instance.events)
        self.created: tuple[Subscription, str] | None = None

    def clean_events(self):
        raw = self.cleaned_data.get("events") or ""
        return [p for p in raw.replace(",", " ").split() if p]

    def _post_clean(self):
        """After every other check, the services' own: the form shows their refusals.
        A new subscription is created right here, as the very last step of validation:
        the admin's add view is one transaction, rolled back if anything after fails."""
        super()._post_clean()
        if self.errors:
            return
        cleaned, instance = self.cleaned_data, self.instance
        try:
            if instance._state.adding:  # (a new row has its UUID already)
                self.created = services.subscription_create(
                    client=cleaned["client"],
                    url=cleaned["url"],
                    events=cleaned["events"],
                    mall=cleaned.get("mall"),
                    agency=cleaned.get("agency"),
                    service=cleaned.get("service"),
                    description=cleaned.get("description") or "",
                )
            else:
                instance.url = services.url_check(cleaned["url"])
                instance.events = catalogue.patterns_check(cleaned["events"], instance.client)
        except DomainError as exc:
            self.add_error(None, forms.ValidationError(exc.message, code=exc.code))


# What a subscription's change page edits (the rest is read-only).
_EDITABLE = ("url", "events", "description")


@admin.register(Subscription)
class SubscriptionAdmin(_ClientScoped, MallScopedAdmin):
    form = SubscriptionForm
    list_display = [
        "url",
        "client",
        "events_shown",
        "status",
        "paused_until",
        "disabled_reason",
        "created_at",
    ]
    list_filter = ["status", ("client", admin.RelatedOnlyFieldListFilter)]
    national_list_filter = ()
    list_select_related = ["client"]
    search_fields = ["url", "description", "client__name"]
    actions = ["disable_subscriptions", "enable_subscriptions", "rotate_secrets"]

    _add_fields = ["client", "url", "events", "description", "mall", "agency", "service"]
    _change_fields = [
        "client",
        "url",
        "events",
        "description",
        "mall",
        "agency",
        "service",
        "status",
        "disabled_reason",
        "disabled_at",
        "paused_until",
        "previous_secret_until",
        "created_at",
        "links",
    ]
    _readonly = [f for f in _change_fields if f not in _EDITABLE]

    # Who may do what ------------------------------------------------------------------------

    def has_add_permission(self, request):
        return _manages_webhooks(request.user)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    # The form ------------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        return list(self._add_fields if obj is None else self._change_fields)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else list(self._readonly)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            kwargs["queryset"] = clients_visible(request.user).filter(revoked_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            subscription, secret = form.created
            obj.__dict__.update({k: v for k, v in subscription.__dict__.items() if k != "_state"})
            obj._state.adding = False
            obj._state.db = subscription._state.db
            request._mpp_new_secrets = [(subscription, secret)]
            return
        # The audit's "before", then the change through the service (never obj.save()).
        self._audit_before(request)[(obj._meta.label_lower, str(obj.pk))] = stored_snapshot(obj)
        stored = Subscription.objects.get(pk=obj.pk)
        services.subscription_update(
            subscription=stored,
            url=obj.url,
            events=obj.events,
            description=obj.description,
        )
        obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        """Its messages and delivery log go with it (read-only on their own pages)."""
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        services.subscription_delete(subscription=obj)

    def delete_queryset(self, request, queryset):
        for subscription in self.get_queryset(request).filter(pk__in=queryset.values("pk")):
            services.subscription_delete(subscription=subscription)

    def response_add(self, request, obj, post_url_continue=None):
        secrets = getattr(request, "_mpp_new_secrets", None)
        if not secrets:
            return super().response_add(request, obj, post_url_continue)
        return self._secrets_page(request, gettext("Webhook subscription created"), secrets)

    def _secrets_page(self, request, title: str, secrets, note: str = ""):
        return shown_once_page(
            self,
            request,
            "integrations/admin_webhook_secrets.html",
            title=title,
            secrets=secrets,
            note=note,
            list_url=reverse("admin:integrations_subscription_changelist"),
        )

    # Columns -------------------------------------------------------------------------------

    @admin.display(description=_("event types"))
    def events_shown(self, subscription):
        return _events_text(subscription.events)

    @admin.display(description=_("more"))
    def links(self, subscription):
        if subscription.pk is None:
            return ""
        replay = reverse("admin:integrations_subscription_replay", args=[subscription.pk])
        messages_url = reverse("admin:integrations_webhookmessage_changelist")
        attempts_url = reverse("admin:integrations_deliveryattempt_changelist")
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?subscription__id__exact={}">{}</a> · '
            '<a href="{}?subscription__id__exact={}">{}</a>',
            replay,
            gettext("Replay a time range"),
            messages_url,
            subscription.pk,
            gettext("Messages"),
            attempts_url,
            subscription.pk,
            gettext("Delivery log"),
        )

    # Actions -------------------------------------------------------------------------------

    def _chosen(self, request, queryset) -> list[Subscription]:
        return list(
            self.get_queryset(request)
            .filter(pk__in=queryset.values("pk"), client__revoked_at__isnull=True)
            .order_by("created_at")
        )

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable_subscriptions(self, request, queryset):
        done = 0
        for subscription in self._chosen(request, queryset):
            if subscription.status == Subscription.Status.ACTIVE:
                services.subscription_disable(
                    subscription=subscription, reason=ADMIN_DISABLED_REASON
                )
                done += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d subscription disabled: its waiting messages are cancelled.",
                "%(n)d subscriptions disabled: their waiting messages are cancelled.",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable"), permissions=["change"])
    def enable_subscriptions(self, request, queryset):
        done = 0
        for subscription in self._chosen(request, queryset):
            if subscription.status != Subscription.Status.ACTIVE:
                services.subscription_enable(subscription=subscription)
                done += 1
        self.message_user(
            request,
            ngettext("%(n)d subscription enabled.", "%(n)d subscriptions enabled.", done)
            % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Rotate the signing secret (24-hour overlap)"), permissions=["change"]
    )
    def rotate_secrets(self, request, queryset):
        chosen = self._chosen(request, queryset)
        if not chosen:
            self.message_user(
                request, gettext("No subscription of yours was selected."), messages.WARNING
            )
            return None
        secrets = [(s, services.subscription_secret_rotate(subscription=s)) for s in chosen]
        return self._secrets_page(
            request,
            gettext("Signing secrets rotated"),
            secrets,
            gettext("The old secrets keep signing for 24 hours, then only these do."),
        )

    # Replay a time range -------------------------------------------------------------------

    def get_urls(self):
        replay = self.admin_site.admin_view(self.replay_view)
        return [
            path("<path:object_id>/replay/", replay, name="integrations_subscription_replay"),
            *super().get_urls(),
        ]

    def replay_view(self, request, object_id):
        subscription = self.get_object(request, object_id)  # 404 unless the user's
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        form = ReplayForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                queued = services.messages_replay(
                    subscription=subscription,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except (DomainError, OverflowError) as exc:
                form.add_error(None, getattr(exc, "message", gettext("Choose another range.")))
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d message will be sent again.",
                        "%(n)d messages will be sent again.",
                        queued,
                    )
                    % {"n": queued},
                    messages.SUCCESS,
                )
                change = reverse("admin:integrations_subscription_change", args=[subscription.pk])
                return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": subscription,
            "title": gettext("Replay a time range"),
            "form": form,
            "media": self.media + form.media,
        }
        return render(request, "integrations/admin_webhook_replay.html", context)


class ReplayForm(forms.Form):
    start = forms.SplitDateTimeField(label=_("from"), widget=AdminSplitDateTime)
    end = forms.SplitDateTimeField(
        label=_("to"),
        widget=AdminSplitDateTime,
        help_text=_(
            "Delivered, given-up and cancelled messages of events in this range are sent "
            "again, with the same webhook ids (at most 31 days)."
        ),
    )


# The messages and the delivery log, in a module of their own.
from mpp.integrations import admin_webhook_log  # noqa: E402,F401
