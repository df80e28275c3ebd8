"""The admin of application types and applications, through the test client: forms are
edited with their questions and documents, edits of the questions raise the form's
version, documents come from the service standard, applications are read only, and every
page keeps to the user's mall (and a supervisor's booth)."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.cases.admin import requirements_take
from mpp.cases.formschema import answers_validate, schema_of
from mpp.cases.models import Case, CaseEvent, CaseType, DocumentRequirement
from mpp.core.models import Event
from tests.factories import (
    BoothFactory,
    CaseFieldFactory,
    CaseTypeFactory,
    DocumentRequirementFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REQUIREMENTS = [
    "Surat keterangan kelahiran dari rumah sakit, puskesmas, bidan, atau kepala desa/lurah",
    "Buku nikah/kutipan akta perkawinan orang tua (bila ada)",
    "Kartu Keluarga tempat anak didaftarkan",
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


def staff(username, role, mall=None, booth=None, **extra):
    user = UserFactory(username=username, role=role, mall=mall, booth=booth, **extra)
    staff_sync_permissions(user=user)
    return user


def make_case(case_type, number, **extra) -> Case:
    values = {
        "id": uuid.uuid4(),
        "number": number,
        "case_type": case_type,
        "mall": case_type.mall,
        "booth": case_type.booth,
        "service": case_type.service,
        "channel": "web",
        "applicant_name": "Siti Aminah",
        "nik_digest": "k1$" + "0" * 61,
        "nik_masked": "************0001",
        "phone": "081234567890",
        "email": "siti.aminah@example.com",
    }
    values.update(extra)
    return Case.objects.create(**values)


@pytest.fixture
def world():
    def mall(tag):
        m = MallFactory(name=f"MPP {tag}")
        booth1, booth2 = BoothFactory(mall=m), BoothFactory(mall=m)
        off1 = OfferingFactory(booth=booth1, mall=m)
        off1.service.requirements = REQUIREMENTS
        off1.service.save()
        type1 = CaseTypeFactory(offering=off1)
        type2 = CaseTypeFactory(offering=OfferingFactory(booth=booth2, mall=m))
        free = OfferingFactory(booth=booth1, mall=m)  # offered, no application type yet
        field = CaseFieldFactory(
            case_type=type1, key="nama_anak", label="Nama anak", label_en="Child's name"
        )
        doc = DocumentRequirementFactory(case_type=type1, code="kk", name="Kartu Keluarga")
        answers = answers_validate(case_type=type1, answers={"nama_anak": "Ahmad Fauzi"})
        case1 = make_case(type1, f"{tag}-0001", answers=answers, status="submitted")
        case2 = make_case(type2, f"{tag}-0002")
        CaseEvent.objects.create(
            case=case1,
            at=timezone.now(),
            kind="transition",
            from_status="draft",
            to_status="submitted",
            actor_kind="citizen",
            actor_label="Pemohon",
            channel="web",
            internal_note="Catatan internal petugas",
        )
        return SimpleNamespace(
            mall=m,
            booth1=booth1,
            booth2=booth2,
            type1=type1,
            type2=type2,
            free=free,
            field=field,
            doc=doc,
            case1=case1,
            case2=case2,
            manager=staff(f"manager.{tag}", Role.MALL_MANAGER, m),
            supervisor=staff(f"supervisor.{tag}", Role.BOOTH_SUPERVISOR, m, booth1),
            officer=staff(f"officer.{tag}", Role.OFFICER, m, booth1),
        )

    a, b = mall("a"), mall("b")
    national = staff("nasional", Role.NATIONAL_ADMIN)
    return SimpleNamespace(a=a, b=b, national=national)


def url(obj, view="change"):
    meta = obj._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{view}/"


def post_data(page) -> dict:
    """The change form's current values, as the browser would send them back."""
    data = {}

    def put(form):
        for bound in form:
            if bound.field.disabled:
                continue
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
                continue
            data[bound.html_name] = str(value)

    put(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data


def test_manager_sees_and_edits_only_their_malls_types(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    html = client.get("/admin/cases/casetype/").content.decode()
    assert url(a.type1) in html and url(a.type2) in html
    assert url(b.type1) not in html
    assert client.get(url(b.type1)).status_code == 404
    page = client.get(url(a.type1))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nama anak" in text and "Kartu Keluarga" in text


def test_adding_a_type_offers_only_free_offerings_of_the_mall(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    page = client.get("/admin/cases/casetype/add/")
    choices = set(page.context["adminform"].form.fields["offering"].queryset)
    assert a.free in choices
    assert a.type1.offering not in choices and b.free not in choices
    data = post_data(page)
    data.update(offering=a.free.pk, completion_days="3", delivery="pickup", is_open="on")
    data.update(
        {
            "fields-TOTAL_FORMS": "1",
            "fields-0-position": "1",
            "fields-0-key": "alamat_tujuan",
            "fields-0-kind": "long_text",
            "fields-0-required": "on",
            "fields-0-label": "Alamat tujuan lengkap",
            "documents-TOTAL_FORMS": "1",
            "documents-0-position": "1",
            "documents-0-code": "ktp",
            "documents-0-name": "KTP-el pemohon",
            "documents-0-formats": "PDF, jpeg",
            "documents-0-min_files": "1",
            "documents-0-max_files": "1",
            "documents-0-max_mb": "5",
        }
    )
    response = client.post("/admin/cases/casetype/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    made = CaseType.objects.get(offering=a.free)
    assert (made.mall, made.booth, made.service) == (a.mall, a.booth1, a.free.service)
    assert made.form_version == 1
    assert list(schema_of(made)["properties"]) == ["alamat_tujuan"]
    assert made.documents.get().formats == "pdf,jpg"
    assert Event.objects.filter(kind__startswith="admin.", mall_id=a.mall.pk).exists()


def test_changing_the_questions_raises_the_form_version(world, client):
    a = world.a
    client.force_login(a.manager)
    data = post_data(client.get(url(a.type1)))
    data["intro"] = "Ajukan akta kelahiran anak Anda secara daring."
    assert client.post(url(a.type1), data).status_code == 302
    a.type1.refresh_from_db()
    assert a.type1.form_version == 1  # only the introduction changed
    data["fields-0-label"] = "Nama lengkap anak"
    assert client.post(url(a.type1), data).status_code == 302
    a.type1.refresh_from_db()
    assert a.type1.form_version == 2
    data = post_data(client.get(url(a.type1)))
    data["documents-0-name"] = "Kartu Keluarga (KK) terbaru"
    assert client.post(url(a.type1), data).status_code == 302
    a.type1.refresh_from_db()
    assert a.type1.form_version == 2  # documents are not the form's questions


@pytest.mark.parametrize(
    ("name", "value", "error_field"),
    [
        ("fields-0-pattern", "[0-9", "pattern"),
        ("fields-0-key", "Nama Anak", "key"),
        ("fields-0-kind", "choice", "choices"),
        ("documents-0-formats", "pdf,docx", "formats"),
        ("documents-0-max_files", "0", "max_files"),
        ("documents-0-max_mb", "50", "max_mb"),
    ],
)
def test_bad_questions_and_documents_are_refused(world, client, name, value, error_field):
    a = world.a
    client.force_login(a.manager)
    data = post_data(client.get(url(a.type1)))
    data[name] = value
    response = client.post(url(a.type1), data)
    assert response.status_code == 200
    errors = [
        form.errors
        for inline in response.context["inline_admin_formsets"]
        for form in inline.formset.forms
    ]
    assert any(error_field in e for e in errors), errors
    a.type1.refresh_from_db()
    assert a.type1.form_version == 1


def test_documents_from_the_service_standard(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    pks = [a.type1.pk, b.type1.pk]
    response = client.post(
        "/admin/cases/casetype/",
        {"action": "take_documents", "_selected_action": pks},
        follow=True,
    )
    assert response.status_code == 200
    names = list(a.type1.documents.values_list("name", flat=True))
    assert names == ["Kartu Keluarga", *REQUIREMENTS]
    assert b.type1.documents.count() == 1  # another mall's: untouched
    codes = list(a.type1.documents.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)
    assert codes[1].startswith("surat-keterangan-kelahiran")
    assert "Documents added from the service standard: 3." in response.content.decode()
    assert requirements_take(a.type1) == 0  # a second time: nothing new
    a.type1.service.requirements = ["Kartu Keluarga tempat anak didaftarkan", "SPTJM"]
    assert requirements_take(a.type1) == 1
    assert a.type1.documents.filter(code="sptjm").exists()


def test_the_completion_time_is_taken_from_the_standard_when_it_names_working_days(world, client):
    a, b = world.a, world.b
    a.type1.service.completion_time = "Umumnya 7 sampai 14 hari kerja setelah berkas lengkap"
    a.type1.service.save()
    b.type1.service.completion_time = "21 hari kerja"
    b.type1.service.save()
    client.force_login(a.manager)
    client.post(
        "/admin/cases/casetype/",
        {"action": "take_documents", "_selected_action": [a.type1.pk, b.type1.pk]},
        follow=True,
    )
    a.type1.refresh_from_db()
    b.type1.refresh_from_db()
    assert a.type1.completion_days == 14  # the longer end of the range
    assert b.type1.completion_days != 21  # another mall's: untouched
    a.type1.service.completion_time = "Selesai di tempat"  # no working days named
    a.type1.service.save()
    client.post(
        "/admin/cases/casetype/",
        {"action": "take_documents", "_selected_action": [a.type1.pk]},
        follow=True,
    )
    a.type1.refresh_from_db()
    assert a.type1.completion_days == 14  # kept as it was


def test_supervisor_edits_their_booths_types_and_reads_the_others(world, client):
    a = world.a
    client.force_login(a.supervisor)
    html = client.get("/admin/cases/casetype/").content.decode()
    assert url(a.type1) in html and url(a.type2) in html
    data = post_data(client.get(url(a.type1)))
    data["completion_days"] = "2"
    assert client.post(url(a.type1), data).status_code == 302
    a.type1.refresh_from_db()
    assert a.type1.completion_days == 2
    page = client.get(url(a.type2))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert 'name="_save"' in client.get(url(a.type1)).content.decode()
    assert client.post(url(a.type2), {"completion_days": "1"}).status_code == 403
    a.type2.refresh_from_db()
    assert a.type2.completion_days == 5


def test_officers_get_no_admin(world, client):
    client.force_login(world.a.officer)
    assert client.get("/admin/cases/casetype/").status_code == 302
    assert client.get(url(world.a.case1)).status_code == 302


def test_cases_are_read_only_and_masked(world, client):
    a = world.a
    client.force_login(a.manager)
    html = client.get("/admin/cases/case/").content.decode()
    assert url(a.case1) in html and url(a.case2) in html
    assert url(world.b.case1) not in html
    page = client.get(url(a.case1))
    assert page.status_code == 200
    text = page.content.decode()
    assert "************0001" in text
    assert "081234567890" not in text and "0812****7890" in text
    assert "siti.aminah@example.com" not in text
    assert "Ahmad Fauzi" in text and "Child&#x27;s name" in text
    assert "Catatan internal petugas" in text  # the case's history, for staff
    assert 'name="_save"' not in text
    assert client.post(url(a.case1), {"status": "completed"}).status_code == 403
    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.post(url(a.case1, "delete"), {"post": "yes"}).status_code == 403
    a.case1.refresh_from_db()
    assert a.case1.status == "submitted"


def test_supervisor_sees_their_booths_cases_only(world, client):
    a = world.a
    client.force_login(a.supervisor)
    html = client.get("/admin/cases/case/").content.decode()
    assert url(a.case1) in html and url(a.case2) not in html
    assert client.get(url(a.case2)).status_code == 404


def test_national_admin_sees_every_mall(world, client):
    client.force_login(world.national)
    html = client.get("/admin/cases/case/").content.decode()
    assert url(world.a.case1) in html and url(world.b.case2) in html
    for obj in (world.a.type1, world.b.type2, world.b.case1):
        assert client.get(url(obj)).status_code == 200


def test_answers_follow_the_submitted_schema_in_the_admin(world, client):
    a = world.a
    Case.objects.filter(pk=a.case1.pk).update(
        form_schema=schema_of(a.type1), submitted_at=timezone.now(), due_on=dt.date(2026, 3, 2)
    )
    a.field.label_en = "Name of the baby"
    a.field.save()
    client.force_login(a.manager)
    text = client.get(url(a.case1)).content.decode()
    assert "Child&#x27;s name" in text and "Name of the baby" not in text
    assert DocumentRequirement.objects.filter(case_type=a.type1).count() == 1
