"""Case documents in S3-compatible storage: a real S3 API (moto_server, started here on a
free localhost port, no internet) behind django-storages, chosen by MPP_CASES_S3_*."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mpp.cases import storage as case_storage_module
from mpp.cases.documents import (
    StorageUnavailable,
    document_add,
    document_open,
    document_response,
    document_retire,
)
from mpp.cases.models import CaseDocument, CaseEvent
from mpp.core.errors import Invalid, NotFound
from tests.core.upload_samples import PDF, jpeg_of_size
from tests.factories import CaseFactory, DocumentRequirementFactory

pytestmark = pytest.mark.django_db
BUCKET = "mpp-cases-test"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto_server in a subprocess for this module's tests."""
    port = _free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "moto_server stopped while starting"
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3(settings, s3_endpoint):
    """The case storage pointed at a fresh bucket; the boto3 client to look inside."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=BUCKET)
    settings.MPP_CASES_S3_BUCKET = BUCKET
    settings.MPP_CASES_S3_ENDPOINT = s3_endpoint
    settings.MPP_CASES_S3_ACCESS_KEY = KEYS["aws_access_key_id"]
    settings.MPP_CASES_S3_SECRET_KEY = KEYS["aws_secret_access_key"]
    settings.MPP_CASES_S3_REGION = "us-east-1"
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def upload(content: bytes, name: str = "akta.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_storage_follows_the_settings(s3, settings):
    from storages.backends.s3 import S3Storage

    field_storage = CaseDocument._meta.get_field("file").storage
    assert isinstance(field_storage, S3Storage) and field_storage.bucket_name == BUCKET
    settings.MPP_CASES_S3_BUCKET = ""
    assert not isinstance(field_storage, S3Storage)  # back on the local disk


def test_a_document_round_trips_through_s3(s3, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = CaseFactory()
    akta = DocumentRequirementFactory(case_type=case.case_type, code="akta", formats="pdf")
    big = jpeg_of_size(3 * 1024 * 1024)  # read back in chunks below
    photos = DocumentRequirementFactory(case_type=case.case_type, code="foto", formats="jpg")
    document = document_add(
        case=case, upload=upload(PDF), requirement=akta, channel="web", actor_kind="citizen"
    )
    photo = document_add(
        case=case,
        upload=upload(big, "foto.jpg"),
        requirement=photos,
        channel="web",
        actor_kind="citizen",
    )
    assert sorted(keys(s3)) == sorted([document.file.name, photo.file.name])
    assert document.file.name.startswith(f"cases/{case.mall_id}/{case.pk}/")
    stored = s3.get_object(Bucket=BUCKET, Key=document.file.name)
    assert stored["Body"].read() == PDF
    assert not (tmp_path / "media").exists()  # nothing on the local disk

    response = document_response(document)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Length"] == str(len(PDF))
    streamed = document_open(photo)
    digest = hashlib.sha256()
    while chunk := streamed.read(256 * 1024):
        digest.update(chunk)
    streamed.close()
    assert digest.hexdigest() == photo.sha256 == hashlib.sha256(big).hexdigest()

    document_retire(document=document, channel="web", actor_kind="citizen")
    assert document.file.name in keys(s3)  # retired, kept


def test_a_refused_file_never_reaches_the_bucket(s3):
    case = CaseFactory()
    with pytest.raises(Invalid) as refused:
        document_add(
            case=case, upload=upload(b"<html></html>"), channel="web", actor_kind="citizen"
        )
    assert refused.value.code == "file_kind_refused"
    assert keys(s3) == [] and not CaseDocument.objects.exists()


def test_an_object_gone_from_the_bucket_is_not_found(s3):
    case = CaseFactory()
    document = document_add(case=case, upload=upload(PDF), channel="web", actor_kind="citizen")
    s3.delete_object(Bucket=BUCKET, Key=document.file.name)
    with pytest.raises(NotFound):
        document_open(document)


def test_an_unreachable_store_leaves_no_row(settings, s3_endpoint):
    settings.MPP_CASES_S3_BUCKET = BUCKET
    settings.MPP_CASES_S3_ENDPOINT = f"http://127.0.0.1:{_free_port()}"  # nobody listens
    settings.MPP_CASES_S3_ACCESS_KEY = "testing"
    settings.MPP_CASES_S3_SECRET_KEY = "testing"
    case = CaseFactory()
    with pytest.raises(StorageUnavailable):
        document_add(case=case, upload=upload(PDF), channel="web", actor_kind="citizen")
    assert not CaseDocument.objects.exists() and not CaseEvent.objects.exists()
    case_storage_module.storage_reset()
