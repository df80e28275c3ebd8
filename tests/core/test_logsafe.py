"""No booking code or ticket-page secret reaches a log line (core.logsafe)."""

import io
import logging

import pytest
from django.test import Client

from mpp.core.logsafe import redact

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the project's console handler writes (settings.LOGGING), as text."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


def test_redact_hides_the_segment_after_each_secret_prefix():
    assert redact("Not Found: /booking/K7M2QX9A/") == "Not Found: /booking/***/"
    assert redact("GET /api/v1/bookings/K7M2QX9A/confirm") == "GET /api/v1/bookings/***/confirm"
    assert redact("Not Found: /t/3q2-Ab_9/status/") == "Not Found: /t/***/status/"
    assert redact("Not Found: /m/mpp-x/kiosk/") == "Not Found: /m/mpp-x/kiosk/"


def test_a_wrong_booking_code_is_logged_without_the_code(console):
    code = "K7M2QX9A"
    assert Client().get(f"/booking/{code}/").status_code == 404
    assert Client().get(f"/api/v1/bookings/{code}").status_code >= 400
    assert Client().get("/t/not-a-real-secret-123/").status_code == 404
    written = console.getvalue()
    assert "/booking/***/" in written  # the line is still there, for the operator
    assert code not in written and "not-a-real-secret-123" not in written
