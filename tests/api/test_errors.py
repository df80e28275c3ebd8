"""Every API answer is JSON with a stable code, even for unknown paths and wrong methods."""

import pytest
from django.test import RequestFactory

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
