"""The mobile service's public schedule (jemput bola): where and when a mall's vans stop.

Public and read-only. Cacheable: the answer carries a strong ETag of its body and
`Cache-Control: public, max-age=300`; a client sending that ETag back in
If-None-Match gets 304 without a body. Home visits appear without names or addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.schema import Field

from mpp.api.conditional import tags
from mpp.api.lookups import mall_or_404
from mpp.api.schemas import ErrorOut, MallCode
from mpp.core.errors import Invalid
from mpp.outreach.schedule import DEFAULT_DAYS, schedule_published, schedule_range

router = Router(tags=["outreach"])

MAX_AGE = 300


class ScheduleVisitOut(Schema):
    date: dt.date
    village_code: str = Field(..., examples=["32.10.01.2001"])
    village_name: str
    kind: str = Field(..., description="village | home", examples=["village"])
    start: str = Field(..., examples=["09:00"])
    end: str = Field(..., examples=["11:30"])
    services: list[str] = Field(..., description="Codes of the services on board.")


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        parsed = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(
            _("%(name)s must be a date like 2027-03-08.") % {"name": name}, code="invalid_date"
        )
    return parsed


@router.get(
    "/malls/{mall}/outreach/schedule",
    response={200: list[ScheduleVisitOut], 304: None, 404: ErrorOut, 422: ErrorOut},
    operation_id="getOutreachSchedule",
)
def get_schedule(
    request,
    mall: str = MallCode,
    date_from: str | None = Query(
        None, alias="from", max_length=10, description="First day (YYYY-MM-DD); default today."
    ),
    date_to: str | None = Query(
        None,
        alias="to",
        max_length=10,
        description=f"Last day (YYYY-MM-DD); default {DEFAULT_DAYS} days after `from`.",
    ),
):
    """The published visits of a mall's mobile service between `from` and `to`
    (inclusive, at most 62 days), sorted by date, start and village. Home visits show
    only the village. 422 `invalid_date` for a malformed date, `invalid_range` for `to`
    before `from` or a span over 62 days."""
    found = mall_or_404(mall)
    start, end = schedule_range(
        mall=found, date_from=_date(date_from, "from"), date_to=_date(date_to, "to")
    )
    body = json.dumps(
        schedule_published(mall=found, date_from=start, date_to=end),
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in tags(request.headers.get("If-None-Match")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
