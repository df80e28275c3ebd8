"""The messages a complaint sends to the citizen who left a phone number or e-mail address.

Why: a citizen who complained should not have to keep checking: they get the tracking
code when the complaint is received, and a message when it is answered or rejected.
Messages go through the notification outbox (notifications.services.message_enqueue)
inside the complaint's own transaction, so a message exists if and only if the change
committed, and nobody waits for a gateway. The context carries the tracking code, the
mall's name and the public answer or reason; never the phone number or e-mail (they are
only the recipients), nor the citizen's name when the complaint is anonymous.
"""

from __future__ import annotations

from django.urls import reverse

from mpp.complaints.models import Complaint
from mpp.complaints.validation import code_grouped
from mpp.core.links import public_url
from mpp.notifications.services import message_enqueue

TEMPLATES = {
    "received": "complaint_received",
    "answered": "complaint_answered",
    "rejected": "complaint_rejected",
}


def _recipients(complaint: Complaint) -> list[tuple[str, str]]:
    out = []
    if complaint.phone:
        out.append(("sms", complaint.phone))
    if complaint.email:
        out.append(("email", complaint.email))
    return out


def _tracking_url() -> str:
    """The tracking page (the code is typed there, never put in a link), when
    settings.MPP_PUBLIC_URL says where citizens reach this installation; else ""."""
    return public_url(reverse("complaint-track"))


def complaint_notify(complaint: Complaint, event: str, *, message: str = "") -> int:
    """Queue the message of `event` ("received", "answered", "rejected") to each contact
    the citizen left; returns how many were queued. Call it inside the transaction."""
    template = TEMPLATES[event]
    context = {
        "code": code_grouped(complaint.code),
        "mall": complaint.mall.name,
        "message": message,
        "name": "" if complaint.anonymous else complaint.name,
        "language": complaint.language,
        "url": _tracking_url(),
    }
    queued = 0
    for channel, recipient in _recipients(complaint):
        message_enqueue(
            channel=channel,
            recipient=recipient,
            template=template,
            context=context,
            dedupe_key=f"complaint:{complaint.pk}:{event}:{channel}",
        )
        queued += 1
    return queued
