"""Online booking in the demo mall: policies for its most asked-for services.

Why: `mpp demo` should show antrean online on services citizens actually book ahead
(KTP-el, KK, akta kelahiran, SIM renewal, SKCK, passport, BPJS, NIB), with the
capacity split between online, walk-in and priority places. Idempotent and
conservative like catalog.demo: a policy that exists is left as someone set it.

A booking is confirmed with a one-time code sent by SMS (bookings.confirm). The demo has
no SMS gateway, so nobody would ever receive it: in the demo profile (MPP_ENV=demo) with
no MPP_SMS_GATEWAY_URL, the confirm page shows the code the outbox holds for the booking
(demo_code_shown), marked as a demo. Never in production, nor once a gateway is set.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from mpp.bookings.models import Booking, BookingPolicy
from mpp.catalog.demo import DEMO_MALL
from mpp.catalog.models import Offering

# service code: policy fields (the rest are the model's defaults)
DEMO_POLICIES: dict[str, dict] = {
    "dukcapil-ktp-el-baru": {"online_per_slot": 10, "walkin_per_slot": 8, "priority_per_slot": 2},
    "dukcapil-kk-baru": {"online_per_slot": 8, "walkin_per_slot": 8, "priority_per_slot": 2},
    "dukcapil-akta-kelahiran": {"online_per_slot": 8, "walkin_per_slot": 6, "priority_per_slot": 2},
    "polres-sim-a-perpanjangan": {
        "slot_minutes": 30,
        "online_per_slot": 6,
        "walkin_per_slot": 4,
        "priority_per_slot": 1,
    },
    "polres-sim-c-perpanjangan": {
        "slot_minutes": 30,
        "online_per_slot": 6,
        "walkin_per_slot": 4,
        "priority_per_slot": 1,
    },
    "polres-skck": {"online_per_slot": 10, "walkin_per_slot": 10, "priority_per_slot": 2},
    "imigrasi-paspor-baru": {
        "window_days": 14,
        "window_opens_at": dt.time(8, 0),
        "online_per_slot": 5,
        "walkin_per_slot": 3,
        "priority_per_slot": 2,
    },
    "bpjskes-pendaftaran": {"online_per_slot": 8, "walkin_per_slot": 8, "priority_per_slot": 2},
    "dpmptsp-nib": {"online_per_slot": 6, "walkin_per_slot": 6, "priority_per_slot": 1},
}


@transaction.atomic
def booking_demo_load(mall_code: str = DEMO_MALL) -> int:
    """Give the demo mall's popular services a booking policy; returns how many were made."""
    offerings = Offering.objects.filter(mall__code=mall_code, service__code__in=DEMO_POLICIES)
    created = 0
    for offering in offerings.select_related("service"):
        _, made = BookingPolicy.objects.get_or_create(
            offering=offering, defaults=DEMO_POLICIES[offering.service.code]
        )
        created += made
    return created


def demo_code_shown(booking: Booking) -> str | None:
    """The one-time code last queued for `booking`, when the demo has no SMS gateway to
    deliver it (else None: the code only travels to the phone)."""
    if getattr(settings, "MPP_ENV", "demo") != "demo" or settings.MPP_SMS_GATEWAY_URL:
        return None
    from mpp.notifications.models import Message

    message = (
        Message.objects.filter(
            template="booking_code", dedupe_key__startswith=f"booking:{booking.pk}:"
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if message is None:
        return None
    return str(message.context.get("otp", "")) or None
