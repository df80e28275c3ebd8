"""Response and request shapes of the booking API added for issue 11: a booking that may
be pending (waiting for its SMS code), the code to confirm it, a new code, and the staff's
view of a booking by its id (docs/bookings-security.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from mpp.api.schemas import BookingOut

BookingStatusAll = Literal["pending", "booked", "checked_in", "cancelled", "no_show", "expired"]


class BookingStateOut(BookingOut):
    """A booking as its owner sees it, including one waiting for its SMS code."""

    status: BookingStatusAll = Field(
        ...,
        description="pending: holds its place until hold_until, waiting for the SMS code "
        "(POST /bookings/{code}/confirm); expired: not confirmed in time (its place was "
        "freed; confirming later books only if a place is still free).",
    )
    nik_masked: str = Field(..., examples=["************0001"])
    hold_until: dt.datetime | None = Field(
        None, description="While pending: when the held place is freed unless confirmed."
    )


class ConfirmIn(Schema):
    otp: str = Field(
        ...,
        max_length=16,
        description="The 6-digit one-time code sent by SMS to the booking's phone.",
        examples=["482913"],
    )


class ResendOut(Schema):
    sent: bool = Field(..., description="A new code was queued for the booking's phone.")
    resend_after: int = Field(..., description="Seconds before another code can be asked for.")


class FindIn(Schema):
    code: str = Field(..., max_length=40, description="The booking code, as typed or scanned.")


class StaffBookingTicketOut(Schema):
    id: int
    number: str


class StaffBookingOut(Schema):
    id: uuid.UUID = Field(..., description="The booking's id: staff act on this, never the code.")
    mall: str
    service: str
    service_name: str
    date: dt.date
    slot: str
    slot_end: str
    status: BookingStatusAll
    name: str = Field(..., description="To compare with the KTP.")
    nik_masked: str = Field(..., examples=["************0001"])
    ticket: StaffBookingTicketOut | None
