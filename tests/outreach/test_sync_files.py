"""PUT/GET /lapangan/sync/files/<id>: chunks that resume, offsets checked (409), the
checksum and the content checked on the last chunk (422 and start again), unknown files
404, the size limit."""

import hashlib
import uuid

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from mpp.core.models import Event
from mpp.outreach.models import FieldAttachment
from tests.outreach.sync_helpers import (
    attachment_of,
    photo,
    post_records,
    put_chunk,
    service_record,
    signed_in,
    world_make,
)

pytestmark = pytest.mark.django_db
CHUNK = 1000


@pytest.fixture
def world():
    return world_make()


@pytest.fixture
def client(world):
    return signed_in(world.crew)


def announce(world, client, content: bytes, **kwargs) -> str:
    """Upload a record announcing `content` as its attachment; the attachment's id."""
    attachment = attachment_of(content, **kwargs)
    record = service_record(service_code=world.offering.service.code, attachments=[attachment])
    response = post_records(client, [record])
    assert response.json()["results"][0]["attachments_missing"] == [attachment["id"]]
    return attachment["id"]


def progress(client, attachment_id) -> dict:
    response = client.get(reverse("outreach:sync_file", kwargs={"id": attachment_id}))
    assert response.status_code == 200, response.content
    return response.json()


def test_a_file_uploads_in_chunks_and_resumes_where_it_stopped(
    world, client, django_capture_on_commit_callbacks
):
    content = photo(7, size=3500)
    attachment_id = announce(world, client, content)
    assert progress(client, attachment_id) == {
        "id": attachment_id,
        "received": 0,
        "complete": False,
    }

    first = put_chunk(client, attachment_id, content[:CHUNK], 0, len(content))
    assert first.status_code == 200
    assert first.json() == {"id": attachment_id, "received": CHUNK, "complete": False}
    second = put_chunk(client, attachment_id, content[CHUNK : 2 * CHUNK], CHUNK, len(content))
    assert second.json()["received"] == 2 * CHUNK
    # The connection drops; the app asks how far it got and goes on from there.
    resume_at = progress(client, attachment_id)["received"]
    assert resume_at == 2 * CHUNK
    with django_capture_on_commit_callbacks(execute=True):  # the chunks are dropped after it
        last = put_chunk(client, attachment_id, content[resume_at:], resume_at, len(content))
    assert last.status_code == 200
    assert last.json() == {"id": attachment_id, "received": len(content), "complete": True}

    stored = FieldAttachment.objects.get(pk=attachment_id)
    assert stored.complete and stored.received == len(content)
    with stored.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256
    assert stored.file.name.startswith("outreach/") and stored.file.name.endswith(".jpg")
    assert not default_storage.exists(f"outreach/partial/{attachment_id}/000000000000")
    event = Event.objects.get(kind="outreach.file_received")
    assert event.data["channel"] == "mobile" and event.data["attachment"] == attachment_id
    # The record's repeat no longer asks for the file; a repeated last chunk is harmless.
    again = put_chunk(client, attachment_id, content[resume_at:], resume_at, len(content))
    assert again.status_code == 200 and again.json()["complete"] is True
    assert Event.objects.filter(kind="outreach.file_received").count() == 1


def test_a_chunk_at_the_wrong_offset_is_409_with_the_count_received(world, client):
    content = photo(8, size=2500)
    attachment_id = announce(world, client, content)
    put_chunk(client, attachment_id, content[:CHUNK], 0, len(content))

    ahead = put_chunk(client, attachment_id, content[2 * CHUNK :], 2 * CHUNK, len(content))
    behind = put_chunk(client, attachment_id, content[:CHUNK], 0, len(content))

    for response in (ahead, behind):
        assert response.status_code == 409
        assert response.json()["code"] == "offset_mismatch"
        assert response.json()["received"] == CHUNK
    assert progress(client, attachment_id)["received"] == CHUNK


def test_a_checksum_mismatch_is_422_and_the_upload_starts_again(
    world, client, django_capture_on_commit_callbacks
):
    content = photo(9, size=2000)
    attachment_id = announce(world, client, content)
    damaged = content[:1500] + bytes([content[1500] ^ 1]) + content[1501:]
    put_chunk(client, attachment_id, damaged[:CHUNK], 0, len(content))

    with django_capture_on_commit_callbacks(execute=True):
        response = put_chunk(client, attachment_id, damaged[CHUNK:], CHUNK, len(content))

    assert response.status_code == 422
    assert response.json()["code"] == "checksum_mismatch"
    assert progress(client, attachment_id) == {
        "id": attachment_id,
        "received": 0,
        "complete": False,
    }
    assert not default_storage.exists(f"outreach/partial/{attachment_id}/000000000000")
    # From the start again, the right bytes complete it.
    put_chunk(client, attachment_id, content[:CHUNK], 0, len(content))
    done = put_chunk(client, attachment_id, content[CHUNK:], CHUNK, len(content))
    assert done.status_code == 200 and done.json()["complete"] is True


def test_a_file_that_is_not_a_sound_photo_or_pdf_is_refused(world, client):
    content = b"<html><script>alert(1)</script></html>"
    attachment_id = announce(world, client, content)
    response = put_chunk(client, attachment_id, content, 0, len(content))
    assert response.status_code == 422
    assert response.json()["code"] == "file_kind_refused"
    assert progress(client, attachment_id)["received"] == 0
    assert not FieldAttachment.objects.get(pk=attachment_id).file


def test_an_unknown_file_is_404(client):
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        put = put_chunk(client, unknown, b"abc", 0, 3)
        get = client.get(reverse("outreach:sync_file", kwargs={"id": unknown}))
        for response in (put, get):
            assert response.status_code == 404
            assert response.json()["code"] == "unknown_file"


def test_sizes_and_ranges_are_checked(world, client, settings):
    content = photo(10, size=2000)
    attachment_id = announce(world, client, content)
    url = reverse("outreach:sync_file", kwargs={"id": attachment_id})

    wrong_total = put_chunk(client, attachment_id, content[:CHUNK], 0, len(content) + 1)
    no_range = client.put(
        url, data=content, content_type="application/octet-stream", HTTP_X_CSRFTOKEN=client.csrf
    )
    short_body = client.put(
        url,
        data=content[:10],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE="bytes 0-99/2000",
        HTTP_X_CSRFTOKEN=client.csrf,
    )
    settings.MPP_OUTREACH_FILE_MAX = 1500
    too_large = put_chunk(client, attachment_id, content[:CHUNK], 0, len(content))

    assert (wrong_total.status_code, wrong_total.json()["code"]) == (422, "size_mismatch")
    assert (no_range.status_code, no_range.json()["code"]) == (400, "invalid_range")
    assert (short_body.status_code, short_body.json()["code"]) == (422, "invalid_range")
    assert (too_large.status_code, too_large.json()["code"]) == (413, "file_too_large")
    # A record announcing a file over the limit is refused as a whole.
    record = service_record(
        service_code=world.offering.service.code, attachments=[attachment_of(content)]
    )
    answer = post_records(client, [record]).json()["results"][0]
    assert (answer["status"], answer["code"]) == ("invalid", "file_too_large")
    assert progress(client, attachment_id)["received"] == 0
