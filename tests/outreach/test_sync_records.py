"""POST /lapangan/sync/records: each record judged on its own; the same id with the
same content is a duplicate (one row), with other content a conflict; two edits of one
record are both kept and flagged; bad input answers 4xx with a code."""

import json
import uuid

import pytest
from django.urls import reverse

from mpp.core.models import Event
from mpp.outreach.models import FieldAttachment, FieldRecord, SyncConflict
from tests.outreach.sync_helpers import (
    attachment_of,
    note_record,
    photo,
    post_records,
    service_record,
    signed_in,
    world_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


@pytest.fixture
def client(world):
    return signed_in(world.crew)


def results_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_record_is_accepted_then_its_repeat_is_a_duplicate_with_one_row(world, client):
    image = photo(1)
    record = service_record(
        service_code=world.offering.service.code,
        visit_id=world.visit.pk,
        people=2,
        attachments=[attachment_of(image)],
    )
    first = results_of(post_records(client, [record]))
    again = results_of(post_records(client, [record]))

    assert first[0]["status"] == "accepted"
    assert first[0]["id"] == record["id"]
    assert first[0]["attachments_missing"] == [record["attachments"][0]["id"]]
    assert again[0]["status"] == "duplicate"
    assert again[0]["attachments_missing"] == [record["attachments"][0]["id"]]
    assert FieldRecord.objects.count() == 1
    stored = FieldRecord.objects.get()
    assert str(stored.pk) == record["id"] and str(stored.root_id) == record["id"]
    assert stored.vehicle == world.vehicle and stored.visit == world.visit
    assert stored.recorded_by == world.crew and stored.device_id == "tablet-1"
    assert stored.payload["people"] == 2 and stored.attachments_expected == 1
    assert FieldAttachment.objects.count() == 1
    assert Event.objects.filter(kind="outreach.field_recorded").count() == 1


def test_a_record_sent_with_other_content_is_a_conflict_and_the_stored_one_stands(world, client):
    code = world.offering.service.code
    record = service_record(service_code=code, people=2)
    results_of(post_records(client, [record]))
    changed = {**record, "payload": {**record["payload"], "people": 5}}

    answer = results_of(post_records(client, [changed], device_id="tablet-2"))[0]
    repeat = results_of(post_records(client, [changed], device_id="tablet-2"))[0]

    assert answer["status"] == "conflict"
    conflict = SyncConflict.objects.get()
    assert answer["conflict_id"] == conflict.pk and repeat["conflict_id"] == conflict.pk
    assert conflict.kind == SyncConflict.Kind.SAME_ID
    assert str(conflict.record_id) == record["id"]
    assert conflict.payload["payload"]["people"] == 5
    assert conflict.device_id == "tablet-2"
    assert FieldRecord.objects.get().payload["people"] == 2  # the original stands
    assert FieldRecord.objects.count() == 1
    event = Event.objects.get(kind="outreach.sync_conflict")
    assert event.data["channel"] == "mobile" and event.data["conflict_kind"] == "same_id"


def test_two_edits_of_one_record_are_both_kept_and_flagged(world, client):
    code = world.offering.service.code
    original = service_record(service_code=code, people=1)
    results_of(post_records(client, [original]))
    edit_a = service_record(service_code=code, people=2, previous=original["id"])
    edit_b = service_record(service_code=code, people=3, previous=original["id"])

    a = results_of(post_records(client, [edit_a], device_id="tablet-a"))[0]
    b = results_of(post_records(client, [edit_b], device_id="tablet-b"))[0]
    b_again = results_of(post_records(client, [edit_b], device_id="tablet-b"))[0]

    assert a["status"] == "accepted"
    assert b["status"] == "conflict" and b_again["status"] == "conflict"
    conflict = SyncConflict.objects.get()
    assert conflict.kind == SyncConflict.Kind.TWO_EDITS
    assert b["conflict_id"] == conflict.pk == b_again["conflict_id"]
    assert {str(conflict.record_id), str(conflict.other_id)} == {edit_a["id"], edit_b["id"]}
    rows = {str(r.pk): r for r in FieldRecord.objects.all()}
    assert len(rows) == 3
    assert rows[edit_a["id"]].status == rows[edit_b["id"]].status == "conflict"
    assert rows[original["id"]].status == "accepted"
    assert rows[edit_a["id"]].payload["people"] == 2 and rows[edit_b["id"]].payload["people"] == 3
    assert str(rows[edit_b["id"]].root_id) == original["id"]


def test_an_edit_sent_before_its_previous_in_one_batch_is_judged_after_it(world, client):
    code = world.offering.service.code
    original = service_record(service_code=code)
    edit = service_record(service_code=code, previous=original["id"], outcome="incomplete")

    answers = results_of(post_records(client, [edit, original]))

    assert [a["id"] for a in answers] == [edit["id"], original["id"]]
    assert [a["status"] for a in answers] == ["accepted", "accepted"]
    assert FieldRecord.objects.get(pk=edit["id"]).previous_id == uuid.UUID(original["id"])


def test_one_bad_record_does_not_sink_the_others(world, client):
    code = world.offering.service.code
    good = service_record(service_code=code)
    note = note_record()
    bad = [
        "not an object",
        {**service_record(service_code=code), "id": "not-a-uuid"},
        {**service_record(service_code=code), "kind": "selfie"},
        {**service_record(service_code=code), "recorded_at": "yesterday"},
        service_record(service_code="not-on-board"),
        service_record(service_code=code, note="NIK 3210011505900001"),
        service_record(service_code=code, previous=uuid.uuid4()),
        {**service_record(service_code=code), "payload": {"service_code": code, "people": 0}},
        service_record(service_code=code, visit_id=999999),
        service_record(
            service_code=code,
            attachments=[{**attachment_of(b"x"), "content_type": "text/html"}],
        ),
        service_record(
            service_code=code, attachments=[{**attachment_of(b"x"), "size": 11 * 1024 * 1024}]
        ),
    ]
    answers = results_of(post_records(client, [good, *bad, note]))

    assert answers[0]["status"] == "accepted" and answers[-1]["status"] == "accepted"
    codes = [a["code"] for a in answers[1:-1]]
    assert all(a["status"] == "invalid" for a in answers[1:-1])
    assert codes == [
        "invalid_record",
        "invalid_id",
        "invalid_kind",
        "invalid_recorded_at",
        "unknown_service",
        "nik_in_payload",
        "unknown_previous",
        "invalid_payload",
        "unknown_visit",
        "file_kind_refused",
        "file_too_large",
    ]
    assert all(a["message"] for a in answers[1:-1])
    assert FieldRecord.objects.count() == 2  # nothing half-written
    assert FieldAttachment.objects.count() == 0


def test_an_edit_of_another_kind_is_refused(world, client):
    note = note_record()
    results_of(post_records(client, [note]))
    edit = service_record(service_code=world.offering.service.code, previous=note["id"])
    answer = results_of(post_records(client, [edit]))[0]
    assert answer["status"] == "invalid" and answer["code"] == "kind_mismatch"
    assert FieldRecord.objects.count() == 1


def test_an_attachment_id_of_another_record_is_refused(world, client):
    shared = attachment_of(photo(2))
    first = service_record(service_code=world.offering.service.code, attachments=[shared])
    second = service_record(service_code=world.offering.service.code, attachments=[shared])
    answers = results_of(post_records(client, [first, second]))
    assert [a["status"] for a in answers] == ["accepted", "invalid"]
    assert answers[1]["code"] == "attachment_taken"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"[1, 2]", 422, "invalid_body"),
        (json.dumps({"records": []}).encode(), 422, "invalid_device"),
        (json.dumps({"device_id": "t", "records": "x"}).encode(), 422, "invalid_records"),
        (
            json.dumps({"device_id": "t", "records": [{}] * 51}).encode(),
            422,
            "too_many_records",
        ),
    ],
)
def test_a_batch_that_cannot_be_read_answers_4xx_with_a_code(client, body, status, code):
    response = client.post(
        reverse("outreach:sync_records"),
        data=body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf,
    )
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code and response.json()["message"]
    assert FieldRecord.objects.count() == 0


