"""An agency's system works its booth's applications through the cases API.

With an API client key (`Bearer mppc_...`) it takes the agency's steps through the same
services as an officer: actor kind "agency", named in the history by the client's name,
"client_id" in the event log's data, and never in a user column (the history's actor,
assigned_to, uploaded_by, the event's actor_id). It sees only its agency's booths in its
malls, records no application and submits no draft; its Idempotency-Keys are its own.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mpp.accounts.services import token_create
from mpp.cases import services
from mpp.cases.documents import document_add
from mpp.cases.models import Case, CaseDocument, CaseEvent, Channel
from mpp.complaints.models import ComplaintAction
from mpp.core.models import Event
from mpp.integrations.clients import client_key_create, client_revoke
from mpp.integrations.models import ApiClient
from tests.api.helpers import assert_error, post_json
from tests.factories import (
    CaseFieldFactory,
    CaseTypeFactory,
    ComplaintFactory,
    DocumentRequirementFactory,
    MallFactory,
    OfferingFactory,
    client_with_key,
)

pytestmark = pytest.mark.django_db

NIK = "3210011505900001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def case_type(offering):
    ct = CaseTypeFactory(offering=offering, completion_days=5)
    CaseFieldFactory(case_type=ct, key="purpose", label="Keperluan", kind="text")
    DocumentRequirementFactory(case_type=ct, code="ktp", name="KTP-el", formats="pdf,jpg,png")
    return ct


@pytest.fixture
def agency_client(case_type):
    """(client, headers): the system of the booth's agency, serving the mall."""
    client, raw = client_with_key(
        name="SIAK Majalengka", agency=case_type.booth.agency, malls=[case_type.mall]
    )
    return client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def submitted(case_type, *, name="Siti Aminah") -> Case:
    """A case a citizen submitted on the web, with its KTP."""
    case = services.case_start(
        case_type=case_type,
        channel=Channel.WEB,
        applicant_name=name,
        nik=NIK,
        answers={"purpose": "Melamar pekerjaan"},
    )
    document_add(
        case=case,
        upload=SimpleUploadedFile("ktp.pdf", PDF),
        requirement=case_type.documents.get(code="ktp"),
        channel=Channel.WEB,
        actor_kind="citizen",
    )
    case.refresh_from_db()
    return services.case_submit(case=case, channel=Channel.WEB)


def step(client, case_id, auth, etag, to, **extra):
    return post_json(
        client, f"{CASES}/{case_id}/transitions", {"to": to, **extra}, HTTP_IF_MATCH=etag, **auth
    )


def upload(client, case_id, auth, etag, **fields):
    data = {"file": SimpleUploadedFile("berkas.pdf", PDF, content_type="application/pdf")}
    data.update(fields)
    return client.post(f"{CASES}/{case_id}/documents", data, HTTP_IF_MATCH=etag, **auth)


def test_an_agency_system_takes_the_agencys_steps(client, case_type, agency_client):
    api_client, auth = agency_client
    case = submitted(case_type)
    before = set(CaseEvent.objects.filter(case=case).values_list("pk", flat=True))
    response = client.get(f"{CASES}/{case.pk}", **auth)
    assert response.status_code == 200, response.content
    assert response.json()["next_statuses"] == ["verification"]
    etag = response["ETag"]

    def go(to, **extra):
        nonlocal etag
        response = step(client, case.pk, auth, etag, to, **extra)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == to
        etag = response["ETag"]
        return response.json()

    go("verification")
    go("returned", missing={"documents": ["ktp"], "note": "Foto KTP buram."})
    response = upload(client, case.pk, auth, etag, requirement="ktp")
    assert response.status_code == 201, response.content
    etag = response["ETag"]
    go("submitted")  # the agency resubmits the returned case it was sent again
    go("verification")
    go("processing", internal_note="Diterima di SIAK.")
    response = upload(client, case.pk, auth, etag, kind="output")
    assert response.status_code == 201, response.content
    etag = response["ETag"]
    go("ready")
    done = go("completed")
    assert done["history"][-1]["to_status"] == "completed"

    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    assert case.assigned_to_id is None  # verification gives a person the case, not a system
    documents = CaseDocument.objects.filter(case=case, channel=Channel.API)
    assert documents.count() == 2 and not documents.exclude(uploaded_by=None).exists()
    steps = CaseEvent.objects.filter(case=case).exclude(pk__in=before)
    assert steps.count() == 9  # 7 steps and 2 documents
    for row in steps:
        assert row.actor_id is None and row.actor_label == "SIAK Majalengka", row.kind
        assert row.actor_kind == "agency" and row.channel == Channel.API, row.kind
    events = Event.objects.filter(subject_type="case", subject_id=str(case.pk))
    ours = events.filter(data__channel=Channel.API)
    assert ours.count() == 9
    for event in ours:
        assert event.actor_id is None, event.kind
        assert event.data["client_id"] == api_client.pk, event.kind
        assert event.data["actor_kind"] == "agency", event.kind
    kinds = {e.kind for e in ours}
    assert kinds >= {"case.verification_started", "case.document_added", "case.completed"}
    assert not events.exclude(data__channel=Channel.API).filter(data__has_key="client_id").exists()


