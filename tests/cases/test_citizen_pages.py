"""The citizen's application pages through Django's test client: apply, save and resume,
send, open again with the number and NIK digits, answer a return, withdraw, download the
product, find the survey; and what they refuse (bad input, a browser that did not open
the case, too many attempts), never with a 500 or a half-written record.

Pages are asked for in English (cookie django_language=en) where a test reads their text.
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mpp.cases.documents import document_add
from mpp.cases.models import Case, CaseDocument, CaseEvent
from mpp.cases.services import case_start, case_submit, case_transition
from mpp.core.logsafe import SecretPaths, redact
from tests.factories import (
    CaseFieldFactory,
    CaseTypeFactory,
    DocumentRequirementFactory,
    OfferingFactory,
    UserFactory,
)

NIK = "3210014107900001"  # Majalengka, born 1 July 1990
PHONE = "0812 3456 7890"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
    b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def case_type(db):
    offering = OfferingFactory(service__name="Akta Kelahiran", service__code="akta-lahir")
    ct = CaseTypeFactory(offering=offering, completion_days=5, intro="Bawa berkas asli.")
    CaseFieldFactory(case_type=ct, key="child_name", label="Nama anak", label_en="Child's name")
    CaseFieldFactory(
        case_type=ct,
        key="birth_place",
        label="Tempat lahir",
        label_en="Place of birth",
        required=False,
    )
    DocumentRequirementFactory(case_type=ct, code="ktp", name="KTP-el orang tua", position=1)
    DocumentRequirementFactory(case_type=ct, code="kk", name="Kartu Keluarga", position=2)
    return ct


@pytest.fixture
def officer(case_type):
    return UserFactory(mall=case_type.mall, booth=case_type.booth)


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def start(client: Client, case_type, **extra) -> Case:
    data = {
        "applicant_name": "Siti Aminah",
        "nik": NIK,
        "phone": PHONE,
        "relation": "self",
        "consent": "on",
        **extra,
    }
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:citizen_form", args=[case.number])
    return case


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def fill_and_send(client: Client, case: Case) -> None:
    form = reverse("cases:citizen_form", args=[case.number])
    assert client.post(form, {"child_name": "Budi", "birth_place": ""}).status_code == 302
    docs = reverse("cases:citizen_documents", args=[case.number])
    response = client.post(
        docs, {"doc-ktp": upload("ktp.pdf", PDF), "doc-kk": upload("kk.png", PNG), "go": "review"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:citizen_review", args=[case.number])
    case.refresh_from_db()
    review = reverse("cases:citizen_review", args=[case.number])
    response = client.post(review, {"version": case.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:citizen_case", args=[case.number])


def returned(case: Case, officer, codes=("kk",), note="Foto KK buram.") -> Case:
    case = case_transition(
        case=case, to="verification", channel="counter", actor=officer, actor_kind="officer"
    )
    return case_transition(
        case=case,
        to="returned",
        channel="counter",
        actor=officer,
        actor_kind="officer",
        missing={"documents": list(codes), "note": note},
    )


# What one may apply for ----------------------------------------------------------------


def test_apply_list_shows_open_types_only(case_type):
    closed = CaseTypeFactory(offering=OfferingFactory(booth__mall=case_type.mall), is_open=False)
    response = english().get(reverse("cases:apply_list", args=[case_type.mall.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-service="akta-lahir"' in body
    assert closed.service.code not in body
    assert reverse("cases:apply_start", args=[case_type.mall.code, "akta-lahir"]) in body


def test_unknown_mall_and_closed_service_are_404(case_type):
    client = english()
    assert client.get(reverse("cases:apply_list", args=["no-such-mall"])).status_code == 404
    url = reverse("cases:apply_start", args=[case_type.mall.code, "no-such-service"])
    assert client.get(url).status_code == 404
    case_type.is_open = False
    case_type.save()
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    assert client.get(url).status_code == 404


def test_start_page_lists_what_is_needed(case_type):
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    body = english().get(url).content.decode()
    assert "KTP-el orang tua" in body and "Kartu Keluarga" in body
    assert "Bawa berkas asli." in body
    assert 'name="nik"' in body and 'inputmode="numeric"' in body
    assert 'name="csrfmiddlewaretoken"' in body


# Starting, saving, resuming -------------------------------------------------------------


def test_start_with_bad_input_shows_errors_and_writes_nothing(case_type):
    client = english()
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    response = client.post(
        url, {"applicant_name": "Siti", "nik": "1234", "phone": "abc", "relation": "parent"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "16 digits" in body
    assert "Write the name of the person you apply for." in body
    assert "Please agree" in body
    assert Case.objects.count() == 0


def test_start_with_a_nik_the_service_refuses(case_type):
    # 16 digits, but no such kabupaten (99 99): refused by the service, shown at the field.
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    response = english().post(
        url,
        {
            "applicant_name": "Siti Aminah",
            "nik": "9999014107900001",
            "phone": PHONE,
            "relation": "self",
            "consent": "on",
        },
    )
    assert response.status_code == 422
    assert 'id="cs-nik-error"' in response.content.decode()
    assert Case.objects.count() == 0


def test_start_makes_a_draft_the_browser_may_see(case_type):
    client = english()
    case = start(client, case_type)
    assert case.status == Case.Status.DRAFT
    assert case.channel == "web" and case.language == "en"
    assert case.nik_masked.endswith("0001") and NIK not in case.nik_masked
    page = client.get(reverse("cases:citizen_form", args=[case.number]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="child_name"' in body and "Child&#x27;s name" in body
    assert NIK not in body
    # another browser is asked to open the case first
    other = english().get(reverse("cases:citizen_form", args=[case.number]))
    assert other.status_code == 403
    assert 'data-error="not_opened"' in other.content.decode()


def test_missing_answer_is_shown_and_save_for_later_keeps_the_rest(case_type):
    client = english()
    case = start(client, case_type)
    url = reverse("cases:citizen_form", args=[case.number])
    response = client.post(url, {"child_name": "", "birth_place": "Majalengka"})
    assert response.status_code == 422
    assert "has-error" in response.content.decode()
    case.refresh_from_db()
    assert case.answers == {}
    response = client.post(url, {"child_name": "", "birth_place": "Majalengka", "later": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:citizen_case", args=[case.number])
    case.refresh_from_db()
    assert case.answers == {"birth_place": "Majalengka"}
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="draft"' in page and 'data-testid="continue"' in page
    form = client.get(url).content.decode()
    assert 'value="Majalengka"' in form


def test_open_again_from_another_browser_with_number_and_nik_digits(case_type):
    case = start(english(), case_type)
    other = english()
    page = reverse("cases:citizen_case", args=[case.number])
    assert other.get(page).status_code == 403
    wrong = other.post(reverse("cases:open"), {"number": case.number, "nik_last4": "9999"})
    assert wrong.status_code == 404
    assert 'data-error="case_not_found"' in wrong.content.decode()
    unknown = other.post(reverse("cases:open"), {"number": "26ZZZZZZZZ", "nik_last4": "0001"})
    assert unknown.status_code == 404
    # one answer for a wrong number and for wrong digits
    assert wrong.content.decode().count("could not find") == 1
    assert unknown.content.decode().count("could not find") == 1
    grouped = f"{case.number[:2]}-{case.number[2:6]} {case.number[6:]}".lower()
    response = other.post(reverse("cases:open"), {"number": grouped, "nik_last4": "0001"})
    assert response.status_code == 302 and response["Location"] == page
    assert other.get(page).status_code == 200


def test_not_opened_looks_the_same_for_a_case_that_does_not_exist(case_type):
    case = start(english(), case_type)
    other = english()
    real = other.get(reverse("cases:citizen_case", args=[case.number]))
    fake = other.get(reverse("cases:citizen_case", args=["26ZZZZZZZZ"]))
    assert real.status_code == fake.status_code == 403
    assert case.applicant_name not in real.content.decode()


def test_open_is_rate_limited(case_type, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "case_lookup_ip": (2, 60)}
    client = english()
    for _ in range(2):
        response = client.post(reverse("cases:open"), {"number": "26ZZZZZZZZ", "nik_last4": "1"})
        assert response.status_code == 422  # not 4 digits: the form refuses, nothing counted
    for _ in range(2):
        response = client.post(reverse("cases:open"), {"number": "26ZZZZZZZZ", "nik_last4": "1234"})
        assert response.status_code == 404
    response = client.post(reverse("cases:open"), {"number": "26ZZZZZZZZ", "nik_last4": "1234"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_open_page_takes_no_number_from_the_query(case_type):
    response = english().get(reverse("cases:open") + "?number=26ZZZZZZZZ&nik_last4=0001")
    assert response.status_code == 200
    assert 'value="26ZZZZZZZZ"' not in response.content.decode()  # the form is empty


# Documents, sending, the case page ----------------------------------------------------------


def test_apply_with_two_documents_and_send(case_type):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.due_on is not None
    docs = CaseDocument.objects.filter(case=case, is_current=True)
    assert sorted(d.file_kind for d in docs) == ["pdf", "png"]
    page = client.get(reverse("cases:citizen_case", args=[case.number]))
    body = page.content.decode()
    assert 'data-status="submitted"' in body
    assert 'data-testid="due-on"' in body
    assert 'data-channel="web"' in body
    assert "ktp.pdf" in body and "kk.png" in body
    assert NIK not in body


def test_review_refuses_without_the_documents(case_type):
    client = english()
    case = start(client, case_type)
    client.post(reverse("cases:citizen_form", args=[case.number]), {"child_name": "Budi"})
    review = client.get(reverse("cases:citizen_review", args=[case.number])).content.decode()
    assert 'data-testid="missing"' in review and 'data-testid="submit"' not in review
    response = client.post(reverse("cases:citizen_review", args=[case.number]), {"version": "1"})
    assert response.status_code in (409, 422)
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT


def test_a_file_that_lies_about_its_kind_is_refused(case_type):
    client = english()
    case = start(client, case_type)
    url = reverse("cases:citizen_documents", args=[case.number])
    response = client.post(url, {"doc-ktp": upload("ktp.pdf", b"<html>not a pdf</html>")})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-error="upload_refused"' in body and "ktp.pdf" in body
    assert CaseDocument.objects.filter(case=case).count() == 0


def test_too_large_a_post_is_refused_before_reading(case_type):
    client = english()
    case = start(client, case_type)
    url = reverse("cases:citizen_documents", args=[case.number])
    big = upload("ktp.pdf", PDF[:-6] + b" " * (11 * 1024 * 1024) + b"%%EOF\n")
    response = client.post(url, {"doc-ktp": big})
    assert response.status_code == 413
    assert CaseDocument.objects.filter(case=case).count() == 0


def test_returned_then_the_missing_document_and_sent_again(case_type, officer):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    case = returned(Case.objects.get(pk=case.pk), officer)
    page_url = reverse("cases:citizen_case", args=[case.number])
    body = client.get(page_url).content.decode()
    assert 'data-status="returned"' in body
    assert "Foto KK buram." in body
    assert 'data-requirement="kk"' in body and 'data-testid="asked-again"' in body
    assert 'data-requirement="ktp"' not in body.split('data-testid="upload-form"')[1]
    response = client.post(
        reverse("cases:citizen_documents", args=[case.number]),
        {"doc-kk": upload("kk-baru.pdf", PDF), "next": "case"},
    )
    assert response.status_code == 302 and response["Location"] == page_url
    kk = CaseDocument.objects.filter(case=case, requirement__code="kk")
    assert kk.filter(is_current=True).get().original_name == "kk-baru.pdf"
    assert kk.filter(is_current=False).count() == 1  # the old file stays in the history
    case.refresh_from_db()
    response = client.post(
        reverse("cases:citizen_review", args=[case.number]), {"version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.missing == {}
    statuses = list(
        CaseEvent.objects.filter(case=case, kind="transition").values_list("to_status", "channel")
    )
    assert statuses == [
        ("submitted", "web"),
        ("verification", "counter"),
        ("returned", "counter"),
        ("submitted", "web"),
    ]


def test_stale_version_on_send_is_refused(case_type, officer):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    case = returned(Case.objects.get(pk=case.pk), officer)
    response = client.post(
        reverse("cases:citizen_review", args=[case.number]), {"version": case.version - 1}
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Case.Status.RETURNED


def test_sent_case_cannot_be_edited(case_type):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    for name in ("citizen_form", "citizen_documents", "citizen_review"):
        response = client.get(reverse(f"cases:{name}", args=[case.number]))
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:citizen_case", args=[case.number])


def test_withdraw_asks_to_confirm(case_type):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    url = reverse("cases:citizen_withdraw", args=[case.number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": "Salah layanan"})
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    response = client.post(url, {"note": "Salah layanan", "confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    body = client.get(reverse("cases:citizen_case", args=[case.number])).content.decode()
    assert 'data-testid="withdraw-link"' not in body
    assert client.get(url).status_code == 302  # nothing left to withdraw


def test_product_download_and_survey_when_completed(case_type, officer):
    client = english()
    case = start(client, case_type)
    fill_and_send(client, case)
    case = Case.objects.get(pk=case.pk)
    for to in ("verification", "processing"):
        case = case_transition(
            case=case, to=to, channel="counter", actor=officer, actor_kind="officer"
        )
    product = document_add(
        case=case,
        upload=upload("akta.pdf", PDF),
        kind=CaseDocument.Kind.OUTPUT,
        channel="counter",
        actor=officer,
        actor_kind="officer",
    )
    for to in ("ready", "completed"):
        case = case_transition(
            case=case, to=to, channel="counter", actor=officer, actor_kind="officer"
        )
    page = client.get(reverse("cases:citizen_case", args=[case.number])).content.decode()
    assert 'data-status="completed"' in page
    download = reverse("cases:citizen_document", args=[case.number, product.pk])
    assert download in page
    assert 'data-testid="survey-link"' in page and "/survei/" in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert english().get(download).status_code == 403  # not for another browser


def test_a_file_of_another_case_is_not_served(case_type):
    client = english()
    mine = start(client, case_type)
    other = case_start(
        case_type=case_type, channel="web", applicant_name="Budi", nik="3210015505900002"
    )
    theirs = document_add(
        case=other, upload=upload("kk.pdf", PDF), channel="web", actor_kind="citizen"
    )
    url = reverse("cases:citizen_document", args=[mine.number, theirs.pk])
    assert client.get(url).status_code == 404


def test_phone_sign_in_digest_opens_the_case(case_type):
    case = case_start(
        case_type=case_type, channel="web", applicant_name="Budi", nik=NIK, phone=PHONE
    )
    client = english()
    session = client.session
    session["citizen_phone_digest"] = case.phone_digest
    session.save()
    assert client.get(reverse("cases:citizen_case", args=[case.number])).status_code == 200


def test_submitted_at_the_counter_shows_its_channel(case_type, officer):
    case = case_start(
        case_type=case_type,
        channel="counter",
        applicant_name="Budi",
        nik=NIK,
        answers={"child_name": "Ani"},
        actor=officer,
    )
    for req in case_type.documents.all():
        document_add(
            case=case,
            upload=upload(f"{req.code}.pdf", PDF),
            requirement=req,
            channel="counter",
            actor=officer,
            actor_kind="officer",
        )
    case_submit(case=case, channel="counter", actor=officer, actor_kind="officer")
    client = english()
    client.post(reverse("cases:open"), {"number": case.number, "nik_last4": NIK[-4:]})
    body = client.get(reverse("cases:citizen_case", args=[case.number])).content.decode()
    assert 'data-channel="counter"' in body


# Safety nets ---------------------------------------------------------------------------------


def test_posts_need_the_csrf_token(case_type):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("cases:open"), {"number": "26ZZZZZZZZ", "nik_last4": "0001"})
    assert response.status_code == 403


def test_case_numbers_are_hidden_in_logs(case_type, caplog):
    assert redact("Not Found: /cases/26K7QM3XPA/files/3/") == "Not Found: /cases/***/files/3/"
    case = start(english(), case_type)
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "x %s", (), None)
    record.msg, record.args = "Forbidden: %s", (f"/cases/{case.number}/form/",)
    SecretPaths().filter(record)
    assert case.number not in record.getMessage()


def test_indonesian_by_default(case_type):
    body = Client().get(reverse("cases:apply_list", args=[case_type.mall.code])).content
    assert b'lang="id"' in body
