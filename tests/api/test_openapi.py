"""The committed OpenAPI spec matches the code (integrators read the file, not the code)."""

import json

from django.core.management import call_command

from mpp.api.spec import SPEC_PATH, committed_spec, render_spec

REGENERATE = "run `.venv/bin/mpp openapi` and commit src/mpp/api/openapi.json"


def test_committed_spec_matches_the_code():
    assert SPEC_PATH.exists(), f"{SPEC_PATH} is missing: {REGENERATE}"
    assert committed_spec() == render_spec(), f"The OpenAPI spec has drifted: {REGENERATE}"


def test_check_command_passes_on_the_committed_spec(capsys):
    call_command("openapi", "--check")
    assert "up to date" in capsys.readouterr().out


def test_spec_keeps_the_published_paths():
    paths = json.loads(committed_spec())["paths"]
    expected = {
        "/api/v1/malls": {"get"},
        "/api/v1/malls/{mall}/services": {"get"},
        "/api/v1/malls/{mall}/counters": {"get"},
        "/api/v1/malls/{mall}/tickets": {"post"},
        "/api/v1/tickets/{ticket_id}": {"get"},
        "/api/v1/malls/{mall}/board": {"get"},
        "/api/v1/malls/{mall}/board/stream": {"get"},
        "/api/v1/counters/{counter}/call-next": {"post"},
        "/api/v1/counters/{counter}/open": {"post"},
        "/api/v1/counters/{counter}/close": {"post"},
        "/api/v1/tickets/{ticket_id}/recall": {"post"},
        "/api/v1/tickets/{ticket_id}/start": {"post"},
        "/api/v1/tickets/{ticket_id}/finish": {"post"},
        "/api/v1/tickets/{ticket_id}/no-show": {"post"},
        "/api/v1/tickets/{ticket_id}/transfer": {"post"},
        "/api/v1/malls/{mall}/services/{service}/slots": {"get"},
        "/api/v1/malls/{mall}/bookings": {"post"},
        "/api/v1/bookings/{code}": {"get", "delete"},
        "/api/v1/bookings/{code}/reschedule": {"post"},
        "/api/v1/bookings/{code}/check-in": {"post"},
        "/api/v1/bookings/{code}/confirm": {"post"},
        "/api/v1/bookings/{code}/confirm/resend": {"post"},
        "/api/v1/malls/{mall}/bookings/find": {"post"},  # staff: the code in the body
        "/api/v1/staff/bookings/{booking_id}/check-in": {"post"},  # staff act on the id
        "/api/v1/surveys": {"post"},
        "/api/v1/ikm": {"get"},
        "/api/v1/malls/{mall}/complaints": {"get", "post"},
        "/api/v1/complaints/track": {"post"},  # the code in the body, never in a URL
        "/api/v1/complaints/{complaint_id}/{action}": {"post"},
        "/api/v1/malls/{mall}/consultations": {"get"},
        "/api/v1/consultations/{topic_id}": {"get"},
        "/api/v1/consultations/{topic_id}/comments": {"post"},
        "/api/v1/consultations/{topic_id}/votes": {"post"},
        "/api/v1/services/search": {"get"},
        "/api/v1/services/{service}/places": {"get"},
        "/api/v1/assistant/messages": {"post"},
        "/api/v1/assistant/webhook/{channel}": {"post"},
        "/api/v1/assistant/whatsapp-cloud": {"get", "post"},
        "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/{case_id}": {"get"},
        "/api/v1/cases/{case_id}/documents": {"post"},
        "/api/v1/cases/{case_id}/transitions": {"post"},
        # agency systems' webhooks (API client keys, webhook.manage)
        "/api/v1/webhooks/subscriptions": {"get", "post"},
        "/api/v1/webhooks/subscriptions/{subscription_id}": {"get", "patch", "delete"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret": {"post"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/enable": {"post"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/deliveries": {"get"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/messages": {"get"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/replay": {"post"},
        "/api/v1/webhooks/subscriptions/{subscription_id}/messages/{webhook_id}/replay": {"post"},
        "/api/v1/webhooks/event-types": {"get"},
        # jemput bola: demand in, the published schedule out (both public)
        "/api/v1/malls/{mall}/outreach/requests": {"post"},
        "/api/v1/outreach/requests/{code}": {"get"},
        "/api/v1/malls/{mall}/outreach/schedule": {"get"},
    }
    assert {path: set(ops) for path, ops in paths.items()} == expected
    stream = paths["/api/v1/malls/{mall}/board/stream"]["get"]["responses"]["200"]
    assert "text/event-stream" in stream["content"]
    issue = paths["/api/v1/malls/{mall}/tickets"]["post"]
    # a registered kiosk of the mall, or its staff (docs/devices.md)
    assert {"DeviceKey": []} in issue["security"] and {"BearerToken": []} in issue["security"]
    assert {"BearerToken": []} in paths["/api/v1/counters/{counter}/call-next"]["post"]["security"]
