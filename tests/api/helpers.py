"""Small helpers shared by the API tests."""

import json

from mpp.core.models import Event
from mpp.queueing.models import Ticket


def post_json(client, path, data=None, **extra):
    body = "" if data is None else json.dumps(data)
    return client.post(path, body, content_type="application/json", **extra)


def counts() -> tuple[int, int]:
    """(tickets, events): equal before and after a refused request means nothing was written."""
    return Ticket.objects.count(), Event.objects.count()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body
