"""The webhook body: a CloudEvents 1.0 envelope, compact and stable, without personal data."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from mpp.core.models import Event
from mpp.integrations.webhooks.catalogue import EVENT_TYPES
from mpp.integrations.webhooks.envelope import (
    body_dumps,
    envelope_build,
    example_envelope,
    rfc3339,
    scrub,
)

WIB = ZoneInfo("Asia/Jakarta")
NIK = "3210011505900001"


def event(**fields) -> Event:
    values = {
        "pk": 4711,
        "kind": "ticket.called",
        "subject_type": "ticket",
        "subject_id": "9b2c0f7e-3c1d-4e0a-9f57-1b6f0d7c2a11",
        "mall_id": 3,
        "data": {"number": "A-012", "service": "ktp-el", "status": "called", "booth_id": 7},
        "occurred_at": dt.datetime(2026, 3, 16, 9, 15, 30, 250000, tzinfo=WIB),
    }
    values.update(fields)
    return Event(**values)


def build(e: Event | None = None, **context) -> dict:
    context = {"agency": "disdukcapil", "booth_id": 7, "service": "ktp-el", **context}
    return envelope_build(
        e or event(), webhook_id="msg_" + "a" * 32, mall_code="mpp-majalengka", context=context
    )


def test_the_envelope_is_cloudevents_1_0():
    envelope = build()
    assert envelope == {
        "specversion": "1.0",
        "id": "msg_" + "a" * 32,
        "type": "ticket.called",
        "source": "/api/v1/malls/mpp-majalengka",
        "subject": "9b2c0f7e-3c1d-4e0a-9f57-1b6f0d7c2a11",
        "time": "2026-03-16T02:15:30.250000Z",
        "datacontenttype": "application/json",
        "mppeventid": 4711,
        "data": {
            "number": "A-012",
            "service": "ktp-el",
            "status": "called",
            "booth_id": 7,
            "mall": "mpp-majalengka",
            "agency": "disdukcapil",
        },
    }


def test_routing_keys_are_always_there_even_when_unknown():
    e = event(kind="consultation.topic_concluded", data={"status": "concluded", "changes": 1})
    envelope = build(e, agency=None, booth_id=None, service=None)
    assert envelope["type"] == "consultation.concluded"  # the webhook type, not the log kind
    data = envelope["data"]
    assert data == {
        "status": "concluded",
        "changes": 1,
        "mall": "mpp-majalengka",
        "agency": None,
        "booth_id": None,
        "service": None,
    }


def test_time_is_utc_with_a_z():
    assert rfc3339(dt.datetime(2026, 3, 16, 7, 0, tzinfo=WIB)) == "2026-03-16T00:00:00Z"
    assert rfc3339(dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC)).endswith(".000001Z")


def test_personal_data_secrets_and_free_text_never_leave():
    data = {
        "nik": NIK,
        "nik_masked": "************0001",
        "name": "Siti Aminah",
        "applicant_name": "Siti Aminah",
        "subject_name": "Budi",
        "phone": "+6281234567890",
        "email": "siti@example.com",
        "recipient": "+6281234567890",
        "address": "Jl. Merdeka 1",
        "birth_date": "1990-05-15",
        "checkin_code": "ACDEF3",
        "token": "t0k3n",
        "otp": "123456",
        "note": "Telepon saya",
        "comment": "Petugasnya ramah",
        "contact": {"wa": "0812 3456 7890"},
        "ref": NIK,  # a NIK under an innocent key
        "caller": "0812-3456-7890",  # a phone number under an innocent key
        "who": "siti@example.com",
        "nested": {"owner_name": "Siti", "items": [NIK, "ok", {"phone_number": "0812"}]},
        # what stays: ids, states, codes, names of things
        "service_name": "Perekaman KTP-el",
        "counter_name": "Loket 2",
        "number": "A-012",
        "code": "7KQ2MXPA",
        "date": "2026-03-16",
        "slot": "08:00-09:00",
        "counter_id": 12,
        "service_seconds": 412.5,
        "reason": "day_over",
    }
    clean = scrub(data)
    assert clean == {
        "nested": {"items": ["ok", {}]},
        "service_name": "Perekaman KTP-el",
        "counter_name": "Loket 2",
        "number": "A-012",
        "code": "7KQ2MXPA",
        "date": "2026-03-16",
        "slot": "08:00-09:00",
        "counter_id": 12,
        "service_seconds": 412.5,
        "reason": "day_over",
    }
    text = body_dumps(build(event(data=data)))
    for personal in (NIK, "Siti", "Budi", "81234567890", "3456", "example.com", "Merdeka"):
        assert personal not in text


def test_the_body_is_compact_sorted_ascii_and_stable():
    envelope = build(event(data={"status": "called", "note_kind": "x", "zona": "Gerai Ω"}))
    text = body_dumps(envelope)
    assert text == body_dumps(json.loads(text))  # the same bytes every time
    assert ", " not in text and ": " not in text
    assert text.isascii() and "\\u03a9" in text
    keys = list(json.loads(text))
    assert keys == sorted(keys)
    assert json.loads(text)["data"]["zona"] == "Gerai Ω"


def test_odd_event_data_still_builds():
    for data in (None, [], "text", {"booth_id": "x", "when": dt.date(2026, 3, 16)}):
        envelope = build(event(data=data))
        assert envelope["data"]["mall"] == "mpp-majalengka"
        json.loads(body_dumps(envelope))


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_catalogued_type_has_an_example_envelope(name):
    event_type = EVENT_TYPES[name]
    envelope = example_envelope(event_type)
    assert envelope["type"] == name and envelope["specversion"] == "1.0"
    assert envelope["time"].endswith("Z") and envelope["id"].startswith("msg_")
    assert {"mall", "agency", "booth_id", "service"} <= set(envelope["data"])
    assert scrub(event_type.example) == event_type.example  # nothing personal to drop
    assert str(event_type.description) and event_type.family == name.split(".")[0]
    json.loads(body_dumps(envelope))
