"""Control characters in text input (mpp.core.textcheck): 422 on the API and a readable
page on forms, on SQLite and PostgreSQL alike, and nothing written. Before, a NUL byte
in a booking name or a survey comment was a 500 on PostgreSQL (and stored on SQLite)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from mpp.core.textcheck import has_control
from mpp.surveys.models import SurveyResponse
from tests.api.helpers import assert_error, post_json
from tests.core.booking_world import body, bookable_policy, counts, isolate_rate_limits
from tests.surveys.conftest import finished, form, invitation  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

BAD = ["\x00", "\x1b[31m", "\x07", "\x7f", "\x85", "\ud800"]


@pytest.fixture(autouse=True)
def own_counters(settings):
    isolate_rate_limits(settings)


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_only_tab_newline_and_return_are_allowed():
    assert not has_control("Siti\tAminah\r\nJl. Merdeka 1 — ✓ ümlaut")
    assert all(has_control(f"a{ch}b") for ch in BAD)


@pytest.mark.parametrize("bad", BAD)
def test_a_booking_name_with_control_characters_is_422_and_writes_nothing(client, mall, bad):
    policy, date = bookable_policy(mall)
    before = counts()
    data = json.dumps(body(policy, date, name=f"Siti{bad}Aminah"))  # "\u0000" in the JSON
    response = client.post(
        f"/api/v1/malls/{mall.code}/bookings", data, content_type="application/json"
    )
    error = assert_error(response, 422, "validation_error")
    assert error["errors"] == [
        {"loc": ["body", "name"], "msg": error["errors"][0]["msg"], "type": "invalid_text"}
    ]
    assert counts() == before


def test_nested_values_keys_and_queries_are_checked(client, mall):
    path = f"/api/v1/malls/{mall.code}/tickets"
    nested = assert_error(post_json(client, path, {"a": [{"b": "x\x00"}]}), 422, "validation_error")
    assert nested["errors"][0]["loc"] == ["body", "a", 0, "b"]
    key = assert_error(post_json(client, path, {"bad\x00key": 1}), 422, "validation_error")
    assert key["errors"][0]["loc"] == ["body", "bad\x00key"]
    plain = client.post(path, '{"service": "a\\u0000"}', content_type="text/plain")
    assert assert_error(plain, 422, "validation_error")["errors"][0]["loc"] == ["body", "service"]
    query = client.get(f"/api/v1/malls/{mall.code}/services?q=a%00b")
    assert assert_error(query, 422, "validation_error")["errors"][0]["loc"] == ["query", "q"]


def test_a_survey_comment_with_a_nul_is_a_readable_422_page(invitation):  # noqa: F811
    url = reverse("survey", kwargs={"token": invitation.token})
    response = english().post(url, form(comment="Bagus\x00sekali"))
    assert response.status_code == 422
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "The form could not be sent" in page and "comment" in page
    assert SurveyResponse.objects.count() == 0
    # Multi-line comments keep their line breaks and tabs.
    ok = english().post(url, form(comment="Baris satu\r\n\tbaris dua"))
    assert ok.status_code == 302
    assert SurveyResponse.objects.get().comment.startswith("Baris satu")


def test_a_survey_comment_over_the_api_is_refused_too(client, invitation):  # noqa: F811
    payload = {
        "token": invitation.token,
        "answers": {f"U{i}": 3 for i in range(1, 10)},
        "profile": {"sex": "P", "age": 34, "education": "s1", "occupation": "wirausaha"},
        "comment": "x\x00",
    }
    error = assert_error(post_json(client, "/api/v1/surveys", payload), 422, "validation_error")
    assert error["errors"][0]["loc"] == ["body", "comment"]
    assert SurveyResponse.objects.count() == 0


def test_a_page_query_with_a_nul_is_dropped_and_a_path_is_a_404(mall):
    client = english()
    search = client.get("/cari/", {"q": "ktp\x00", "page": "2"})
    assert search.status_code == 200
    assert search.wsgi_request.GET.dict() == {"page": "2"}  # the junk parameter only
    assert client.get(f"/m/{mall.code}%00/").status_code == 404
