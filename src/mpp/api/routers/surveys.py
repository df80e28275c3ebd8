"""SKM endpoints (PermenPANRB 14/2017): answer a survey, read the IKM of any scope.

Both are public: the survey token is the only proof needed and works once. It is
handed out only to the citizen: on their ticket page (its own secret address, with a QR
code), on the counter's tablet and in the SMS or e-mail with the link; never in the
ticket JSON, whose id staff learn from call-next (docs/survey-privacy.md). The IKM is
published by obligation; a scope with fewer than surveys.privacy.MIN_ANSWERS answers
shows its count but no figures. Scopes are given by codes like everywhere in the API
(mall, agency and service codes, the booth's ticket letter within a mall, the 2-digit
Kemendagri province code).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from mpp.api.lookups import mall_or_404
from mpp.api.schemas import CODE_MAX, CODE_PATTERN, ErrorOut, ValidationErrorOut
from mpp.catalog.models import Agency, Booth, Mall, Service
from mpp.core.errors import Invalid, NotFound
from mpp.core.models import Region
from mpp.surveys import ikm
from mpp.surveys.models import ResponseChannel
from mpp.surveys.selectors import ikm_compute
from mpp.surveys.services import COMMENT_MAX, response_submit
from mpp.surveys.throttle import submit_enforce

router = Router(tags=["surveys"])


def _score(number: int):
    """Question `number` of the form; its answers a-d are sent as 1-4."""
    return Field(
        ...,
        ge=1,
        le=4,
        description=f"Question {number} of the form: 1 = answer a, 2 = b, 3 = c, 4 = d.",
    )


SexCode = Literal["L", "P"]
EducationCode = Literal["sd", "smp", "sma", "diploma", "s1", "s2"]
OccupationCode = Literal["pns", "tni", "polri", "swasta", "wirausaha", "pelajar", "lainnya"]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AnswersIn(Schema):
    U1: int = _score(1)
    U2: int = _score(2)
    U3: int = _score(3)
    U4: int = _score(4)
    U5: int = _score(5)
    U6: int = _score(6)
    U7: int = _score(7)
    U8: int = _score(8)
    U9: int = _score(9)


class ProfileIn(Schema):
    sex: SexCode = Field(..., description="L (male) or P (female).")
    age: int = Field(..., ge=ikm.AGE_MIN, le=ikm.AGE_MAX, description="Whole years.")
    education: EducationCode = Field(
        ..., description="sd (SD or less), smp, sma, diploma (D1-D4), s1, s2 (S2 or more)."
    )
    occupation: OccupationCode = Field(
        ...,
        description="pns, tni, polri, swasta (private employee), wirausaha (self-employed), "
        "pelajar (pupil/student), lainnya (other).",
    )


class SurveyIn(Schema):
    token: str = Field(
        ...,
        min_length=1,
        max_length=64,
        description="The token of the survey link (/survei/<token>/) the citizen was given.",
    )
    answers: AnswersIn
    profile: ProfileIn
    comment: str = Field("", max_length=COMMENT_MAX, description="Optional; no personal data.")


class SurveyReceivedOut(Schema):
    received: bool
    submitted_on: dt.date
    mall: str = Field(..., description="The mall's code: its IKM is at /ikm?mall=<code>.")


class IkmOut(Schema):
    date_from: dt.date
    date_to: dt.date
    ikm: float | None = Field(..., description="25-100, two decimals; null without answers.")
    unit_value: float | None = Field(..., description="1-4 (sum of the NRRs x 1/9), 4 decimals.")
    mutu: Literal["A", "B", "C", "D"] | None
    mutu_label: str | None
    respondents: int | None = Field(
        ..., description="Answers in scope; null when 1 to 4 (`suppressed`)."
    )
    suppressed: bool = Field(
        ...,
        description="Fewer than 5 answers: no index, mutu or scores are given, so that no "
        "answer can be traced to the person who gave it (`note` says so).",
    )
    note: str | None = Field(None, description="'fewer than 5 answers' when suppressed.")
    transactions: int = Field(..., description="Finished transactions (invitations) in scope.")
    required_sample: int = Field(..., description="Krejcie-Morgan minimum for `transactions`.")
    sample_short: bool = Field(..., description="Fewer respondents than the minimum sample.")
    elements: dict[str, float | None] = Field(
        ..., description="NRR (mean score 1-4, 3 decimals) of U1..U9, in that order."
    )


@router.post(
    "/surveys",
    response={
        201: SurveyReceivedOut,
        404: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
        429: ErrorOut,
    },
    operation_id="submitSurvey",
)
def submit_survey(request, payload: SurveyIn):
    """Answer the satisfaction survey of a finished transaction, once, anonymously.

    Errors: 404 survey_not_found, 409 survey_already_answered, 410 survey_expired
    (30 days after the transaction), 422 validation_error or invalid_answers /
    invalid_profile, 429 rate_limited (per client address, with Retry-After).
    """
    submit_enforce(request)
    response = response_submit(
        token=payload.token,
        answers=payload.answers.dict(),
        profile=payload.profile.dict(),
        comment=payload.comment,
        channel=ResponseChannel.API,
    )
    mall_code = Mall.objects.filter(pk=response.mall_id).values_list("code", flat=True).first()
    return Status(201, {"received": True, "submitted_on": response.submitted_on, "mall": mall_code})


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name}, code="invalid_date"
        ) from None


def _code(value: str) -> str:
    """The code if it could be one (else "", which matches nothing)."""
    return value if re.match(CODE_PATTERN, value) and len(value) <= CODE_MAX else ""


def _scope(mall, agency, service, booth, province) -> tuple[dict, Mall | None]:
    """The ids ikm_compute filters on, from the query's codes (404 for unknown ones)."""
    scope: dict = {}
    found_mall = mall_or_404(mall) if mall else None
    if found_mall is not None:
        scope["mall_id"] = found_mall.pk
    if agency:
        agency_id = Agency.objects.filter(code=_code(agency)).values_list("pk", flat=True).first()
        if agency_id is None:
            raise NotFound(_("Agency not found."), code="agency_not_found")
        scope["agency_id"] = agency_id
    if service:
        service_id = (
            Service.objects.filter(code=_code(service)).values_list("pk", flat=True).first()
        )
        if service_id is None:
            raise NotFound(_("Service not found."), code="service_not_found")
        scope["service_id"] = service_id
    if booth:
        if found_mall is None:
            raise Invalid(
                _("A booth is named by its ticket letter within a mall: give the mall too."),
                code="booth_needs_mall",
            )
        booth_id = (
            Booth.objects.filter(mall=found_mall, ticket_prefix=booth.upper()[:2])
            .values_list("pk", flat=True)
            .first()
        )
        if booth_id is None:
            raise NotFound(_("Booth not found."), code="booth_not_found")
        scope["booth_id"] = booth_id
    if province:
        if not Region.objects.filter(code=province[:2], level=Region.Level.PROVINCE).exists():
            raise NotFound(_("Province not found."), code="province_not_found")
        scope["province_code"] = province[:2]
    return scope, found_mall


