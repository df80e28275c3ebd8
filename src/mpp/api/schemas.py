"""Request and response shapes of API v1.

They are the contract other vendors' kiosks, boards and agency systems build
against, and they generate the committed OpenAPI spec: change them only with care.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Path, Schema

CODE_PATTERN = r"^[-a-zA-Z0-9_]+$"
CODE_MAX = 80  # longest code in the catalogue (Service.code)

# Spelled out (not taken from the models) so the published contract changes only on purpose;
# tests check they match queueing.models.Priority and Ticket.Status.
PriorityName = Literal["regular", "elderly", "disability", "pregnant", "child"]
TicketStatusName = Literal["waiting", "called", "serving", "done", "no_show", "expired", "remote"]


MallCode = Path(..., description="The mall's code (see listMalls), e.g. mpp-kota-bandung.")

# Errors -------------------------------------------------------------------


class ErrorOut(Schema):
    code: str = Field(..., examples=["mall_not_found"])
    message: str


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    code: Literal["validation_error"]
    message: str
    errors: list[FieldError]


# Catalogue ----------------------------------------------------------------


class MallOut(Schema):
    code: str
    name: str
    regency_code: str
    regency_name: str
    province_code: str
    inaugurated_on: dt.date | None
    status: Literal["planned", "operating", "closed"]
    timezone: str


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    agency: AgencyOut
    booth: str
    ticket_prefix: str
    requirements: list[str]
    procedure: list[str]
    completion_time: str
    fee: int = Field(..., description="Rupiah; 0 means free.")
    fee_basis: str
    fee_varies: bool = Field(
        ...,
        description="An amount set per case (a tax, a retribution, a fine) is due besides "
        "`fee`; `fee_basis` explains it.",
    )
    product: str
    legal_basis: str
    complaint_channel: str
    channels: list[Literal["direct", "mobile", "self_service", "electronic"]]


class CounterOut(Schema):
    id: int
    number: int
    name: str
    booth: str | None
    is_open: bool
    services: list[str] = Field(..., description="Codes of the services this counter serves.")


# Tickets ------------------------------------------------------------------


class TicketIn(Schema):
    service: str = Field(..., min_length=1, max_length=CODE_MAX, pattern=CODE_PATTERN)
    priority: PriorityName = "regular"


class TransferIn(Schema):
    service: str = Field(..., min_length=1, max_length=CODE_MAX, pattern=CODE_PATTERN)


class TicketOut(Schema):
    id: uuid.UUID
    number: str = Field(..., examples=["B-017"])
    service: str
    service_name: str
    priority: PriorityName
    status: TicketStatusName
    mall: str
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counter_number: int | None
    counter_name: str | None
    recall_count: int
    position: int = Field(..., description="1 = next to be called; 0 once no longer waiting.")
    people_ahead: int
    estimated_wait_minutes: int


# Board --------------------------------------------------------------------


class NowServingOut(Schema):
    counter_id: int
    counter_number: int
    counter_name: str
    booth: str
    is_open: bool
    ticket: str | None
    status: str | None
    service: str | None


class LastCallOut(Schema):
    event_id: int
    kind: Literal["called", "recalled"]
    number: str | None
    counter_number: int | None
    counter_name: str | None
    service: str | None
    at: dt.datetime


class WaitingOut(Schema):
    service: str
    service_name: str
    booth: str
    prefix: str
    waiting: int


class BoardOut(Schema):
    mall: str
    mall_name: str
    date: dt.date
    generated_at: dt.datetime
    now_serving: list[NowServingOut]
    last_calls: list[LastCallOut]
    waiting: list[WaitingOut]
    waiting_total: int


# Online booking -----------------------------------------------------------

# Spelled out like the ticket names; tests check they match bookings.models.Booking.Status.
BookingStatusName = Literal["booked", "checked_in", "cancelled", "no_show"]
DateRefusal = Literal["not_offered", "closed", "not_yet", "past"]
NIK_DESCRIPTION = (
    "The citizen's 16-digit NIK, as proof of the booking. It is personal data: send it "
    "only in this header (never in a URL); MPP never logs it nor stores it (only a keyed "
    "digest and a masked form)."
)
IDEMPOTENCY_DESCRIPTION = (
    "Optional. Send a new random key (a UUID) with each new request and the SAME key when "
    "retrying it: a retry then gets the first answer back (header Idempotent-Replayed: "
    "true) instead of acting twice. Same key with another body: 422 "
    "idempotency_key_reused; while the first is still running: 409 "
    "idempotency_in_progress. Keys are kept 24 hours."
)


class BookingIn(Schema):
    service: str = Field(..., min_length=1, max_length=CODE_MAX, pattern=CODE_PATTERN)
    date: str = Field(..., max_length=32, description="YYYY-MM-DD", examples=["2026-12-08"])
    slot: str = Field(
        ..., max_length=16, description="The slot's start time, HH:MM.", examples=["08:00"]
    )
    nik: str = Field(..., max_length=32, description="16 digits.", examples=["3210011505900001"])
    name: str = Field(..., max_length=200)
    phone: str = Field(
        ..., max_length=32, description="Indonesian mobile number.", examples=["081234567890"]
    )
    email: str = Field("", max_length=254, description="Optional; a copy of the messages.")


class RescheduleIn(Schema):
    date: str = Field(..., max_length=32, description="YYYY-MM-DD", examples=["2026-12-09"])
    slot: str = Field(..., max_length=16, description="HH:MM", examples=["09:00"])


class SlotOut(Schema):
    start: str = Field(..., examples=["08:00"])
    end: str = Field(..., examples=["09:00"])
    capacity: int = Field(..., description="Online places of the slot.")
    remaining: int = Field(..., description="Online places still free.")
    started: bool = Field(..., description="A slot that has started can no longer be booked.")


class SlotsOut(Schema):
    mall: str
    service: str
    service_name: str
    date: dt.date
    bookable: bool = Field(..., description="Can this date be booked now?")
    refusal: DateRefusal | None = Field(
        ..., description="Why not: not_offered, closed (mall closed), not_yet, past."
    )
    window_opens_at: dt.datetime | None = Field(
        ..., description="When the date becomes bookable (mall-local time with offset)."
    )
    walkin_left: int | None = Field(
        ..., description="Walk-in places left that day; null when the service has no quota."
    )
    priority_left: int | None = Field(
        ..., description="Priority-group places left that day; null without a quota."
    )
    slots: list[SlotOut]


class BookingTicketOut(Schema):
    id: uuid.UUID
    number: str


class BookingOut(Schema):
    code: str = Field(..., examples=["7KQ3M9XA"], description="With the NIK, the proof.")
    mall: str
    mall_name: str
    service: str
    service_name: str
    booth: str
    date: dt.date
    slot: str = Field(..., examples=["08:00"], description="The slot's start time.")
    slot_end: str = Field(..., examples=["09:00"])
    status: BookingStatusName
    nik_masked: str = Field(..., examples=["3210********0001"])
    phone_masked: str = Field(..., examples=["0812****7890"])
    checkin_opens_at: dt.datetime
    checkin_closes_at: dt.datetime
    reschedules_left: int
    created_at: dt.datetime
    ticket: BookingTicketOut | None = Field(..., description="The queue ticket once checked in.")
