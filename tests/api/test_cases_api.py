"""The cases API (berkas permohonan): record, read, list, add documents, take steps.

Every answer is checked for its shape and code, every refusal for writing nothing, the
ETag/If-Match handshake for both failures (428 without, 412 stale), and every answer
for personal data: no NIK but its last four digits, the phone and e-mail masked.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mpp.accounts.models import Role
from mpp.accounts.services import token_create
from mpp.api import schemas_cases
from mpp.cases import services
from mpp.cases.models import Case, CaseDocument, CaseEvent, Channel
from mpp.core.models import Event
from tests.api.helpers import assert_error, post_json
from tests.factories import (
    CaseFieldFactory,
    CaseTypeFactory,
    DocumentRequirementFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NIK = "3210011505900001"
OTHER_NIK = "3173015505900042"
PHONE = "081234567890"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=user.username)}"}


@pytest.fixture
def case_type(offering):
    ct = CaseTypeFactory(offering=offering, completion_days=5)
    CaseFieldFactory(case_type=ct, key="purpose", label="Keperluan", kind="text")
    CaseFieldFactory(case_type=ct, key="father_nik", label="NIK ayah", kind="nik", required=False)
    CaseFieldFactory(
        case_type=ct, key="contact", label="Nomor HP lain", kind="phone", required=False
    )
    DocumentRequirementFactory(case_type=ct, code="ktp", name="KTP-el", formats="pdf,jpg,png")
    return ct


def body(case_type, **extra) -> dict:
    data = {
        "mall": case_type.mall.code,
        "service": case_type.service.code,
        "applicant_name": "Siti Aminah",
        "nik": NIK,
        "phone": PHONE,
        "email": "siti.aminah@example.com",
        "answers": {"purpose": "Melamar pekerjaan"},
    }
    data.update(extra)
    return data


def create(client, case_type, auth, **extra):
    return post_json(client, CASES, body(case_type, **extra), **auth)


def created(client, case_type, auth, **extra) -> tuple[dict, str]:
    response = create(client, case_type, auth, **extra)
    assert response.status_code == 201, response.content
    return response.json(), response["ETag"]


def upload(client, case_id, auth, etag, *, content=PDF, name="ktp.pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    data.update(fields)
    headers = dict(auth)
    if etag is not None:
        headers["HTTP_IF_MATCH"] = etag
    return client.post(f"{CASES}/{case_id}/documents", data, **headers)


def step(client, case_id, auth, etag, to, **extra):
    headers = dict(auth)
    if etag is not None:
        headers["HTTP_IF_MATCH"] = etag
    return post_json(client, f"{CASES}/{case_id}/transitions", {"to": to, **extra}, **headers)


def assert_no_personal_data(response):
    text = response.content.decode()
    assert NIK not in text and OTHER_NIK not in text
    assert PHONE not in text and "081298765432" not in text
    assert "siti.aminah@example.com" not in text


# Record ------------------------------------------------------------------------------------


def test_record_a_case_for_a_citizen(client, case_type, officer):
    response = create(client, case_type, bearer(officer), HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert response["ETag"] == f'"v{case.version}"'
    assert data["version"] == case.version
    assert data["status"] == "draft" and case.status == Case.Status.DRAFT
    assert data["number"] == case.number
    assert case.channel == Channel.API
    assert data["mall"] == case_type.mall.code and data["service"] == case_type.service.code
    assert data["nik_masked"].endswith("0001") and set(data["nik_masked"][:-4]) == {"*"}
    assert data["phone_masked"] == "0812****7890"
    assert data["email_masked"].endswith("@example.com")
    assert data["answers"] == {"purpose": "Melamar pekerjaan"}
    assert data["next_statuses"] == ["submitted"]
    assert data["documents"] == [] and data["history"]
    assert_no_personal_data(response)


def test_a_retry_with_the_same_key_gets_the_first_case(client, case_type, officer):
    auth = {**bearer(officer), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = create(client, case_type, auth)
    again = create(client, case_type, auth)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again["ETag"] == first["ETag"]
    assert Case.objects.count() == 1


def test_refused_records_write_nothing(client, case_type, officer, elsewhere):
    auth = bearer(officer)
    before = (Case.objects.count(), Event.objects.count())
    assert_error(create(client, case_type, auth, mall="no-such-mall"), 404, "mall_not_found")
    other = OfferingFactory(booth=case_type.booth, mall=case_type.mall)  # no case type
    assert_error(
        create(client, case_type, auth, service=other.service.code), 404, "case_type_not_found"
    )
    refused = create(client, case_type, auth, nik="1234")
    assert refused.status_code == 422 and refused.json()["code"] != "validation_error"
    assert_error(create(client, case_type, auth, ticket=str(uuid.uuid4())), 422, "invalid_ticket")
    assert_error(create(client, case_type, elsewhere["auth"]), 403, "forbidden")
    assert_error(create(client, case_type, {}), 401, "unauthorized")
    assert_error(create(client, case_type, auth, language="fr"), 422, "validation_error")
    assert_error(create(client, case_type, auth, answers=[1, 2]), 422, "validation_error")
    raw = json.dumps(body(case_type))
    assert_error(
        client.post(CASES, raw, content_type="text/plain", **auth), 415, "unsupported_media_type"
    )
    assert_error(
        client.post(CASES, "{not json", content_type="application/json", **auth),
        400,
        "invalid_json",
    )
    assert (Case.objects.count(), Event.objects.count()) == before


def test_a_mall_manager_records_for_any_booth_of_the_mall(client, case_type, mall):
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    response = create(client, case_type, bearer(manager))
    assert response.status_code == 201, response.content


# Read and list -----------------------------------------------------------------------------


def test_get_a_case_with_its_etag(client, case_type, officer):
    data, etag = created(client, case_type, bearer(officer))
    response = client.get(f"{CASES}/{data['id']}", **bearer(officer))
    assert response.status_code == 200
    assert response["ETag"] == etag
    assert response.json()["id"] == data["id"] and response.json()["version"] == data["version"]
    assert_no_personal_data(response)
    same = client.get(f"{CASES}/{data['id']}", HTTP_IF_NONE_MATCH=etag, **bearer(officer))
    assert same.status_code == 304 and same["ETag"] == etag and same.content == b""


def test_unknown_malformed_and_foreign_cases_are_not_found(client, case_type, officer, elsewhere):
    data, _etag = created(client, case_type, bearer(officer))
    for case_id in (str(uuid.uuid4()), "not-a-uuid", "1" * 300, "%00"):
        assert_error(client.get(f"{CASES}/{case_id}", **bearer(officer)), 404, "case_not_found")
    foreign = client.get(f"{CASES}/{data['id']}", **elsewhere["auth"])
    assert_error(foreign, 404, "case_not_found")


def _submitted(case_type, officer, *, name="Budi", nik=NIK) -> Case:
    """A case submitted through the services (as a citizen would on the web)."""
    case = services.case_start(
        case_type=case_type,
        channel=Channel.WEB,
        applicant_name=name,
        nik=nik,
        phone=PHONE,
        answers={"purpose": "Keperluan uji"},
    )
    from mpp.cases.documents import document_add

    document_add(
        case=case,
        upload=SimpleUploadedFile("ktp.pdf", PDF),
        requirement=case_type.documents.get(code="ktp"),
        channel=Channel.WEB,
        actor_kind="citizen",
    )
    case.refresh_from_db()
    return services.case_submit(case=case, channel=Channel.WEB)


def test_the_list_is_scoped_filtered_and_paged(client, case_type, officer, mall):
    other_booth = OfferingFactory(booth__mall=mall)
    other_type = CaseTypeFactory(offering=other_booth)
    DocumentRequirementFactory(case_type=other_type, code="ktp", required=False)
    CaseFieldFactory(case_type=other_type, key="purpose", kind="text")
    own = [_submitted(case_type, officer, name=f"Warga {i}") for i in range(3)]
    theirs = _submitted(other_type, officer, name="Warga lain")
    draft, _etag = created(client, case_type, bearer(officer))

    response = client.get(CASES, **bearer(officer))
    assert response.status_code == 200, response.content
    data = response.json()
    ids = {item["id"] for item in data["items"]}
    assert ids == {str(c.pk) for c in own} | {draft["id"]}
    assert str(theirs.pk) not in ids and data["count"] == 4
    assert_no_personal_data(response)

    submitted = client.get(f"{CASES}?status=submitted&limit=2", **bearer(officer)).json()
    assert submitted["count"] == 3 and len(submitted["items"]) == 2
    rest = client.get(f"{CASES}?status=submitted&limit=2&offset=2", **bearer(officer)).json()
    assert len(rest["items"]) == 1
    assert {i["id"] for i in submitted["items"] + rest["items"]} == {str(c.pk) for c in own}

    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    everything = client.get(CASES, **bearer(manager)).json()
    assert everything["count"] == 5
    by_booth = client.get(f"{CASES}?booth={other_type.booth_id}", **bearer(manager)).json()
    assert [i["id"] for i in by_booth["items"]] == [str(theirs.pk)]
    by_service = client.get(f"{CASES}?service={other_type.service.code}", **bearer(manager))
    assert by_service.json()["count"] == 1
    assert client.get(f"{CASES}?mall=elsewhere", **bearer(manager)).json()["count"] == 0

    assert_error(client.get(f"{CASES}?status=lost", **bearer(officer)), 422, "validation_error")
    assert_error(client.get(f"{CASES}?limit=0", **bearer(officer)), 422, "validation_error")
    assert_error(client.get(f"{CASES}?booth=abc", **bearer(officer)), 422, "validation_error")
    assert_error(client.get(CASES), 401, "unauthorized")


# Documents ---------------------------------------------------------------------------------


def test_add_a_document(client, case_type, officer):
    auth = bearer(officer)
    data, etag = created(client, case_type, auth)
    response = upload(client, data["id"], auth, etag, requirement="ktp")
    assert response.status_code == 201, response.content
    after = response.json()
    assert after["version"] > data["version"]
    assert response["ETag"] == f'"v{after["version"]}"' != etag
    [document] = after["documents"]
    assert document["requirement"] == "ktp" and document["file_kind"] == "pdf"
    assert document["size"] == len(PDF) and document["channel"] == "api"
    stored = CaseDocument.objects.get(pk=document["id"])
    assert stored.case_id == uuid.UUID(data["id"]) and stored.file.read() == PDF


def test_refused_uploads_store_nothing(client, case_type, officer, elsewhere, settings):
    auth = bearer(officer)
    data, etag = created(client, case_type, auth)
    url = f"{CASES}/{data['id']}/documents"
    assert_error(upload(client, data["id"], auth, None), 428, "precondition_required")
    assert_error(upload(client, data["id"], auth, '"v999"'), 412, "precondition_failed")
    assert_error(upload(client, data["id"], auth, f"W/{etag}"), 412, "precondition_failed")
    lie = upload(client, data["id"], auth, etag, content=b"<script>x</script>", name="ktp.pdf")
    assert_error(lie, 422, "file_kind_refused")
    assert_error(upload(client, data["id"], auth, etag, content=b""), 422, "file_empty")
    assert_error(
        upload(client, data["id"], auth, etag, requirement="paspor"), 422, "invalid_requirement"
    )
    assert_error(upload(client, data["id"], auth, etag, kind="selfie"), 422, "invalid_kind")
    wrong = post_json(client, url, {"file": "JVBERi0="}, HTTP_IF_MATCH=etag, **auth)
    assert_error(wrong, 415, "unsupported_media_type")
    empty = client.post(url, {"requirement": "ktp"}, HTTP_IF_MATCH=etag, **auth)
    assert_error(empty, 422, "file_required")
    assert_error(upload(client, data["id"], elsewhere["auth"], etag), 404, "case_not_found")
    assert_error(upload(client, "nope", auth, etag), 404, "case_not_found")
    assert CaseDocument.objects.count() == 0
    assert Case.objects.get(pk=data["id"]).version == data["version"]
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


# Steps -------------------------------------------------------------------------------------


def test_a_case_from_record_to_completion(client, case_type, officer):
    auth = bearer(officer)
    data, etag = created(client, case_type, auth)
    case_id = data["id"]
    response = upload(client, case_id, auth, etag, requirement="ktp")
    etag = response["ETag"]

    def go(to, **extra):
        nonlocal etag
        response = step(client, case_id, auth, etag, to, **extra)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == to
        assert response["ETag"] == f'"v{response.json()["version"]}"' != etag
        etag = response["ETag"]
        return response.json()

    submitted = go("submitted")
    assert submitted["submitted_at"] and submitted["due_on"]
    assert submitted["next_statuses"] == ["verification"]
    go("verification")
    returned = go(
        "returned",
        note="Foto KTP buram.",
        missing={"documents": ["ktp"], "note": "Unggah ulang KTP yang jelas."},
    )
    assert returned["missing"]["documents"] == ["ktp"]
    assert "submitted" in returned["next_statuses"]
    response = upload(client, case_id, auth, etag, requirement="ktp")
    assert response.status_code == 201, response.content
    etag = response["ETag"]
    go("submitted")
    go("verification")
    go("processing", internal_note="Diteruskan ke sistem dinas.")
    response = upload(client, case_id, auth, etag, kind="output", name="akta.pdf")
    assert response.status_code == 201, response.content
    etag = response["ETag"]
    go("ready")
    done = go("completed")
    assert done["completed_at"] and done["next_statuses"] == []
    steps = [e["to_status"] for e in done["history"] if e["to_status"]]
    assert steps[-3:] == ["processing", "ready", "completed"]
    events = CaseEvent.objects.filter(case_id=case_id, channel=Channel.API)
    assert events.filter(to_status="completed", actor_kind="agency").exists()
    assert Event.objects.filter(kind__startswith="case.", subject_id=case_id).exists()
    assert_no_personal_data(response)


def test_steps_need_the_current_etag(client, case_type, officer):
    case = _submitted(case_type, officer)
    auth = bearer(officer)
    etag = client.get(f"{CASES}/{case.pk}", **auth)["ETag"]
    assert_error(step(client, case.pk, auth, None, "verification"), 428, "precondition_required")
    stale = f'"v{case.version - 1}"'
    assert_error(step(client, case.pk, auth, stale, "verification"), 412, "precondition_failed")
    assert_error(
        step(client, case.pk, auth, f"W/{etag}", "verification"), 412, "precondition_failed"
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    listed = step(client, case.pk, auth, f'"v0", {etag}', "verification")
    assert listed.status_code == 200, listed.content
    again = step(client, case.pk, auth, etag, "processing")  # the ETag of before
    assert_error(again, 412, "precondition_failed")
    anything = step(client, case.pk, auth, "*", "processing")
    assert anything.status_code == 200 and anything.json()["status"] == "processing"


def test_a_retried_step_gets_its_first_answer(client, case_type, officer):
    case = _submitted(case_type, officer)
    auth = {**bearer(officer), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    etag = f'"v{case.version}"'
    first = step(client, case.pk, auth, etag, "verification")
    again = step(client, case.pk, auth, etag, "verification")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again["ETag"] == first["ETag"]
    assert CaseEvent.objects.filter(case=case, to_status="verification").count() == 1


def test_refused_steps_change_nothing(client, case_type, officer, mall, elsewhere):
    case = _submitted(case_type, officer)
    auth = bearer(officer)
    etag = f'"v{case.version}"'
    before = (case.version, CaseEvent.objects.count(), Event.objects.count())
    refused = step(client, case.pk, auth, etag, "completed")
    assert refused.status_code == 409, refused.content
    withdraw = step(client, case.pk, auth, etag, "withdrawn")
    assert withdraw.status_code in (403, 409), withdraw.content
    assert_error(step(client, case.pk, auth, etag, "lost"), 422, "validation_error")
    assert_error(
        step(client, case.pk, auth, etag, "returned", missing={"documents": "ktp"}),
        422,
        "validation_error",
    )
    assert_error(
        step(client, case.pk, elsewhere["auth"], etag, "verification"), 404, "case_not_found"
    )
    other_officer = UserFactory(mall=mall, booth=OfferingFactory(booth__mall=mall).booth)
    assert_error(
        step(client, case.pk, bearer(other_officer), etag, "verification"), 404, "case_not_found"
    )
    url = f"{CASES}/{case.pk}/transitions"
    not_json = client.post(
        url, '{"to": "verification"}', content_type="text/plain", HTTP_IF_MATCH=etag, **auth
    )
    assert_error(not_json, 415, "unsupported_media_type")
    broken = client.post(url, "{", content_type="application/json", HTTP_IF_MATCH=etag, **auth)
    assert_error(broken, 400, "invalid_json")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert (case.version, CaseEvent.objects.count(), Event.objects.count()) == before


def test_reject_needs_a_reason(client, case_type, officer):
    case = _submitted(case_type, officer)
    auth = bearer(officer)
    etag = step(client, case.pk, auth, f'"v{case.version}"', "verification")["ETag"]
    refused = step(client, case.pk, auth, etag, "rejected")
    assert refused.status_code == 422, refused.content
    done = step(client, case.pk, auth, etag, "rejected", note="Bukan wewenang instansi ini.")
    assert done.status_code == 200 and done.json()["outcome_note"]


# Personal data ---------------------------------------------------------------------------


def test_nik_and_phone_answers_are_masked(client, case_type, officer):
    answers = {
        "purpose": f"Untuk anak NIK {OTHER_NIK}.",  # a NIK typed into free text
        "father_nik": OTHER_NIK,
        "contact": "081298765432",
    }
    response = create(client, case_type, bearer(officer), answers=answers)
    assert response.status_code == 201, response.content
    shown = response.json()["answers"]
    assert shown["father_nik"] == "************0042"
    assert shown["contact"] == "0812****5432"
    assert shown["purpose"] == "Untuk anak NIK ************0042."
    assert_no_personal_data(response)
    assert Case.objects.get(pk=response.json()["id"]).answers["father_nik"] == OTHER_NIK
    shown_again = client.get(f"{CASES}/{response.json()['id']}", **bearer(officer)).json()
    assert shown_again["answers"]["father_nik"] == "************0042"


def test_the_spelled_out_names_match_the_models():
    assert set(schemas_cases.CaseStatusName.__args__) == set(Case.Status.values)
    assert set(schemas_cases.RelationName.__args__) == set(Case.Relation.values)
    assert set(schemas_cases.ChannelName.__args__) == set(Channel.values)
    assert set(schemas_cases.DocumentKindName.__args__) == set(CaseDocument.Kind.values)
    assert set(schemas_cases.ActorKindName.__args__) == set(CaseEvent.Actor.values)


def test_a_file_over_the_requirements_size_is_refused(client, case_type, officer):
    case_type.documents.filter(code="ktp").update(max_mb=1)
    auth = bearer(officer)
    data, etag = created(client, case_type, auth)
    big = PDF[:-6] + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    response = upload(client, data["id"], auth, etag, content=big, requirement="ktp")
    assert_error(response, 422, "file_too_large")
    assert CaseDocument.objects.count() == 0


def test_the_upload_path_takes_a_documents_size():
    from django.conf import settings

    from mpp.core.bodyguard import body_limit

    path = f"{CASES}/{uuid.uuid4()}/documents"
    assert body_limit(path) == settings.MPP_MAX_UPLOAD_BYTES > settings.MPP_MAX_BODY_BYTES
    assert body_limit(f"{CASES}/{uuid.uuid4()}/transitions") == settings.MPP_MAX_BODY_BYTES


def test_a_cut_short_upload_is_a_clear_error(client, case_type, officer):
    auth = bearer(officer)
    data, etag = created(client, case_type, auth)
    cut = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="ktp.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj"
    )
    response = client.generic(
        "POST",
        f"{CASES}/{data['id']}/documents",
        cut,
        content_type="multipart/form-data; boundary=XyZ",
        HTTP_IF_MATCH=etag,
        **auth,
    )
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["code"] and response.json()["message"]
    assert CaseDocument.objects.count() == 0


def test_returning_needs_what_is_missing(client, case_type, officer):
    case = _submitted(case_type, officer)
    auth = bearer(officer)
    etag = step(client, case.pk, auth, f'"v{case.version}"', "verification")["ETag"]
    assert_error(step(client, case.pk, auth, etag, "returned"), 422, "missing_required")
    unknown = step(client, case.pk, auth, etag, "returned", missing={"documents": ["paspor"]})
    assert_error(unknown, 422, "invalid_missing")


def test_a_staff_session_needs_its_csrf_token(csrf_client, case_type, officer):
    csrf_client.force_login(officer)
    refused = post_json(csrf_client, CASES, body(case_type))
    assert_error(refused, 403, "csrf_failed")
    assert Case.objects.count() == 0
