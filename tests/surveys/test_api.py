"""POST /api/v1/surveys and GET /api/v1/ikm: happy paths, every error code, nothing half-written."""

import datetime as dt

import pytest
from django.utils import timezone

from mpp.core.models import Event
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from tests.api.helpers import assert_error, post_json
from tests.factories import (
    BoothFactory,
    MallFactory,
    OfferingFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    region,
)
from tests.surveys.conftest import PROFILE, answers

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_group_shown")]
URL = "/api/v1/surveys"


def body(token, **extra):
    return {"token": token, "answers": answers(3), "profile": PROFILE, **extra}


def written() -> tuple[int, int, int]:
    answered = SurveyInvitation.objects.filter(used=True).count()
    return SurveyResponse.objects.count(), answered, Event.objects.count()


# Submit -----------------------------------------------------------------------------


def test_submit_happy_path(client, invitation, mall):
    response = post_json(client, URL, body(invitation.token, comment="Cepat sekali."))
    assert response.status_code == 201, response.content
    assert response.json() == {
        "received": True,
        "submitted_on": mall.today().isoformat(),
        "mall": mall.code,
    }
    row = SurveyResponse.objects.get()
    assert row.channel == "api" and row.comment == "Cepat sekali." and row.u1 == 3


def test_submit_errors(client, invitation, offering):
    before = written()
    assert_error(post_json(client, URL, body("NoSuchTokenAtAll00000")), 404, "survey_not_found")
    assert_error(post_json(client, URL, body("bad token!")), 404, "survey_not_found")
    expired = SurveyInvitationFactory(
        offering=offering, created_at=timezone.now() - dt.timedelta(days=40)
    )
    assert_error(post_json(client, URL, body(expired.token)), 410, "survey_expired")
    for bad in (
        {"answers": {**answers(3), "U3": 5}},
        {"answers": {"U1": 3}},
        {"profile": {**PROFILE, "age": 12}},
        {"profile": {**PROFILE, "sex": "M"}},
        {"profile": {**PROFILE, "education": "phd"}},
        {"comment": "x" * 1001},
        {"token": ""},
    ):
        data = {**body(invitation.token), **bad}
        assert_error(post_json(client, URL, data), 422, "validation_error")
    assert_error(client.post(URL, "{", content_type="application/json"), 400, "invalid_json")
    assert written() == before  # nothing half-written by any refusal
    assert post_json(client, URL, body(invitation.token)).status_code == 201
    after = written()
    assert_error(post_json(client, URL, body(invitation.token)), 409, "survey_already_answered")
    assert written() == after


def test_submit_is_rate_limited_per_address(client, invitation, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "survey_ip": (2, 60)}
    for _ in range(2):
        assert_error(post_json(client, URL, body("x" * 22)), 404, "survey_not_found")
    response = post_json(client, URL, body(invitation.token))
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert SurveyResponse.objects.count() == 0
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "survey_ip": None}  # off
    assert post_json(client, URL, body(invitation.token)).status_code == 201


# IKM --------------------------------------------------------------------------------


@pytest.fixture
def scored(mall, offering):
    """Three answers today: all 4, all 3, and 1..4 mixed; plus one in another mall."""
    SurveyResponseFactory(offering=offering, **{f"u{i}": 4 for i in range(1, 10)})
    SurveyResponseFactory(offering=offering)
    mixed = dict(zip([f"u{i}" for i in range(1, 10)], (1, 2, 3, 4, 1, 2, 3, 4, 1), strict=True))
    SurveyResponseFactory(offering=offering, **mixed)
    SurveyInvitationFactory.create_batch(5, offering=offering)
    SurveyResponseFactory(offering=OfferingFactory(), **{f"u{i}": 1 for i in range(1, 10)})
    return offering


