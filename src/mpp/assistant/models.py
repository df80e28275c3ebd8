"""Messaging conversations of the assistant, and the inbound messages already handled.

Why stored at all: a WhatsApp or SMS citizen answers a question ("KTP baru,
hilang/rusak atau ubah data?") in a later message, so the engine's small state must
outlive the webhook request. What is stored is the least that makes that work:

* Conversation: the channel, a keyed digest of the sender's number (never the number)
  and the engine's state (service codes and family keys, never the citizen's words).
  Nothing the citizen typed is stored anywhere by the assistant; the reply's text waits
  in the notification outbox until it is sent, like any message.
* InboundReceipt: a keyed digest of each inbound message id, so that a gateway
  retrying a delivery gets no second reply (a WhatsApp message id can encode the
  sender's number, hence the digest).

Both are deleted when old by a periodic job (services.assistant_cleanup).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """The state of one sender's conversation on one channel; stale after SILENCE."""

    mall_path = None  # not a mall record: no mall staff sees it

    channel = models.CharField(_("channel"), max_length=20)
    sender_digest = models.CharField(_("sender digest"), max_length=64)
    state = models.JSONField(_("state"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("assistant conversation")
        verbose_name_plural = _("assistant conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "sender_digest"], name="assistant_conversation_sender"
            )
        ]
        indexes = [models.Index(fields=["updated_at"], name="assistant_conv_updated_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.sender_digest[:8]}"


class InboundReceipt(models.Model):
    """One inbound message already handled (by the digest of its gateway id)."""

    mall_path = None

    channel = models.CharField(_("channel"), max_length=20)
    message_digest = models.CharField(_("message digest"), max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound message receipt")
        verbose_name_plural = _("inbound message receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "message_digest"], name="assistant_receipt_message"
            )
        ]
        indexes = [models.Index(fields=["received_at"], name="assistant_receipt_at_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.message_digest[:8]}"
