"""The application form as JSON Schema: what it accepts, what it refuses and why, the
Django form made from it, and answers as people read them (mpp.cases.formschema)."""

from __future__ import annotations

import pytest
from django.utils import translation
from jsonschema import Draft202012Validator

from mpp.cases.formschema import (
    AnswersInvalid,
    answers_display,
    answers_validate,
    choices_of,
    form_for,
    schema_of,
)
from mpp.cases.models import Case, CaseField
from tests.factories import CaseFieldFactory, CaseTypeFactory

K = CaseField.Kind


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); Indonesian is the default."""
    with translation.override("en"):
        yield


@pytest.fixture
def case_type(db):
    """A birth-certificate-like form with one question of every kind."""
    ct = CaseTypeFactory()
    rows = [
        ("nama_anak", K.TEXT, "Nama lengkap anak", "Child's full name", True, {}),
        ("keterangan", K.LONG_TEXT, "Keterangan tambahan", "", False, {"max_value": 50}),
        ("anak_ke", K.NUMBER, "Anak ke-", "Birth order", True, {"min_value": 1, "max_value": 20}),
        ("tanggal_lahir", K.DATE, "Tanggal lahir", "Date of birth", True, {}),
        (
            "jenis_kelamin",
            K.CHOICE,
            "Jenis kelamin",
            "Sex",
            True,
            {"choices": "L|Laki-laki|Male\nP|Perempuan|Female"},
        ),
        (
            "penolong",
            K.MULTI_CHOICE,
            "Penolong kelahiran",
            "Birth attended by",
            False,
            {"choices": "dokter|Dokter|Doctor\nbidan|Bidan|Midwife\ndukun|Dukun\n"},
        ),
        ("kembar", K.YES_NO, "Kelahiran kembar?", "Twins?", True, {}),
        ("nik_ayah", K.NIK, "NIK ayah", "Father's NIK", True, {}),
        ("hp", K.PHONE, "Nomor HP", "", False, {}),
        ("surel", K.EMAIL, "Email", "E-mail", False, {}),
        ("kode_pos", K.TEXT, "Kode pos", "", False, {"pattern": "[0-9]{5}"}),
    ]
    for position, (key, kind, label, label_en, required, extra) in enumerate(rows):
        CaseFieldFactory(
            case_type=ct,
            position=position,
            key=key,
            kind=kind,
            label=label,
            label_en=label_en,
            required=required,
            **extra,
        )
    return ct


GOOD = {
    "nama_anak": "  Ahmad Fauzi ",
    "anak_ke": "2",
    "tanggal_lahir": "2025-03-14",
    "jenis_kelamin": "L",
    "penolong": ["bidan"],
    "kembar": "tidak",
    "nik_ayah": "3210 0112 8500 0001",
    "hp": "0812-3456-7890",
}


def test_schema_is_valid_2020_12_in_form_order(case_type):
    schema = schema_of(case_type)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema["properties"])[:3] == ["nama_anak", "keterangan", "anak_ke"]
    assert schema["required"] == [
        "nama_anak",
        "anak_ke",
        "tanggal_lahir",
        "jenis_kelamin",
        "kembar",
        "nik_ayah",
    ]
    assert schema["properties"]["anak_ke"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 20,
        "title": "Anak ke-",
        "x-mpp": {"kind": "number", "label_en": "Birth order", "help_en": ""},
    }
    assert schema["properties"]["jenis_kelamin"]["enum"] == ["L", "P"]
    assert schema["properties"]["kode_pos"]["pattern"] == "^(?:[0-9]{5})$"
    assert schema["additionalProperties"] is False


def test_good_answers_come_back_clean(case_type):
    clean = answers_validate(case_type=case_type, answers=GOOD)
    assert clean == {
        "nama_anak": "Ahmad Fauzi",
        "anak_ke": 2,
        "tanggal_lahir": "2025-03-14",
        "jenis_kelamin": "L",
        "penolong": ["bidan"],
        "kembar": False,
        "nik_ayah": "3210011285000001",
        "hp": "081234567890",
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nik_ayah", "32100112850000", "A NIK has exactly 16 digits."),
        ("nik_ayah", "32100112850000AB", "A NIK has exactly 16 digits."),
        ("anak_ke", "0", "The smallest allowed value is 1."),
        ("anak_ke", 21, "The largest allowed value is 20."),
        ("anak_ke", "dua", "Enter a whole number."),
        ("tanggal_lahir", "2025-02-30", "Enter a date as YYYY-MM-DD."),
        ("tanggal_lahir", "14/03/2025", "Enter a date as YYYY-MM-DD."),
        ("jenis_kelamin", "X", "Choose one of the options."),
        ("penolong", ["bidan", "paraji"], "Choose one of the options."),
        ("penolong", ["bidan", "bidan"], "Choose each option once."),
        ("kembar", "mungkin", "Answer yes or no."),
        ("hp", "12345", "Enter a mobile number such as 0812 3456 7890."),
        ("surel", "bukan-email", "Enter a valid e-mail address."),
        ("keterangan", "x" * 51, "Write at most 50 characters."),
        ("kode_pos", "4551", "The answer does not have the expected form."),
        ("kode_pos", "45511x", "The answer does not have the expected form."),
    ],
)
def test_bad_answers_are_named_one_by_one(case_type, key, value, message):
    with pytest.raises(AnswersInvalid) as caught:
        answers_validate(case_type=case_type, answers={**GOOD, key: value})
    assert caught.value.errors == {key: message}
    assert caught.value.code == "invalid_answers"
    assert caught.value.status == 422


def test_missing_and_unknown_answers(case_type):
    answers = {"nama_anak": "Ahmad", "warna_favorit": "biru", "kembar": ""}
    with pytest.raises(AnswersInvalid) as caught:
        answers_validate(case_type=case_type, answers=answers)
    errors = caught.value.errors
    assert list(errors) == [
        "anak_ke",
        "tanggal_lahir",
        "jenis_kelamin",
        "kembar",
        "nik_ayah",
        "warna_favorit",
    ]
    assert errors["kembar"] == "This answer is required."
    assert errors["warna_favorit"] == "This question is not on the form."


def test_partial_leaves_required_for_later_but_checks_what_is_given(case_type):
    assert answers_validate(case_type=case_type, answers={"nama_anak": "Ahmad"}, partial=True) == {
        "nama_anak": "Ahmad"
    }
    with pytest.raises(AnswersInvalid) as caught:
        answers_validate(case_type=case_type, answers={"nik_ayah": "123"}, partial=True)
    assert caught.value.errors == {"nik_ayah": "A NIK has exactly 16 digits."}


def test_a_stored_schema_still_validates_after_the_form_changed(case_type):
    stored = schema_of(case_type)
    case_type.fields.filter(key="nik_ayah").delete()
    assert answers_validate(schema=stored, answers=GOOD)["nik_ayah"] == "3210011285000001"
    with pytest.raises(AnswersInvalid):
        answers_validate(case_type=case_type, answers=GOOD)


def test_answers_must_be_an_object(case_type):
    with pytest.raises(AnswersInvalid):
        answers_validate(case_type=case_type, answers=["Ahmad"])


def test_choices_lines():
    field = CaseField(choices="L|Laki-laki|Male\n\nP|Perempuan\nLainnya")
    assert choices_of(field) == [
        ("L", "Laki-laki", "Male"),
        ("P", "Perempuan", ""),
        ("Lainnya", "Lainnya", ""),
    ]


# The Django form ---------------------------------------------------------------------------


def _post(answers: dict) -> dict:
    data = {k: v for k, v in answers.items() if k != "kembar"}
    data["kembar"] = "no"
    return data


def test_form_renders_indonesian_first_and_english_when_asked(case_type):
    html = str(form_for(case_type).as_div())
    assert "Nama lengkap anak" in html and "Laki-laki" in html
    assert 'type="date"' in html and 'inputmode="numeric"' in html
    assert 'type="radio"' in html and 'type="checkbox"' in html
    english = str(form_for(case_type, language="en").as_div())
    assert "Child&#x27;s full name" in english and "Female" in english
    assert "Keterangan tambahan" in english  # no English label: the Indonesian one
    assert "Dukun" in english


def test_form_validates_like_the_schema(case_type):
    form = form_for(case_type, data=_post(GOOD))
    assert form.is_valid(), form.errors
    assert form.answers == answers_validate(case_type=case_type, answers=GOOD)
    bad = form_for(case_type, data={**_post(GOOD), "nik_ayah": "123", "anak_ke": "x"})
    assert not bad.is_valid()
    assert bad.errors["nik_ayah"] == ["A NIK has exactly 16 digits."]
    assert "anak_ke" in bad.errors
    assert bad.answers == {}


def test_draft_form_accepts_gaps(case_type):
    form = form_for(case_type, data={"nama_anak": "Ahmad"}, partial=True)
    assert form.is_valid(), form.errors
    assert form.answers == {"nama_anak": "Ahmad"}
    full = form_for(case_type, data={"nama_anak": "Ahmad"})
    assert not full.is_valid()
    assert "nik_ayah" in full.errors


def test_form_takes_saved_answers(case_type):
    saved = answers_validate(case_type=case_type, answers=GOOD)
    form = form_for(case_type, initial=saved)
    html = str(form.as_div())
    assert 'value="Ahmad Fauzi"' in html
    assert 'value="no" checked' in html or 'value="no"\n' in html or "checked" in html
    assert form["kembar"].initial == "no"


# Display ----------------------------------------------------------------------------------


def test_answers_display_reads_like_people_write(case_type):
    answers = answers_validate(
        case_type=case_type, answers={**GOOD, "penolong": ["bidan", "dukun"]}
    )
    case = Case(case_type=case_type, answers=answers, form_schema={})
    rows = dict(answers_display(case, language="en"))
    assert rows["Sex"] == "Male"
    assert rows["Birth attended by"] == "Midwife, Dukun"
    assert rows["Twins?"] == "No"
    assert rows["Date of birth"] == "14 March 2025"
    assert rows["E-mail"] == "(not answered)"
    indonesian = dict(answers_display(case, language="id"))
    assert indonesian["Jenis kelamin"] == "Laki-laki"
    assert indonesian["Penolong kelahiran"] == "Bidan, Dukun"


def test_answers_display_follows_the_submitted_schema(case_type):
    answers = answers_validate(case_type=case_type, answers=GOOD)
    case = Case(case_type=case_type, answers=answers, form_schema=schema_of(case_type))
    case_type.fields.filter(key="jenis_kelamin").update(label="Jenis kelamin bayi")
    labels = [label for label, _text in answers_display(case, language="id")]
    assert "Jenis kelamin" in labels and "Jenis kelamin bayi" not in labels
    case.form_schema = {}
    case.answers = {**answers, "dihapus": "lama"}
    rows = answers_display(case, language="id")
    assert rows[-1] == ("dihapus", "lama")
