"""The admin of the webhook outbox: messages and their delivery attempts, read-only.

Why apart from the subscriptions' admin (mpp.integrations.admin_webhooks): these pages
are the record of what was sent, where and how it went; nothing is edited here. The
one action, "Send again", goes through webhooks.subscriptions.message_replay with the
message's own webhook id and body. Scoped as the subscriptions are (whoever manages
the client, selectors.clients_visible). The outbox grows large: the subscription filter
reads the subscriptions' own table, and the lists do no second COUNT(*).
"""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mpp.accounts.admin import MallScopedAdmin
from mpp.integrations.admin_webhooks import _ClientScoped, _manages_webhooks
from mpp.integrations.models import DeliveryAttempt, Subscription, WebhookMessage
from mpp.integrations.selectors import clients_visible
from mpp.integrations.webhooks import subscriptions as services


class SubscriptionFilter(admin.SimpleListFilter):
    """The subscriptions the user may see, read from their own table (not a DISTINCT
    over the outbox or the delivery log, which grow large)."""

    title = _("webhook subscription")
    parameter_name = "subscription__id__exact"

    def lookups(self, request, model_admin):
        rows = Subscription.objects.filter(client__in=clients_visible(request.user).values("pk"))
        return [(str(s.pk), str(s)) for s in rows.select_related("client").order_by("created_at")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(subscription_id=uuid.UUID(value))
        except ValueError:
            return queryset.none()


# Messages and the delivery log ---------------------------------------------------------


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


_ATTEMPT_FIELDS = [
    "number",
    "started_at",
    "outcome",
    "status_code",
    "latency_ms",
    "response_excerpt",
    "error",
]


class DeliveryAttemptInline(_ReadOnly, admin.TabularInline):
    model = DeliveryAttempt
    fk_name = "message"
    fields = _ATTEMPT_FIELDS
    readonly_fields = _ATTEMPT_FIELDS
    extra = 0
    can_delete = False
    ordering = ["number", "id"]

    def has_view_permission(self, request, obj=None):
        return _manages_webhooks(request.user)


_MESSAGE_FIELDS = [
    "subscription",
    "webhook_id",
    "event_type",
    "subject",
    "event_id",
    "occurred_at",
    "status",
    "attempts",
    "next_attempt_at",
    "delivered_at",
    "last_status_code",
    "last_error",
    "created_at",
    "body",
]


@admin.register(WebhookMessage)
class WebhookMessageAdmin(_ReadOnly, _ClientScoped, MallScopedAdmin):
    client_path = "subscription__client"
    list_display = [
        "webhook_id",
        "event_type",
        "subject",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
    ]
    list_filter = ["status", SubscriptionFilter]
    show_full_result_count = False  # the outbox grows large: no second COUNT(*)
    national_list_filter = ()
    list_select_related = ["subscription", "subscription__client"]
    search_fields = ["webhook_id", "subject", "event_type"]
    fields = _MESSAGE_FIELDS
    readonly_fields = _MESSAGE_FIELDS
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    def has_replay_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Send again"), permissions=["replay"])
    def send_again(self, request, queryset):
        rows = self.get_queryset(request).filter(pk__in=queryset.values("pk"))
        done = 0
        for message in rows.filter(subscription__client__revoked_at__isnull=True):
            services.message_replay(message=message)
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d message will be sent again (same webhook id).",
                "%(n)d messages will be sent again (same webhook ids).",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(_ReadOnly, _ClientScoped, MallScopedAdmin):
    client_path = "subscription__client"
    list_display = [
        "started_at",
        "message_shown",
        "subscription",
        "number",
        "outcome",
        "status_code",
        "latency_ms",
        "error",
    ]
    list_filter = ["outcome", SubscriptionFilter]
    show_full_result_count = False
    national_list_filter = ()
    list_select_related = ["message", "subscription", "subscription__client"]
    search_fields = ["message__webhook_id", "error"]
    fields = ["message", "subscription", *_ATTEMPT_FIELDS]
    readonly_fields = fields

    @admin.display(description=_("webhook id"), ordering="message__webhook_id")
    def message_shown(self, attempt):
        return attempt.message.webhook_id
