"""The officers' and managers' application pages: the work queue, a case and its steps,
files, recording a walk-in's application at the counter, and the figures.

Cases are made through the services (started, a document sent, submitted by the
citizen), then worked through the pages with Django's test client, as an officer of
the case's booth, of another booth of the same mall (403) and of another mall (404).
Pages are asked in English (cookie django_language=en) where a test reads their text.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.cases import documents, services
from mpp.cases.models import Case, CaseDocument, CaseEvent, Channel
from mpp.queueing import services as queue
from mpp.queueing.models import Source
from tests.factories import (
    CaseFactory,
    CaseFieldFactory,
    CaseTypeFactory,
    CounterFactory,
    DocumentRequirementFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.midday  # a ticket is served today, at the mall's midday

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    """A 1x1 PNG with correct chunk CRCs (core.uploads checks them)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


NIK = "3210011505900001"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _pdf(name="ktp.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class World:
    """Mall A with booths A1 (the officer's) and A2, and mall B; a case type in each."""

    def __init__(self):
        self.mall = MallFactory()
        self.offering = OfferingFactory(booth__mall=self.mall)
        self.booth = self.offering.booth
        self.case_type = CaseTypeFactory(offering=self.offering, completion_days=5)
        CaseFieldFactory(case_type=self.case_type, key="alamat", label="Alamat", required=True)
        self.ktp = DocumentRequirementFactory(case_type=self.case_type, code="ktp", name="KTP-el")
        self.kk = DocumentRequirementFactory(
            case_type=self.case_type, code="kk", name="Kartu Keluarga", required=False
        )
        self.other_offering = OfferingFactory(booth__mall=self.mall)
        self.other_type = CaseTypeFactory(offering=self.other_offering)
        self.mall_b = MallFactory()
        self.offering_b = OfferingFactory(booth__mall=self.mall_b)
        self.type_b = CaseTypeFactory(offering=self.offering_b)
        self.officer = UserFactory(mall=self.mall, booth=self.booth)
        self.officer_a2 = UserFactory(mall=self.mall, booth=self.other_offering.booth)
        self.officer_b = UserFactory(mall=self.mall_b, booth=self.offering_b.booth)
        self.manager = UserFactory(mall=self.mall, role=Role.MALL_MANAGER)

    def submitted(self, case_type=None, *, name="Siti Aminah", with_document=True) -> Case:
        case_type = case_type or self.case_type
        case = services.case_start(
            case_type=case_type,
            channel=Channel.WEB,
            applicant_name=name,
            nik=NIK,
            phone="081234567890",
            answers={"alamat": "Jl. Siliwangi 1"} if case_type == self.case_type else {},
        )
        if with_document and case_type == self.case_type:
            documents.document_add(
                case=case,
                upload=_pdf(),
                requirement=self.ktp,
                channel=Channel.WEB,
                actor_kind="citizen",
            )
        return services.case_submit(case=case, channel=Channel.WEB)


@pytest.fixture
def w(db):
    return World()


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def _act(client, case, to, **extra):
    case.refresh_from_db()
    data = {"to": to, "version": case.version, **extra}
    return client.post(reverse("cases:staff_case_act", args=[case.number]), data)


# The work queue ---------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_sign_in_page(client, w):
    case = w.submitted()
    for url in (
        reverse("cases:staff_queue"),
        reverse("cases:staff_case", args=[case.number]),
        reverse("cases:staff_figures"),
        reverse("cases:staff_record"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("web:login")), url


def test_queue_lists_the_booths_cases_overdue_first_with_counts(en, w):
    later = w.submitted(name="Budi Santoso")
    late = w.submitted(name="Citra Lestari")
    Case.objects.filter(pk=late.pk).update(due_on=dt.date(2020, 1, 6))
    other_booth = w.submitted(w.other_type)
    other_mall = w.submitted(w.type_b)
    en.force_login(w.officer)
    response = en.get(reverse("cases:staff_queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert late.number in html and later.number in html
    assert html.index(late.number) < html.index(later.number)  # overdue first
    assert other_booth.number not in html and other_mall.number not in html
    assert 'data-status-count="submitted"' in html
    counts = {status: n for status, _label, n in response.context["counts"]}
    assert counts["submitted"] == 2 and counts["verification"] == 0
    assert response.context["overdue_total"] == 1
    assert "is-overdue" in html
    # Personal data stays out of the page's links: only numbers and ids.
    assert "081234567890" not in html and NIK not in html


def test_queue_pages_through_a_long_list_keeping_the_filters(en, w):
    from mpp.cases.views.staff_queue import PAGE_ROWS

    for i in range(PAGE_ROWS + 3):
        CaseFactory(
            case_type=w.case_type,
            status="submitted",
            submitted_at=dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC),
            due_on=dt.date(2099, 1, 1) + dt.timedelta(days=i),
            applicant_name=f"Warga {i:03d}",
        )
    en.force_login(w.officer)
    first = en.get(reverse("cases:staff_queue"), {"status": "submitted"})
    assert len(first.context["rows"]) == PAGE_ROWS
    assert first.context["previous_page"] == ""
    assert (
        "status=submitted" in first.context["next_page"] and "page=2" in first.context["next_page"]
    )
    second = en.get(reverse("cases:staff_queue") + first.context["next_page"])
    names = [c.applicant_name for c in second.context["rows"]]
    assert names == ["Warga 050", "Warga 051", "Warga 052"]  # by due date, after page 1's
    assert second.context["next_page"] == "" and "page=1" in second.context["previous_page"]
    # Nonsense page numbers are page 1 or an empty page, never a 500.
    for page in ("0", "-3", "x", "99999999999999999999"):
        assert en.get(reverse("cases:staff_queue"), {"page": page}).status_code == 200


def test_queue_filters_by_status_and_service(en, w):
    submitted = w.submitted()
    started = w.submitted(name="Dewi Sartika")
    services.case_transition(
        case=started, to="verification", channel=Channel.COUNTER, actor=w.officer,
        actor_kind="officer",
    )  # fmt: skip
    en.force_login(w.officer)
    html = en.get(reverse("cases:staff_queue"), {"status": "verification"}).content.decode()
    assert started.number in html and submitted.number not in html
    html = en.get(
        reverse("cases:staff_queue"), {"service": w.other_offering.service.code}
    ).content.decode()
    assert started.number in html and submitted.number in html  # not theirs: left out
    html = en.get(
        reverse("cases:staff_queue"), {"service": w.offering.service.code}
    ).content.decode()
    assert started.number in html and submitted.number in html
    # Nonsense filters are ignored, never a 500.
    assert en.get(reverse("cases:staff_queue"), {"status": "<x>", "booth": "z"}).status_code == 200


def test_manager_sees_every_booth_and_may_narrow_to_one(en, w):
    own = w.submitted()
    other = w.submitted(w.other_type)
    en.force_login(w.manager)
    html = en.get(reverse("cases:staff_queue")).content.decode()
    assert own.number in html and other.number in html
    html = en.get(reverse("cases:staff_queue"), {"booth": w.other_offering.booth.pk}).content
    assert other.number in html.decode() and own.number not in html.decode()


def test_bulk_start_verification_takes_only_the_officers_submitted_cases(en, w):
    first, second = w.submitted(), w.submitted(name="Eko Prasetyo")
    foreign = w.submitted(w.other_type)
    en.force_login(w.officer)
    response = en.post(
        reverse("cases:staff_bulk"),
        {
            "case": [str(first.pk), str(second.pk), str(foreign.pk), "not-an-id"],
            "back": "?status=submitted&x=%0D%0A",  # the filters come back, safely encoded
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:staff_queue") + "?status=submitted&x=%0D%0A"
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == Case.Status.VERIFICATION
        assert case.assigned_to_id == w.officer.pk
    foreign.refresh_from_db()
    assert foreign.status == Case.Status.SUBMITTED
    page = en.get(response["Location"]).content.decode()
    assert "Verification started: 2 application(s)." in page
    assert "Not started (not submitted, or not yours): 1 application(s)." in page
    # Nothing ticked: a message, nothing changes.
    response = en.post(reverse("cases:staff_bulk"), {}, follow=True)
    assert "Tick at least one submitted application." in response.content.decode()


# Access to one case -----------------------------------------------------------------------


def test_another_booths_officer_gets_403_another_malls_404(client, w):
    case = w.submitted()
    document = case.documents.get()
    urls = [
        ("get", reverse("cases:staff_case", args=[case.number]), {}),
        ("get", reverse("cases:staff_case_document", args=[case.number, document.pk]), {}),
        ("post", reverse("cases:staff_case_act", args=[case.number]),
         {"to": "verification", "version": case.version}),
        ("post", reverse("cases:staff_case_assign", args=[case.number]), {}),
        ("post", reverse("cases:staff_case_upload", args=[case.number]),
         {"kind": "scanned", "file": _pdf()}),
    ]  # fmt: skip
    for user, status in ((w.officer_a2, 403), (w.officer_b, 404)):
        client.force_login(user)
        for method, url, data in urls:
            if "file" in data:
                data = {**data, "file": _pdf()}
            response = getattr(client, method)(url, data)
            assert response.status_code == status, (user, url, response.status_code)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.assigned_to_id is None
    assert case.documents.count() == 1
    client.force_login(w.officer)
    assert client.get(reverse("cases:staff_case", args=["26ZZZZZZZZ"])).status_code == 404
    assert client.get(reverse("cases:staff_case", args=["<b>"])).status_code == 404


def test_case_page_shows_answers_documents_and_history(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    response = en.get(reverse("cases:staff_case", args=[case.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alamat" in html and "Jl. Siliwangi 1" in html
    assert "Application started" in html and "Document added" in html  # the history
    assert "KTP-el" in html
    assert 'capture="environment"' in html
    assert 'data-key="V"' in html  # submitted: start verification
    assert 'data-key="R"' not in html  # not returnable before verification
    assert NIK not in html and case.nik_masked in html
    document = case.documents.get()
    download = en.get(reverse("cases:staff_case_document", args=[case.number, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    missing = en.get(reverse("cases:staff_case_document", args=[case.number, 999999]))
    assert missing.status_code == 404


# Steps ----------------------------------------------------------------------------------------


def test_verify_process_attach_output_ready_complete(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    assert _act(en, case, "verification").status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFICATION
    html = en.get(reverse("cases:staff_case", args=[case.number])).content.decode()
    assert 'data-key="P"' in html and 'data-key="R"' in html and 'data-key="X"' in html
    _act(en, case, "processing", internal_note="Berkas lengkap.")
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING
    # A scan of a paper and the product, through the counter's file input.
    response = en.post(
        reverse("cases:staff_case_upload", args=[case.number]),
        {"kind": "scanned", "requirement": "kk", "file": _pdf("kk.pdf")},
    )
    assert response.status_code == 302
    response = en.post(
        reverse("cases:staff_case_upload", args=[case.number]),
        {"kind": "output", "file": SimpleUploadedFile("akta.png", _png(), "image/png")},
    )
    assert response.status_code == 302
    kinds = sorted(case.documents.values_list("kind", "channel"))
    assert kinds == [
        (CaseDocument.Kind.OUTPUT, Channel.COUNTER),
        (CaseDocument.Kind.SCANNED, Channel.COUNTER),
        (CaseDocument.Kind.SUBMITTED, Channel.WEB),
    ]
    _act(en, case, "ready", note="Silakan ambil di loket 3.")
    case.refresh_from_db()
    assert case.status == Case.Status.READY
    _act(en, case, "completed")
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED and case.completed_at is not None
    steps = list(case.events.filter(kind="transition").values_list("to_status", "channel"))
    assert steps[-4:] == [
        ("verification", "counter"), ("processing", "counter"),
        ("ready", "counter"), ("completed", "counter"),
    ]  # fmt: skip
    internal = case.events.get(to_status="processing")
    assert internal.internal_note == "Berkas lengkap." and internal.actor_id == w.officer.pk
    html = en.get(reverse("cases:staff_case", args=[case.number])).content.decode()
    assert "data-step=" not in html and 'id="upload"' not in html  # closed: no step, no file


def test_a_stale_version_is_refused_and_shown_again(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    stale = case.version
    _act(en, case, "verification")
    response = en.post(
        reverse("cases:staff_case_act", args=[case.number]),
        {"to": "returned", "version": stale, "missing": ["ktp"]},
        follow=True,
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFICATION
    assert 'class="msg-error"' in response.content.decode()


def test_return_with_a_checklist_of_missing_documents(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    _act(en, case, "verification")
    # Neither a document ticked nor a note: the form says so, nothing changes.
    response = _act(en, case, "returned")
    assert response.status_code == 400
    assert "Tick the missing documents or say what is missing." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFICATION
    # An unknown code is refused by the form as well.
    assert _act(en, case, "returned", missing=["paspor"]).status_code == 400
    response = _act(en, case, "returned", missing=["kk"], note="Lampirkan KK terbaru.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RETURNED
    assert case.missing == {"documents": ["kk"], "note": "Lampirkan KK terbaru."}
    assert case.returned_at is not None
    html = en.get(reverse("cases:staff_case", args=[case.number])).content.decode()
    assert "Kartu Keluarga" in html and "Lampirkan KK terbaru." in html


def test_reject_needs_a_reason(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    _act(en, case, "verification")
    response = _act(en, case, "rejected", note="  ")
    assert response.status_code == 400
    assert "Write the reason for the rejection." in response.content.decode()
    _act(en, case, "rejected", note="Bukan wilayah layanan MPP ini.")
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED
    assert case.outcome_note == "Bukan wilayah layanan MPP ini."


def test_a_step_the_workflow_does_not_allow_is_a_message_not_a_500(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    response = _act(en, case, "completed")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert _act(en, case, "nonsense").status_code == 400
    bad = en.post(reverse("cases:staff_case_act", args=[case.number]), {"to": "verification"})
    assert bad.status_code == 400  # no version


def test_take_the_case_and_bad_uploads(en, w):
    case = w.submitted()
    en.force_login(w.officer)
    en.post(reverse("cases:staff_case_assign", args=[case.number]))
    case.refresh_from_db()
    assert case.assigned_to_id == w.officer.pk
    # A "PDF" that is not one, and no file at all: a readable refusal, nothing stored.
    fake = SimpleUploadedFile("scan.pdf", b"MZ this is no pdf", "application/pdf")
    response = en.post(
        reverse("cases:staff_case_upload", args=[case.number]), {"kind": "scanned", "file": fake}
    )
    assert response.status_code == 400
    response = en.post(reverse("cases:staff_case_upload", args=[case.number]), {"kind": "scanned"})
    assert response.status_code == 400
    assert case.documents.count() == 1


# Recording at the counter ---------------------------------------------------------------


def _serving_ticket(w, officer=None):
    officer = officer or w.officer
    counter = CounterFactory(mall=w.mall, booth=w.booth, serves=[w.offering])
    queue.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    ticket = queue.ticket_issue(
        mall=w.mall, service_code=w.offering.service.code, source=Source.MOBILE
    )
    queue.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    return queue.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)


def test_record_an_application_for_the_ticket_at_my_counter(en, w):
    ticket = _serving_ticket(w)
    en.force_login(w.officer)
    listing = en.get(reverse("cases:staff_record")).content.decode()
    assert ticket.number in listing and str(ticket.pk) in listing
    form = en.post(reverse("cases:staff_record"), {"ticket": str(ticket.pk)})
    assert form.status_code == 200
    assert 'name="applicant_name"' in form.content.decode()
    # A wrong NIK: shown at the field, nothing written.
    data = {
        "ticket": str(ticket.pk),
        "case_type": w.case_type.pk,
        "applicant_name": "Rina Wati",
        "nik": "1234",
        "relation": "self",
        "language": "id",
    }
    response = en.post(reverse("cases:staff_record"), data)
    assert response.status_code == 400
    assert Case.objects.count() == 0
    response = en.post(reverse("cases:staff_record"), {**data, "nik": "3210 0115 0590 0001"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:staff_case", args=[case.number])
    assert case.channel == Channel.COUNTER and case.ticket_id == ticket.pk
    assert case.status == Case.Status.DRAFT and case.nik_masked.endswith("0001")
    started = case.events.get()
    assert started.actor_id == w.officer.pk and started.channel == Channel.COUNTER
    # The officer fills in the answers, scans the KTP and submits for the citizen.
    page = en.get(response["Location"]).content.decode()
    assert 'name="alamat"' in page and 'data-key="S"' in page
    en.post(reverse("cases:staff_case_answers", args=[case.number]), {"alamat": "Jl. Ahmad Yani 2"})
    en.post(
        reverse("cases:staff_case_upload", args=[case.number]),
        {"kind": "scanned", "requirement": "ktp", "file": _pdf()},
    )
    assert _act(en, case, "submitted").status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.due_on is not None
    assert case.answers == {"alamat": "Jl. Ahmad Yani 2"}
    submitted = case.events.get(to_status="submitted")
    assert submitted.channel == Channel.COUNTER and submitted.actor_id == w.officer.pk


def test_record_refuses_a_ticket_not_at_my_counter(client, w):
    ticket = _serving_ticket(w, officer=w.officer_a2)  # at a counter A2's officer opened
    client.force_login(w.officer)
    response = client.post(reverse("cases:staff_record"), {"ticket": str(ticket.pk)})
    assert response.status_code == 403
    assert client.post(reverse("cases:staff_record"), {"ticket": "nope"}).status_code == 404
    client.force_login(w.officer_b)  # another mall
    assert client.post(reverse("cases:staff_record"), {"ticket": str(ticket.pk)}).status_code == 404
    client.force_login(w.officer)
    listing = client.get(reverse("cases:staff_record")).content.decode()
    assert ticket.number not in listing
    assert Case.objects.count() == 0 and not CaseEvent.objects.exists()


# Figures --------------------------------------------------------------------------------


def test_figures_for_the_manager_not_for_officers(en, w):
    done = w.submitted()
    for to in ("verification", "processing", "ready", "completed"):
        services.case_transition(
            case=done, to=to, channel=Channel.COUNTER, actor=w.officer, actor_kind="officer"
        )
    late = w.submitted(name="Fajar Nugroho")
    Case.objects.filter(pk=late.pk).update(due_on=dt.date(2020, 1, 6))
    en.force_login(w.manager)
    response = en.get(reverse("cases:staff_figures"))
    assert response.status_code == 200
    html = response.content.decode()
    assert w.offering.service.name in html
    assert late.number in html  # the overdue list
    assert 'data-figure="total">2<' in html
    bad = en.get(reverse("cases:staff_figures"), {"start": "2026-12-31", "end": "2026-01-01"})
    assert bad.status_code == 200 and "The start is after the end." in bad.content.decode()
    en.force_login(w.officer)
    assert en.get(reverse("cases:staff_figures")).status_code == 403
    en.force_login(UserFactory(mall=w.mall_b, role=Role.MALL_MANAGER))
    assert late.number not in en.get(reverse("cases:staff_figures")).content.decode()


def test_a_citizens_own_draft_is_not_filled_in_or_sent_by_staff(en, w):
    draft = services.case_start(
        case_type=w.case_type, channel=Channel.WEB, applicant_name="Gita Permata", nik=NIK
    )
    en.force_login(w.officer)
    html = en.get(reverse("cases:staff_case", args=[draft.number])).content.decode()
    assert 'name="alamat"' not in html and "data-step=" not in html
    response = en.post(
        reverse("cases:staff_case_answers", args=[draft.number]),
        {"alamat": "Jl. Lain 3"},
        follow=True,
    )
    assert "Only an application recorded at the counter is filled in here." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.answers == {} and draft.status == Case.Status.DRAFT
