"""Mobile-service (jemput bola) requests: file one for a village or a home, follow it
with its tracking code.

Public, no sign-in: a citizen's app, a village's information system or the assistant
files demand here. Filing is rate-limited per client IP (429 rate_limited with
Retry-After) and safe to retry with an Idempotency-Key (mpp.api.idempotency). The
answers never carry the contact's phone, name or address.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404
from mpp.api.schemas import CODE_MAX, ErrorOut, MallCode, ValidationErrorOut
from mpp.core.errors import NotFound
from mpp.outreach.demand import code_normal, request_create
from mpp.outreach.selectors_demand import request_by_code, request_public
from mpp.outreach.throttle import outreach_throttle_enforce

router = Router(tags=["outreach"])

TrackingCode = Path(..., max_length=20, description="The tracking code (JB-XXXXXX).")


class OutreachRequestIn(Schema):
    village_code: str = Field(
        ..., max_length=20, description="Kemendagri code of the desa/kelurahan, 32.10.01.2001"
    )
    services: list[str] = Field(
        ..., max_length=20, description="Service codes offered at the mall (listMallServices)."
    )
    people: int = Field(..., description="How many people need the services (1 to 500).")
    home_visit: bool = Field(False, description="Someone cannot travel: visit the home.")
    contact_phone: str = Field(..., max_length=40, description="An Indonesian mobile number.")
    needs: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="Why people cannot travel: elderly, disabled, bedridden, new_mother.",
    )
    contact_name: str = Field("", max_length=120)
    address: str = Field("", max_length=500, description="Home visits: address or landmark.")
    lat: float | None = Field(None, description="The home's latitude (from the phone).")
    lon: float | None = Field(None, description="The home's longitude.")


class OutreachVisitOut(Schema):
    date: dt.date
    start: dt.time
    end: dt.time


class OutreachRequestOut(Schema):
    code: str = Field(..., examples=["JB-X7K2MQ"])
    status: str = Field(..., description="received, scheduled, served or cancelled")
    village_code: str
    village_name: str
    services: list[str]
    people: int
    home_visit: bool


class OutreachRequestStateOut(OutreachRequestOut):
    mall: str
    created_at: dt.datetime
    visit: OutreachVisitOut | None = Field(None, description="The published visit, once scheduled.")


def _throttle(request, **kwargs) -> None:
    outreach_throttle_enforce(request)


@router.post(
    "/malls/{mall}/outreach/requests",
    response={
        201: OutreachRequestOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
        429: ErrorOut,
    },
    operation_id="createOutreachRequest",
)
@idempotent(OutreachRequestOut, status=201, throttle=_throttle)
def create_outreach_request(
    request,
    payload: OutreachRequestIn,
    mall: str = MallCode,
    idempotency_key: str | None = IdempotencyKey,
):
    """Ask for the mobile service (no sign-in): a village of the mall's kabupaten/kota
    needs these services for this many people, or a home visit for someone who cannot
    travel. 201 with the tracking code (JB-XXXXXX) to follow it with.

    404 mall_not_found. 422: village_outside_mall (a village of another kabupaten/kota),
    unknown_village, unknown_service (not offered at this mall), invalid_people (1 to
    500), invalid_phone, invalid_needs, invalid_location (both or neither of lat/lon,
    inside Indonesia), or validation_error for a malformed body. 429 rate_limited.
    """
    created = request_create(
        mall=mall_or_404(mall),
        village_code=payload.village_code,
        service_codes=payload.services,
        people=payload.people,
        home_visit=payload.home_visit,
        needs=payload.needs,
        contact_phone=payload.contact_phone,
        contact_name=payload.contact_name,
        address=payload.address,
        lat=payload.lat,
        lon=payload.lon,
        source="api",
    )
    out = request_public(created)
    return Status(201, {k: out[k] for k in OutreachRequestOut.model_fields})


@router.get(
    "/outreach/requests/{code}",
    response={200: OutreachRequestStateOut, 404: ErrorOut, 429: ErrorOut},
    operation_id="getOutreachRequest",
)
def get_outreach_request(request, code: str = TrackingCode):
    """Follow a request by its tracking code: its status and, once a plan is published,
    the visit's date and hours. Never the phone, name or address. 404
    outreach_request_not_found; 429 rate_limited (look-ups per IP)."""
    outreach_throttle_enforce(request, name="outreach_lookup_ip")
    found = request_by_code(code_normal(code[:CODE_MAX]))
    if found is None:
        raise NotFound(_("No request with this tracking code."), code="outreach_request_not_found")
    return request_public(found)
