"""A read-only admin of the notification outbox, for national admins only.

Why: when a citizen says "I got no SMS", someone must see whether the message was
sent, is waiting for a retry or was given up, and why. Messages are not tied to a
mall and carry personal data, so only national admins (and superusers) see them, and
the recipient is shown masked. Given-up messages are listed with the status filter
("Given up"); the one action sends the selected ones again (each requeue is logged as a
"message.requeued" event with the admin as actor).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.core.errors import DomainError
from mpp.core.pii import phone_mask
from mpp.notifications.models import Channel, Message, Status
from mpp.notifications.services import message_requeue


def email_mask(address: str) -> str:
    """The first letter of the local part and the domain: a***@example.com."""
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def recipient_mask(message: Message) -> str:
    if message.channel == Channel.EMAIL:
        return email_mask(message.recipient)
    return phone_mask(message.recipient)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "template",
        "channel",
        "masked_recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "template"]
    # Exact matches only: finding "the SMS to this number" needs the whole number.
    search_fields = ["=recipient", "=dedupe_key", "=provider_message_id", "=reference"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "channel",
        "masked_recipient",
        "template",
        "language",
        "context",
        "status",
        "attempts",
        "not_before",
        "next_attempt_at",
        "sent_at",
        "provider_message_id",
        "reference",
        "last_error",
        "dedupe_key",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["requeue"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, message: Message) -> str:
        return recipient_mask(message)

    @admin.action(description=_("Send the selected given-up messages again"))
    def requeue(self, request, queryset):
        done = 0
        for pk in queryset.filter(status=Status.DEAD).values_list("pk", flat=True):
            try:
                message_requeue(message_id=pk, actor_id=request.user.pk)
            except DomainError:
                continue
            done += 1
        self.message_user(
            request,
            gettext("Messages to be sent again: %(count)d.") % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )

    def has_module_permission(self, request):
        return access.is_national(request.user)

    def has_view_permission(self, request, obj=None):
        return access.is_national(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
