"""The demo's application forms and applications (mpp.cases.demo)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from mpp.cases.demo import DEMO_CASES, case_demo_load, demo_case_types
from mpp.cases.formschema import answers_display, answers_validate, form_for, schema_of
from mpp.cases.models import Case, CaseEvent, CaseType
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Mall
from mpp.core.models import Event

pytestmark = pytest.mark.django_db

EXPECTED_SERVICES = {
    "dukcapil-akta-kelahiran",
    "dukcapil-kk-perubahan",
    "dukcapil-pindah-keluar",
    "polres-skck",
    "dpmptsp-nib",
    "dpmptsp-pbg",
    "bpjskes-pendaftaran",
    "dukcapil-legalisir",
    "dpmptsp-sip-nakes",
    "kemenag-duplikat-buku-nikah",
}


@pytest.fixture(autouse=True)
def fast_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path)


def test_nothing_without_the_demo_mall():
    assert case_demo_load() == 0
    assert case_demo_load("no-such-mall") == 0


@pytest.mark.clock
@pytest.mark.parametrize(
    # A Thursday without holidays; a Saturday morning after Christmas and cuti bersama.
    "now",
    ["2026-11-26T10:00:00+07:00", "2026-12-26T07:00:00+07:00"],
)
def test_demo_types_and_cases_load_once(clock, now):
    clock.move_to(now)
    demo_load()
    made = case_demo_load()
    mall = Mall.objects.get(code=DEMO_MALL)
    types = CaseType.objects.filter(mall=mall).select_related("service")
    assert {t.service.code for t in types} == EXPECTED_SERVICES
    assert made == len(EXPECTED_SERVICES) + len(DEMO_CASES)
    assert case_demo_load(mall) == 0  # idempotent
    for case_type in types:
        assert case_type.service.channel_electronic
        assert case_type.fields.count() >= 3 and case_type.documents.filter(required=True)
        assert case_type.offering.booth.agency == case_type.service.agency
        Draft202012Validator.check_schema(schema_of(case_type))
        assert form_for(case_type).fields  # renders
    cases = Case.objects.filter(mall=mall)
    assert set(cases.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "verification",
        "returned",
        "processing",
        "ready",
        "completed",
        "rejected",
    }
    returned = cases.get(status="returned")
    assert returned.missing["documents"] == ["ktp-el"]
    completed = cases.get(status="completed")
    assert completed.documents.filter(kind="output").exists()
    assert CaseEvent.objects.filter(case=completed, to_status="completed").exists()
    assert Event.objects.filter(kind__startswith="case.", mall_id=mall.pk).exists()
    for case in cases.exclude(status="draft"):
        assert case.submitted_at and case.due_on
        assert answers_validate(schema=case.form_schema, answers=case.answers) == case.answers
        rows = answers_display(case, language="id")
        assert rows and all(text for _label, text in rows)
    assert "3210" not in str(list(Event.objects.values_list("data", flat=True)))


def test_every_demo_form_is_sound():
    """Each question and document of the data file is well formed: the rows the admin
    would refuse never get into the demo."""
    from mpp.cases.admin import CaseFieldForm, DocumentRequirementForm

    for raw in demo_case_types():
        keys = [f[0] for f in raw["fields"]]
        assert len(keys) == len(set(keys)), raw["service"]
        for key, kind, label, label_en, _required, extra in raw["fields"]:
            form = CaseFieldForm({"key": key, "kind": kind, **extra})
            assert form.is_valid(), (raw["service"], key, form.errors)
            assert label and label_en
        codes = [d[0] for d in raw["documents"]]
        assert len(codes) == len(set(codes)), raw["service"]
        for _code, name, name_en, _required, max_files, formats in raw["documents"]:
            form = DocumentRequirementForm(
                {"formats": formats, "min_files": 1, "max_files": max_files, "max_mb": 5}
            )
            assert form.is_valid(), (name, form.errors)
            assert name and name_en
