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
TicketStatusName = Literal["waiting", "called", "serving", "done", "no_show", "expired"]


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
