"""Every API answer is JSON with a stable code, even for unknown paths and wrong methods."""

import json

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from mpp.api import errors
from mpp.api.schemas import MallOut, PriorityName, TicketStatusName
from mpp.catalog.models import Mall
from mpp.queueing.models import Priority, Ticket
from tests.api.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/malls/x/y/z", "/api/v1/tickets/"])
def test_unknown_path_is_a_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/malls", "GET"),
        ("put", "/api/v1/malls/x/tickets", "POST"),
        ("get", "/api/v1/counters/1/call-next", "POST"),
    ],
)
def test_wrong_method_is_a_json_405(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == allowed


def test_root_points_to_the_spec_and_docs(client):
    body = client.get("/api/v1/").json()
    assert body["openapi"] == "/api/v1/openapi.json"
    assert client.get(body["openapi"]).json()["info"]["title"] == "MPP API"


def test_docs_page_loads_nothing_from_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_an_unexpected_error_does_not_leak(caplog):
    request = RequestFactory().get("/api/v1/malls")
    response = errors.on_unexpected(request, RuntimeError("password=hunter2"))
    assert response.status_code == 500
    body = response.content.decode()
    assert '"code": "server_error"' in body
    assert "hunter2" not in body
    assert "unhandled API error" in caplog.text


def test_published_enums_match_the_models():
    assert set(PriorityName.__args__) == set(Priority.values)
    assert set(TicketStatusName.__args__) == set(Ticket.Status.values)
    mall_statuses = MallOut.model_json_schema()["properties"]["status"]["enum"]
    assert set(mall_statuses) == set(Mall.Status.values)


ENCODED_PATHS = [
    "/api/v1/..%2F..%2Fadmin",
    "/api/v1/..%2f..%2fadmin/",
    "/api/v1/%2e%2e/%2e%2e/admin/",
    "/api/v1/malls/..%2F..%2F..%2Fadmin",
]


@pytest.mark.parametrize("path", ENCODED_PATHS)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_encoded_dot_dot_path_is_a_json_404_for_every_method(path, method):
    """Before: POST/PUT/PATCH/DELETE answered Django's HTML CSRF page (403)."""
    client = Client(enforce_csrf_checks=True)
    assert_error(getattr(client, method)(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/docs", "/api/v1/openapi.json"])
def test_the_root_docs_and_spec_are_get_only(path):
    client = Client(enforce_csrf_checks=True)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_any_html_error_under_the_api_becomes_json():
    page = HttpResponse("<h1>Forbidden</h1>", status=403, content_type="text/html")
    page["Retry-After"] = "3"
    response = errors.as_json(page)
    body = json.loads(response.content)
    assert response.status_code == 403 and body["code"] == "forbidden" and body["message"]
    assert response["Retry-After"] == "3"
    ok = HttpResponse("<p>fine</p>", content_type="text/html")
    assert errors.as_json(ok) is ok


def test_html_errors_made_json_speak_the_callers_language():
    # The messages of Django's own error pages turned into JSON under /api/ were fixed in
    # the language active when the module was imported.
    from django.http import HttpResponseNotFound
    from django.utils import translation

    from mpp.api.errors import as_json

    with translation.override("en"):
        english = json.loads(as_json(HttpResponseNotFound()).content)
    with translation.override("id"):
        indonesian = json.loads(as_json(HttpResponseNotFound()).content)
    assert english == {"code": "not_found", "message": "Not found."}
    assert indonesian["code"] == "not_found" and indonesian["message"] != "Not found."