def test_ikm_of_a_mall(client, scored, mall):
    # Totals: U1 4+3+1=8, U2 9, U3 10, U4 11, U5 8, U6 9, U7 10, U8 11, U9 8; sum 84.
    # IKM = 84 x 25 / 27 = 77.777... -> 77.78 (B); unit 84/27 = 3.1111.
    data = client.get(f"/api/v1/ikm?mall={mall.code}").json()
    assert data["ikm"] == 77.78 and data["unit_value"] == 3.1111
    assert data["mutu"] == "B" and data["mutu_label"]
    assert data["respondents"] == 3 and data["transactions"] == 5
    assert data["required_sample"] == 5 and data["sample_short"] is True
    assert list(data["elements"]) == [f"U{i}" for i in range(1, 10)]
    assert data["elements"]["U1"] == 2.667 and data["elements"]["U4"] == 3.667
    today = mall.today()
    assert data["date_from"] == today.replace(day=1).isoformat()
    assert data["date_to"] == today.isoformat()


def test_ikm_scopes_combine(client, scored, mall):
    service = scored.service
    by_service = client.get(f"/api/v1/ikm?service={service.code}").json()
    assert by_service["respondents"] == 3
    by_agency = client.get(f"/api/v1/ikm?agency={service.agency.code}").json()
    assert by_agency["respondents"] == 3
    booth = scored.booth.ticket_prefix
    by_booth = client.get(f"/api/v1/ikm?mall={mall.code}&booth={booth.lower()}").json()
    assert by_booth["respondents"] == 3
    national = client.get("/api/v1/ikm").json()
    assert national["respondents"] == 4
    province = client.get("/api/v1/ikm?province=32").json()
    assert province["respondents"] == 4
    region("11.01")  # Aceh exists, without answers
    aceh = client.get("/api/v1/ikm?province=11").json()
    assert aceh["respondents"] == 0 and aceh["ikm"] is None and aceh["mutu"] is None
    assert aceh["elements"] == {f"U{i}": None for i in range(1, 10)}
    other_mall = MallFactory()
    both = client.get(f"/api/v1/ikm?mall={other_mall.code}&service={service.code}").json()
    assert both["respondents"] == 0


def test_ikm_period(client, scored, mall):
    today = mall.today()
    last_year = f"from={today.year - 1}-01-01&to={today.year - 1}-12-31"
    assert client.get(f"/api/v1/ikm?mall={mall.code}&{last_year}").json()["respondents"] == 0
    day = today.isoformat()
    one_day = client.get(f"/api/v1/ikm?mall={mall.code}&from={day}&to={day}").json()
    assert one_day["respondents"] == 3


def test_ikm_errors(client, scored, mall):
    assert_error(client.get("/api/v1/ikm?mall=nowhere"), 404, "mall_not_found")
    assert_error(client.get("/api/v1/ikm?agency=nobody"), 404, "agency_not_found")
    assert_error(client.get("/api/v1/ikm?service=nothing"), 404, "service_not_found")
    assert_error(client.get("/api/v1/ikm?service=bad%20code"), 404, "service_not_found")
    assert_error(client.get(f"/api/v1/ikm?mall={mall.code}&booth=ZZ"), 404, "booth_not_found")
    assert_error(client.get("/api/v1/ikm?booth=A"), 422, "booth_needs_mall")
    assert_error(client.get("/api/v1/ikm?province=99"), 404, "province_not_found")
    assert_error(client.get("/api/v1/ikm?province=3"), 422, "validation_error")
    for bad in ("2026-13-01", "01-02-2026", "20260101", "yesterday"):
        assert_error(client.get(f"/api/v1/ikm?from={bad}"), 422, "invalid_date")
    url = "/api/v1/ikm?from=2026-02-01&to=2026-01-31"
    assert_error(client.get(url), 422, "invalid_period")


def test_booth_letters_belong_to_their_mall(client, scored):
    other = BoothFactory(ticket_prefix=scored.booth.ticket_prefix)  # another mall, same letter
    url = f"/api/v1/ikm?mall={other.mall.code}&booth={other.ticket_prefix}"
    data = client.get(url).json()
    assert data["respondents"] == 0
    mine = f"/api/v1/ikm?mall={scored.mall.code}&booth={scored.booth.ticket_prefix}"
    assert client.get(mine).json()["respondents"] == 3
