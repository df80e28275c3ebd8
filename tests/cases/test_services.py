"""The writes of an application's life: start, answers, submit, each step, withdraw,
assign, escalate; with their events, messages, versions and refusals."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mpp.accounts.models import Role
from mpp.cases import services
from mpp.cases.documents import document_add
from mpp.cases.escalation import EVERY_SECONDS
from mpp.cases.models import Case, CaseDocument, CaseEvent, CaseType, Channel
from mpp.cases.numbers import number_clean, phone_digest
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.models import Event
from mpp.core.pii import nik_digest_matches
from mpp.notifications.models import Message
from mpp.notifications.periodic import registered
from mpp.notifications.rendering import render
from mpp.surveys.models import SurveyInvitation
from tests.cases.lifecycle import (
    E164,
    FRIDAY,
    NIK,
    S,
    at,
    case_type,
    officer_of,
    start,
    step,
    submitted,
)
from tests.core.upload_samples import PDF
from tests.factories import CaseFieldFactory, DocumentRequirementFactory, UserFactory

D = dt.date


@pytest.fixture
def ctype(mall):
    return case_type(mall)


@pytest.fixture
def officer(ctype):
    return officer_of(ctype)


def _no_personal_data(kind_prefix="case."):
    for event in Event.objects.filter(kind__startswith=kind_prefix):
        text = str(event.data)
        for secret in (NIK, NIK[-4:], E164, "Siti"):
            assert secret not in text


# Start --------------------------------------------------------------------------------


def test_start_makes_a_draft_without_the_nik(ctype):
    case = start(ctype, email="Siti@Example.COM")
    case.refresh_from_db()
    assert case.status == S.DRAFT
    assert number_clean(case.number) == case.number
    assert case.number.startswith("26")
    assert case.nik_masked == "************0001"
    assert nik_digest_matches(case.nik_digest, NIK)
    assert NIK not in case.nik_digest
    assert case.phone == E164
    assert case.phone_digest == phone_digest("081234567890")
    assert case.email == "Siti@example.com"
    assert (case.mall_id, case.booth_id, case.service_id) == (
        ctype.mall_id,
        ctype.booth_id,
        ctype.service_id,
    )
    assert case.due_on is None and case.submitted_at is None
    [event] = case.events.all()
    assert (event.kind, event.to_status, event.actor_kind) == ("started", S.DRAFT, "citizen")
    assert Event.objects.filter(kind="case.started", subject_id=str(case.pk)).exists()
    _no_personal_data()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"nik": "1234"}, "invalid_nik"),
        ({"nik": "3210013205900001"}, "invalid_nik"),  # 32 May
        ({"applicant_name": "  "}, "invalid_name"),
        ({"phone": "021-555-1234"}, "invalid_phone"),  # a landline
        ({"email": "not-an-address"}, "invalid_email"),
        ({"relation": "cousin"}, "invalid_relation"),
        ({"relation": "parent"}, "invalid_subject_name"),
        ({"channel": "fax"}, "invalid_channel"),
    ],
)
def test_start_refuses_bad_input_and_writes_nothing(ctype, kwargs, code):
    with pytest.raises(Invalid) as refused:
        start(ctype, **kwargs)
    assert refused.value.code == code
    assert NIK not in refused.value.message
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_start_for_someone_else_and_on_a_closed_type(ctype):
    case = start(ctype, relation="parent", subject_name="  Budi   Santoso ")
    assert case.subject_name == "Budi Santoso"
    CaseType.objects.filter(pk=ctype.pk).update(is_open=False)
    ctype.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        start(ctype)
    assert refused.value.code == "case_type_closed"


def test_an_officer_records_at_the_counter_but_not_at_another_mall(ctype, officer):
    case = start(ctype, channel=Channel.COUNTER, actor=officer, phone="")
    assert case.events.get().actor_kind == "officer"
    assert case.phone == "" and case.phone_digest == ""
    stranger = UserFactory(mall=case_type().mall, role=Role.OFFICER)
    with pytest.raises(Forbidden):
        start(ctype, channel=Channel.COUNTER, actor=stranger)


# Answers and submission -------------------------------------------------------------------


def test_answers_are_saved_partially_then_checked_in_full(ctype):
    CaseFieldFactory(case_type=ctype, key="nama_ayah", label="Nama ayah")
    CaseFieldFactory(case_type=ctype, key="anak_ke", label="Anak ke", kind="number")
    case = start(ctype, answers={"nama_ayah": "Ahmad"})
    assert case.answers == {"nama_ayah": "Ahmad"}
    with pytest.raises(Invalid) as refused:
        services.case_submit(case=case, channel=Channel.WEB, now=FRIDAY)
    assert refused.value.code == "invalid_answers"
    assert "anak_ke" in refused.value.errors
    case = services.case_save_answers(case=case, answers={"anak_ke": "2"}, channel="web")
    assert case.answers == {"nama_ayah": "Ahmad", "anak_ke": 2}
    case = services.case_save_answers(case=case, answers={"nama_ayah": ""}, channel="web")
    assert case.answers == {"anak_ke": 2}
    case = services.case_save_answers(case=case, answers={"nama_ayah": "Ahmad"}, channel="web")
    case = services.case_submit(case=case, channel=Channel.WEB, now=FRIDAY)
    assert case.status == S.SUBMITTED
    assert case.form_schema["properties"].keys() == {"nama_ayah", "anak_ke"}
    assert case.form_version == ctype.form_version


def test_submit_sets_the_clock_and_tells_the_citizen(ctype, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    case = start(ctype, email="siti@example.com")
    version = case.version
    case = services.case_submit(case=case, channel=Channel.WEB, now=FRIDAY)
    assert case.status == S.SUBMITTED
    assert case.submitted_at == FRIDAY
    assert case.due_on == D(2026, 3, 27)  # 5 working days after Friday 13 March 2026
    assert case.version == version + 1
    messages = {m.channel: m for m in Message.objects.filter(template="case_submitted")}
    assert set(messages) == {"sms", "email"}
    assert messages["sms"].recipient == E164
    sms = render(
        template="case_submitted", channel="sms", language="en", context=messages["sms"].context
    )
    assert "received" in sms.body and case.number[:2] in sms.body
    assert len(sms.body) <= 160
    mail = render(
        template="case_submitted", channel="email", language="en", context=messages["email"].context
    )
    assert "27 March 2026" in mail.body
    assert NIK not in mail.body and "0001" not in str(messages["email"].context)
    _no_personal_data()


def test_submit_refuses_missing_documents_and_changes_nothing(ctype):
    DocumentRequirementFactory(case_type=ctype, code="ktp", name="KTP-el")
    case = start(ctype)
    with pytest.raises(services.DocumentsMissing) as refused:
        services.case_submit(case=case, channel=Channel.WEB, now=FRIDAY)
    assert refused.value.code == "documents_missing"
    assert [r.code for r in refused.value.requirements] == ["ktp"]
    case.refresh_from_db()
    assert case.status == S.DRAFT and case.due_on is None and case.version == 1
    assert case.events.count() == 1 and not Message.objects.exists()


def test_version_mismatch_is_refused(ctype, officer):
    case = submitted(ctype)
    with pytest.raises(Conflict) as refused:
        step(case, S.VERIFICATION, officer, expected_version=case.version - 1)
    assert refused.value.code == "version_mismatch"
    case = step(case, S.VERIFICATION, officer, expected_version=case.version)
    assert case.status == S.VERIFICATION


# The whole way, with a return on the way ---------------------------------------------


def test_the_whole_way_with_a_return(ctype, officer, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    DocumentRequirementFactory(case_type=ctype, code="kk", name="Kartu Keluarga", required=False)
    case = submitted(ctype)  # Friday 13 March 2026, due Friday 27 March
    case = step(case, S.VERIFICATION, officer, now=at(2026, 3, 16, 9))
    assert case.assigned_to == officer
    case = step(
        case,
        S.RETURNED,
        officer,
        now=at(2026, 3, 16, 11),
        missing={"documents": ["kk"], "note": "Mohon unggah KK terbaru."},
        internal_note="KK lama, alamat beda",
    )
    assert case.status == S.RETURNED and case.returned_at == at(2026, 3, 16, 11)
    assert case.missing == {"documents": ["kk"], "note": "Mohon unggah KK terbaru."}
    returned = Message.objects.get(template="case_returned", channel="sms")
    assert returned.context["missing"] == ["Kartu Keluarga"]
    # the citizen answers on Wednesday 25 March: Tue 17 and Wed 25 stood still -> due Tue 31
    case = services.case_submit(case=case, channel=Channel.WEB, now=at(2026, 3, 25, 9))
    assert case.status == S.SUBMITTED
    assert case.due_on == D(2026, 3, 31)
    assert case.returned_at is None and case.missing == {}
    assert case.submitted_at == FRIDAY
    assert Message.objects.filter(template="case_submitted", channel="sms").count() == 2
    case = step(case, S.VERIFICATION, officer)
    case = step(case, S.PROCESSING, officer, actor_kind="agency", channel=Channel.API)
    case = step(case, S.READY, officer, note="Ambil di gerai 3.")
    assert case.outcome_note == "Ambil di gerai 3."
    assert Message.objects.filter(template="case_ready").count() == 1
    case = step(case, S.COMPLETED, officer, now=at(2026, 3, 30, 14))
    assert case.status == S.COMPLETED and case.completed_at == at(2026, 3, 30, 14)
    invitation = SurveyInvitation.objects.get(kind="case", transaction_id=str(case.pk))
    assert invitation.service_id == ctype.service_id and invitation.booth_id == ctype.booth_id
    done = Message.objects.get(template="case_completed", channel="sms")
    assert done.context["survey_url"].startswith("https://mpp.example.go.id/")
    assert invitation.token in done.context["survey_url"]
    statuses = [e.to_status for e in case.events.filter(kind="transition").order_by("pk")]
    assert statuses == [
        S.SUBMITTED, S.VERIFICATION, S.RETURNED, S.SUBMITTED, S.VERIFICATION,
        S.PROCESSING, S.READY, S.COMPLETED,
    ]  # fmt: skip
    assert case.version == 1 + len(statuses)
    kinds = set(Event.objects.filter(subject_id=str(case.pk)).values_list("kind", flat=True))
    assert {"case.returned", "case.ready", "case.completed", "case.processing_started"} <= kinds
    _no_personal_data()
    with pytest.raises(Conflict):
        step(case, S.READY, officer)


def test_without_agency_processing_verification_goes_straight_to_ready(mall):
    ctype = case_type(mall, uses_agency_processing=False)
    officer = officer_of(ctype)
    case = step(submitted(ctype), S.VERIFICATION, officer)
    with pytest.raises(Conflict) as refused:
        step(case, S.PROCESSING, officer)
    assert refused.value.code == "invalid_state"
    assert step(case, S.READY, officer).status == S.READY


def test_reject_needs_a_reason_and_tells_it(ctype, officer):
    case = step(submitted(ctype, email="siti@example.com"), S.VERIFICATION, officer)
    with pytest.raises(Invalid) as refused:
        step(case, S.REJECTED, officer, note="  ")
    assert refused.value.code == "reason_required"
    case = step(case, S.REJECTED, officer, note="NIK tidak terdaftar di Dukcapil.")
    assert case.outcome_note == "NIK tidak terdaftar di Dukcapil." and case.completed_at
    mail = Message.objects.get(template="case_rejected", channel="email")
    body = render(template="case_rejected", channel="email", language="en", context=mail.context)
    assert "NIK tidak terdaftar di Dukcapil." in body.body


@pytest.mark.parametrize(
    ("missing", "code"),
    [
        (None, "missing_required"),
        ({"documents": []}, "missing_required"),
        ({"documents": ["nope"]}, "invalid_missing"),
        ({"documents": "kk"}, "invalid_missing"),
        ("kk", "invalid_missing"),
    ],
)
def test_return_needs_to_say_what_is_missing(ctype, officer, missing, code):
    DocumentRequirementFactory(case_type=ctype, code="kk", required=False)
    case = step(submitted(ctype), S.VERIFICATION, officer)
    with pytest.raises(Invalid) as refused:
        step(case, S.RETURNED, officer, missing=missing)
    assert refused.value.code == code
    case.refresh_from_db()
    assert case.status == S.VERIFICATION
    # a note alone is enough
    assert step(case, S.RETURNED, officer, note="Foto buram.").missing == {
        "documents": [],
        "note": "Foto buram.",
    }


def test_who_may_take_which_step(ctype, officer):
    case = submitted(ctype)
    with pytest.raises(Forbidden) as refused:
        step(case, S.VERIFICATION, None, actor_kind="citizen")
    assert refused.value.code == "not_allowed"
    other_booth = officer_of(case_type(ctype.mall))
    with pytest.raises(Forbidden):
        step(case, S.VERIFICATION, other_booth)
    manager = UserFactory(mall=ctype.mall, role=Role.MALL_MANAGER)
    assert step(case, S.VERIFICATION, manager).status == S.VERIFICATION
    with pytest.raises(Forbidden):
        step(case, S.WITHDRAWN, officer)
    draft = start(ctype)
    with pytest.raises(Forbidden):
        services.case_submit(case=draft, channel=Channel.API, actor=officer, actor_kind="agency")
    with pytest.raises(Invalid):
        step(case, "archived", officer)
    with pytest.raises(Invalid):
        step(case, S.PROCESSING, officer, actor_kind="robot")


def test_the_citizen_withdraws_until_processing_ends(ctype, officer):
    case = step(step(submitted(ctype), S.VERIFICATION, officer), S.PROCESSING, officer)
    done = services.case_withdraw(case=case, channel=Channel.WEB, note="Sudah tidak perlu.")
    assert done.status == S.WITHDRAWN and done.completed_at is not None
    event = done.events.latest("at", "pk")
    assert (event.from_status, event.actor_kind, event.note) == (
        S.PROCESSING,
        "citizen",
        "Sudah tidak perlu.",
    )
    ready = step(
        step(step(submitted(ctype), S.VERIFICATION, officer), S.PROCESSING, officer),
        S.READY,
        officer,
    )
    with pytest.raises(Conflict):
        services.case_withdraw(case=ready, channel=Channel.WEB)
    via_transition = services.case_transition(
        case=start(ctype), to=S.WITHDRAWN, channel="web", actor_kind="citizen"
    )
    assert via_transition.status == S.WITHDRAWN


def test_a_product_sent_as_a_file_must_be_attached_before_ready(mall):
    ctype = case_type(mall, delivery=CaseType.Delivery.FILE, uses_agency_processing=False)
    officer = officer_of(ctype)
    case = step(submitted(ctype), S.VERIFICATION, officer)
    with pytest.raises(Conflict) as refused:
        step(case, S.READY, officer)
    assert refused.value.code == "output_missing"
    # Through the documents' own door: the product of a type without agency processing
    # is attached at verification (it never passes through processing).
    document_add(
        case=case,
        upload=SimpleUploadedFile("akta.pdf", PDF, content_type="application/pdf"),
        kind=CaseDocument.Kind.OUTPUT,
        channel="counter",
        actor=officer,
        actor_kind="officer",
    )
    assert step(case, S.READY, officer).status == S.READY


def test_assign(ctype, officer):
    case = submitted(ctype)
    colleague = officer_of(ctype)
    case = services.case_assign(case=case, officer=colleague, actor=officer)
    assert case.assigned_to == colleague
    assert case.events.filter(kind="assigned").count() == 1
    with pytest.raises(Invalid) as refused:
        services.case_assign(case=case, officer=officer_of(case_type(ctype.mall)), actor=officer)
    assert refused.value.code == "invalid_officer"
    assert services.case_assign(case=case, officer=None, actor=officer).assigned_to is None


def test_a_step_locks_and_writes_in_few_queries(ctype, officer):
    case = submitted(ctype)
    with CaptureQueriesContext(connection) as queries:
        step(case, S.VERIFICATION, officer)
    assert len(queries) <= 12


# Escalation ------------------------------------------------------------------------


def test_escalation_warns_the_booth_supervisors_once(ctype, officer):
    supervisor = officer_of(ctype, role=Role.BOOTH_SUPERVISOR, email="spv@example.go.id")
    officer_of(ctype, role=Role.BOOTH_SUPERVISOR)  # no e-mail: nothing to send
    elsewhere = officer_of(
        case_type(ctype.mall), role=Role.BOOTH_SUPERVISOR, email="x@example.go.id"
    )
    ctype.completion_days = 3
    ctype.save()
    case = submitted(ctype)  # Friday 13 March 2026 + 3 working days: due Wednesday 25 March
    assert case.due_on == D(2026, 3, 25)
    paused = step(step(submitted(ctype), S.VERIFICATION, officer), S.RETURNED, officer, note="KK")
    # Monday 16 March: not yet (the working day before Wed 25 is Tue 17)
    assert services.cases_escalate(now=at(2026, 3, 16, 8)) == 0
    assert services.cases_escalate(now=at(2026, 3, 17, 8)) == 1
    case.refresh_from_db()
    assert case.escalated_at == at(2026, 3, 17, 8) and case.status == S.SUBMITTED
    event = case.events.get(kind="escalated")
    assert (event.actor_kind, event.channel) == ("system", "system")
    [mail] = Message.objects.filter(template="case_escalated")
    assert mail.recipient == supervisor.email and mail.recipient != elsewhere.email
    text = render(template="case_escalated", channel="email", language="en", context=mail.context)
    assert "25 March 2026" in text.body
    assert services.cases_escalate(now=at(2026, 3, 18, 8)) == 0
    paused.refresh_from_db()
    assert paused.escalated_at is None
    assert "cases.escalate" in {job.name for job in registered()}
    assert EVERY_SECONDS <= 3600


def test_escalation_catches_up_on_cases_already_late(ctype):
    case = submitted(ctype)
    assert services.cases_escalate(now=at(2026, 4, 6, 8)) == 1
    case.refresh_from_db()
    assert case.escalated_at is not None
