"""How a citizen's one-time code reaches the phone: an SMS through the notification outbox.

Why here: accounts (mpp.accounts.phone_login) makes the codes but sits below
notifications, so the web app, which may import both, registers this sender at start-up
(WebConfig.ready). The message is queued in the caller's transaction, so an SMS exists
if and only if its code does. Its context holds the code and the minutes it is valid,
never the number (only the recipient) nor anything else personal.

In the demo without an SMS gateway, `demo_code_shown` gives the page the code the SMS
would carry (as bookings.demo does for booking codes).
"""

from __future__ import annotations

from django.conf import settings

from mpp.notifications.models import Message
from mpp.notifications.services import message_enqueue

TEMPLATE = "phone_code"


def phone_code_send(
    *, phone: str, otp: str, minutes: int, purpose: str, language: str, key: str
) -> None:
    """The sender registered with mpp.accounts.phone_login.code_sender_register."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    message_enqueue(
        channel="sms",
        recipient=phone,
        template=TEMPLATE,
        context={"otp": otp, "minutes": minutes, "purpose": purpose, "language": language},
        dedupe_key=key,
    )


def demo_code_shown(code_id) -> str | None:
    """The code last queued for a code request, when the demo has no SMS gateway to
    deliver it (else None: the code only travels to the phone)."""
    if getattr(settings, "MPP_ENV", "demo") != "demo" or settings.MPP_SMS_GATEWAY_URL:
        return None
    message = (
        Message.objects.filter(template=TEMPLATE, dedupe_key__startswith=f"phone-code:{code_id}:")
        .order_by("-created_at", "-pk")
        .first()
    )
    return str(message.context.get("otp", "")) or None if message else None