def test_an_officers_steps_are_as_before(client, case_type, officer):
    """People through the API: their user in the history, no client_id."""
    case = submitted(case_type)
    auth = bearer(token_create(username=officer.username))
    response = step(client, case.pk, auth, f'"v{case.version}"', "verification")
    assert response.status_code == 200, response.content
    row = CaseEvent.objects.get(case=case, to_status="verification")
    assert row.actor_id == officer.pk and row.actor_kind == "agency"
    case.refresh_from_db()
    assert case.assigned_to_id == officer.pk
    event = Event.objects.get(kind="case.verification_started", subject_id=str(case.pk))
    assert event.actor_id == officer.pk and "client_id" not in event.data


def test_an_agency_system_records_no_application(client, case_type, agency_client, officer):
    _api_client, auth = agency_client
    body = {
        "mall": case_type.mall.code,
        "service": case_type.service.code,
        "applicant_name": "Siti Aminah",
        "nik": NIK,
    }
    count = Case.objects.count()
    assert_error(post_json(client, CASES, body, **auth), 403, "forbidden")
    draft = services.case_start(
        case_type=case_type,
        channel=Channel.COUNTER,
        applicant_name="Budi",
        nik=NIK,
        answers={"purpose": "Uji"},
        actor=officer,
    )
    refused = step(client, draft.pk, auth, f'"v{draft.version}"', "submitted")
    assert_error(refused, 403, "not_allowed")  # from draft: the citizen's or an officer's
    draft.refresh_from_db()
    assert draft.status == Case.Status.DRAFT and Case.objects.count() == count + 1


def test_other_systems_see_nothing(client, case_type, agency_client, mall):
    """Another agency's system at the mall, the same agency's at another mall only, a
    revoked system, and one without case.process: the case is not theirs."""
    api_client, auth = agency_client
    case = submitted(case_type)
    etag = f'"v{case.version}"'
    other_agency = client_with_key(name="Sistem lain", malls=[mall])[1]
    other_mall = client_with_key(agency=api_client.agency, malls=[MallFactory()])[1]
    reader = client_with_key(
        agency=api_client.agency, malls=[mall], operations=["ticket.read", "booking.read"]
    )[1]
    for raw in (other_agency, other_mall, reader):
        assert_error(client.get(f"{CASES}/{case.pk}", **bearer(raw)), 404, "case_not_found")
        refused = step(client, case.pk, bearer(raw), etag, "verification")
        assert_error(refused, 404, "case_not_found")
        assert_error(upload(client, case.pk, bearer(raw), etag), 404, "case_not_found")
    for raw in (other_agency, other_mall):
        listed = client.get(CASES, **bearer(raw))
        assert listed.status_code == 200 and listed.json()["count"] == 0
    assert_error(client.get(CASES, **bearer(reader)), 403, "forbidden")
    mine = client.get(CASES, **auth).json()
    assert [item["id"] for item in mine["items"]] == [str(case.pk)]
    client_revoke(client=api_client)
    assert_error(client.get(f"{CASES}/{case.pk}", **auth), 401, "unauthorized")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.version == int(etag[2:-1])


def test_a_client_and_a_user_with_one_id_keep_their_keys_apart(client, case_type, officer):
    """Idempotency-Keys are scoped per caller: a client is never the user of its id."""
    twin = ApiClient.objects.create(
        pk=officer.pk, name="SIAK kembar", agency=case_type.booth.agency
    )
    twin.operations = ["case.process"]
    twin.save()
    twin.malls.set([case_type.mall])
    raw = client_key_create(client=twin)
    case = submitted(case_type)
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = step(client, case.pk, {**bearer(raw), **key}, f'"v{case.version}"', "verification")
    assert first.status_code == 200, first.content
    staff = {**bearer(token_create(username=officer.username)), **key}
    again = step(client, case.pk, staff, first["ETag"], "verification")
    assert again.get("Idempotent-Replayed") is None  # the officer's own request ran
    assert_error(again, 409, "invalid_state")
    replayed = step(client, case.pk, {**bearer(raw), **key}, f'"v{case.version}"', "verification")
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json() == first.json()


def test_a_complaint_note_from_an_agency_system(client, offering, mall):
    """complaint.handle: a note on a complaint about the agency's booth, with no user
    behind it; another agency's complaint is refused."""
    api_client, raw = client_with_key(
        name="Sistem Pengaduan", agency=offering.booth.agency, malls=[mall]
    )
    complaint = ComplaintFactory(offering=offering)
    url = f"/api/v1/complaints/{complaint.pk}/note"
    note = {"note": "Sudah ditindaklanjuti di sistem dinas."}
    response = post_json(client, url, note, **bearer(raw))
    assert response.status_code == 200, response.content
    action = ComplaintAction.objects.get(complaint=complaint, kind="noted")
    assert action.actor_id is None and action.internal_note == note["note"]
    event = Event.objects.get(kind="complaint.noted", subject_id=str(complaint.pk))
    assert event.actor_id is None and event.data["client_id"] == api_client.pk
    base = f"/api/v1/complaints/{complaint.pk}"
    refused = post_json(client, f"{base}/close", {}, **bearer(raw))  # a supervisor's
    assert_error(refused, 403, "forbidden")
    refused = post_json(client, f"{base}/forward", {"booth": offering.booth_id}, **bearer(raw))
    assert_error(refused, 403, "forbidden")  # the mall manager's
    theirs = ComplaintFactory(offering=OfferingFactory(booth__mall=mall))
    other = post_json(client, f"/api/v1/complaints/{theirs.pk}/note", note, **bearer(raw))
    assert_error(other, 403, "forbidden")
    assert not ComplaintAction.objects.filter(complaint=theirs).exists()
    assert ComplaintAction.objects.filter(complaint=complaint).count() == 1