def test_every_record_writes_an_event_with_channel_mobile_and_no_personal_text(world, client):
    code = world.offering.service.code
    records = [
        service_record(service_code=code, note="Ibu Siti, Jl. Mawar 3", visit_id=world.visit.pk),
        note_record("Rumah Pak Ujang di ujung gang"),
        {
            **note_record(),
            "kind": "application",
            "payload": {"service_code": code, "applicant_name": "Siti Aminah"},
        },
        {
            **note_record(),
            "kind": "ticket",
            "payload": {"number": "JB-004", "service_code": code, "priority": "elderly"},
        },
    ]
    answers = results_of(post_records(client, records))
    assert {a["status"] for a in answers} == {"accepted"}

    events = Event.objects.filter(kind="outreach.field_recorded").order_by("pk")
    assert events.count() == 4
    for event in events:
        assert event.data["channel"] == "mobile"
        assert event.subject_type == "field_record" and event.mall_id == world.mall.pk
        assert event.actor_id == world.crew.pk
        text = json.dumps(event.data)
        assert "Siti" not in text and "Mawar" not in text and "Ujang" not in text
    kinds = [e.data["kind"] for e in events]
    assert sorted(kinds) == ["application", "note", "service", "ticket"]
    service_event = next(e for e in events if e.data["kind"] == "service")
    assert service_event.data["service"] == code and service_event.data["visit_id"] == (
        world.visit.pk
    )