def _number(value, places: int) -> float | None:
    return None if value is None else float(ikm.round_half_up(value, places))


@router.get(
    "/ikm",
    response={200: IkmOut, 404: ErrorOut, 422: ValidationErrorOut | ErrorOut},
    operation_id="getIkm",
)
def get_ikm(
    request,
    mall: str | None = Query(None, max_length=60, description="Mall code."),
    agency: str | None = Query(None, max_length=CODE_MAX, description="Agency code."),
    service: str | None = Query(None, max_length=CODE_MAX, description="Service code."),
    booth: str | None = Query(
        None, max_length=2, description="The booth's ticket letter; needs `mall`."
    ),
    province: str | None = Query(
        None, pattern=r"^\d{2}$", description="2-digit Kemendagri province code."
    ),
    date_from: str | None = Query(None, alias="from", max_length=10, description="YYYY-MM-DD"),
    date_to: str | None = Query(None, alias="to", max_length=10, description="YYYY-MM-DD"),
):
    """The satisfaction index (IKM) of the answers in a scope and period (inclusive).

    No scope: national. Default period: the current month up to today. The scopes
    combine (mall and service: that service in that mall). Unknown codes: 404
    mall_not_found, agency_not_found, service_not_found, booth_not_found,
    province_not_found; bad dates or from after to: 422 invalid_date / invalid_period.
    With 1 to 4 answers the figures are withheld (`suppressed`, docs/survey-privacy.md).
    """
    scope, found_mall = _scope(mall, agency, service, booth, province)
    today = found_mall.today() if found_mall else timezone.localdate()
    first = _date(date_from, "from") or today.replace(day=1)
    last = _date(date_to, "to") or (today if first <= today else first)
    if first > last:
        raise Invalid(_("'from' is after 'to'."), code="invalid_period")
    result = ikm_compute(date_from=first, date_to=last, with_comments=False, **scope)
    return {
        "date_from": result.date_from,
        "date_to": result.date_to,
        "ikm": _number(result.ikm, 2),
        "unit_value": _number(result.unit_value, 4),
        "mutu": result.mutu,
        "mutu_label": str(result.mutu_label) if result.mutu_label else None,
        "respondents": None if result.suppressed else result.respondents,
        "suppressed": result.suppressed,
        "note": result.respondents_label if result.suppressed else None,
        "transactions": result.transactions,
        "required_sample": result.required_sample,
        "sample_short": result.sample_short,
        "elements": {code: _number(value, 3) for code, value in result.elements.items()},
    }
