"""Attachments: JPG, PNG or PDF by their content, at most 5 MB, stored under MEDIA_ROOT
without the citizen's file name, and served only to staff who see the complaint or to
the holder of its tracking code."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mpp.complaints.models import Complaint
from mpp.complaints.validation import ATTACHMENT_MAX_BYTES, attachment_kind
from mpp.core.errors import Invalid
from tests.complaints.conftest import JPG, PDF, PNG, file_one

pytestmark = pytest.mark.django_db


def upload(content: bytes, name: str = "foto.jpg", kind: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=kind)


@pytest.mark.parametrize(("content", "kind"), [(JPG, "jpg"), (PNG, "png"), (PDF, "pdf")])
def test_kinds_are_read_from_the_content(content, kind):
    assert attachment_kind(upload(content, name="whatever.txt")) == kind


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 40,
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00 an exe",
        PNG[:-12],  # a PNG cut short (no IEND)
        b"%PDF-1.4 but never ends",
        b"",
    ],
)
def test_other_content_is_refused_whatever_its_name(content):
    with pytest.raises(Invalid) as refused:
        attachment_kind(upload(content, name="foto.jpg"))
    assert refused.value.code == "invalid_attachment"


def test_too_large_is_refused():
    big = JPG + b"\x00" * (ATTACHMENT_MAX_BYTES + 1 - len(JPG))
    with pytest.raises(Invalid) as refused:
        attachment_kind(upload(big))
    assert refused.value.code == "attachment_too_large"


def test_stored_privately_without_the_original_name(world):
    complaint = file_one(world, attachment=upload(PNG, name="KTP_Budi_3210011505900001.png"))
    assert complaint.attachment_type == "png"
    path = complaint.attachment.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and path.endswith(".png")
    assert "Budi" not in path and "3210" not in complaint.attachment.name
    assert not path.startswith(str(settings.STATIC_ROOT))
    with open(path, "rb") as stored:
        assert stored.read() == PNG


def test_refused_attachment_writes_nothing(world, tmp_path):
    with pytest.raises(Invalid):
        file_one(world, attachment=upload(b"not an image"))
    assert Complaint.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_web_form_takes_an_attachment_and_refuses_a_fake_one(world):
    client = Client()
    url = reverse("complaint-new", args=[world.mall.code])
    data = {
        "category": "facilities",
        "description": "Toilet rusak sejak minggu lalu, foto terlampir.",
        "service": "",
    }
    fake = client.post(url, {**data, "attachment": upload(b"<svg onload=alert(1)>")})
    assert fake.status_code == 422 and 'id="cp-attachment-error"' in fake.content.decode()
    assert Complaint.objects.count() == 0
    ok = client.post(url, {**data, "attachment": upload(JPG)})
    assert ok.status_code == 302
    assert Complaint.objects.get().attachment_type == "jpg"


def test_a_huge_post_is_refused_before_it_is_read(world):
    client = Client()
    url = reverse("complaint-new", args=[world.mall.code])
    response = client.generic(
        "POST",
        url,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(ATTACHMENT_MAX_BYTES * 2),
    )
    assert response.status_code == 413
    assert Complaint.objects.count() == 0


def test_served_to_staff_who_see_it_and_to_the_code_holder_only(world):
    complaint = file_one(world, attachment=upload(PDF, name="surat.pdf", kind="application/pdf"))
    staff_url = reverse("complaint-attachment", args=[world.mall.code, complaint.pk])
    client = Client()
    assert client.get(staff_url).status_code == 302  # sign in first
    client.force_login(world.officer_a)
    response = client.get(staff_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    client.force_login(world.officer_b)  # another booth's officer
    assert client.get(staff_url).status_code == 404
    client.force_login(world.other_manager)  # another mall
    assert client.get(staff_url).status_code == 403

    citizen = Client()
    track = reverse("complaint-track-attachment")
    assert citizen.get(track).status_code == 405  # the code never goes in a URL
    assert citizen.post(track, {"code": "ABCDE-FGHJK"}).status_code == 404
    got = citizen.post(track, {"code": complaint.code})
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    page = citizen.post(reverse("complaint-track"), {"code": complaint.code}).content.decode()
    assert track in page  # the tracking page offers it


def test_no_attachment_is_a_404(world):
    complaint = file_one(world)
    client = Client()
    client.force_login(world.manager)
    url = reverse("complaint-attachment", args=[world.mall.code, complaint.pk])
    assert client.get(url).status_code == 404
