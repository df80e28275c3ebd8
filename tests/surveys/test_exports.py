"""The report's XLSX (opened back with openpyxl) and PDF (read from its uncompressed stream).

Same world as test_reports (October 2026: mall A 77.78 B, nation 80.16 B).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zlib
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from mpp.surveys.exports import latin1, report_pdf, report_xlsx
from mpp.surveys.reports import report_build
from mpp.surveys.views.handling import complaint_handling
from mpp.surveys.views.reports import scope_in_mall, scope_national
from tests.factories import SurveyResponseFactory
from tests.surveys.test_reports import DAY, OCT, OCTOBER, build_world, english, login

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_group_shown")]
CODES = [f"U{i}" for i in range(1, 10)]


@pytest.fixture
def world(db):
    return build_world()


def book(body: bytes):
    return load_workbook(io.BytesIO(body))


def element_rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if row[1] in CODES]


def label_value(sheet) -> dict:
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}


def test_staff_xlsx_sheets_elements_and_values(world):
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    with translation.override("en"):
        wb = book(report_xlsx(report))
    assert wb.sheetnames == ["IKM", "Booths", "Services", "Respondent profile", "Comments"]
    ikm_sheet = wb["IKM"]
    elements = element_rows(ikm_sheet)
    assert [row[1] for row in elements] == CODES
    assert [row[0] for row in elements] == list(range(1, 10))
    u1 = elements[0]
    assert (u1[2], u1[3]) == ("Requirements", 13)
    assert (u1[4], u1[5], u1[6], u1[7]) == (3.25, 0.361, 81.25, "B")
    values = label_value(ikm_sheet)
    assert values["IKM (unit value x 25)"] == 77.78
    assert values["Unit value (sum of the weighted NRRs)"] == 3.1111
    assert values["Quality (mutu)"] == "B (Good)"
    assert (values["Respondents"], values["Minimum sample (Krejcie-Morgan)"]) == (4, 10)
    assert values["Sample adequate"] == "no"
    assert values["Complaints received"] == 2 and values["Period"] == "October 2026"
    assert values["From"] == dt.datetime(2026, 10, 1)
    booths = list(wb["Booths"].iter_rows(values_only=True))
    assert booths[0][:6] == ("Rank", "Name", "Detail", "Code", "IKM", "Quality (mutu)")
    assert booths[0][10:] == tuple(f"NRR {c}" for c in CODES)
    assert [(r[0], r[3], r[4], r[5], r[6], r[8], r[9]) for r in booths[1:]] == [
        (1, "gerai:A", 87.04, "B", 3, 6, "no"),
        (2, "gerai:B", 50.0, "D", 1, 4, "no"),
    ]
    assert booths[2][10:] == (2.0,) * 9
    profile = list(wb["Respondent profile"].iter_rows(values_only=True))
    assert ("Sex", "Male", 1, 25.0) in profile and ("Sex", "Female", 3, 75.0) in profile
    comments = list(wb["Comments"].iter_rows(values_only=True))
    assert comments[0] == ("Date", "Service", "Comment")
    assert comments[1] == (
        dt.datetime(2026, 10, 14),
        world.a1.service.name,
        "Ruang tunggu dingin. Hubungi saya *** atau ***",
    )


def test_a_comment_is_never_a_formula(world):
    SurveyResponseFactory(offering=world.a1, submitted_on=DAY, comment='=HYPERLINK("http://x")')
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    sheet = book(report_xlsx(report)).worksheets[-1]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    formula = next(c for c in cells if str(c.value).startswith("="))
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://x")'


def test_xlsx_download_in_indonesian_by_default(world):
    response = login(world.manager).get(f"/m/mpp-a/ikm/laporan.xlsx?{OCT}&lang=id")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="ikm-mpp-a-bulan-2026-10.xlsx"' in response["Content-Disposition"]
    wb = book(response.content)
    assert wb.sheetnames[0] == "IKM" and len(wb.sheetnames) == 5
    assert [row[1] for row in element_rows(wb["IKM"])] == CODES
    assert "Oktober 2026" in label_value(wb["IKM"]).values()


def test_national_open_data_has_no_comments(world):
    response = english().get(f"/ikm/data.xlsx?{OCT}")
    assert response.status_code == 200
    assert 'filename="ikm-indonesia-bulan-2026-10.xlsx"' in response["Content-Disposition"]
    wb = book(response.content)
    assert wb.sheetnames == ["IKM", "Provinces", "Malls", "Respondent profile"]
    assert label_value(wb["IKM"])["IKM (unit value x 25)"] == 80.16
    malls = list(wb["Malls"].iter_rows(values_only=True))[1:]
    assert [(r[0], r[3], r[4]) for r in malls] == [
        (1, "mpp-b", 100.0),
        (2, "mpp-a", 77.78),
        (3, "mpp-c", 75.0),
    ]
    provinces = list(wb["Provinces"].iter_rows(values_only=True))[1:]
    assert [(r[1], r[3], r[4], r[6]) for r in provinces] == [
        ("Jawa Barat", "32", 82.22, 5),
        ("Jawa Tengah", "33", 75.0, 2),
    ]
    everything = " ".join(str(v) for s in wb for row in s.iter_rows(values_only=True) for v in row)
    assert "Ruang tunggu" not in everything
    province = english().get(f"/ikm/provinsi/33/data.xlsx?{OCT}")
    assert province.status_code == 200
    assert label_value(book(province.content)["IKM"])["IKM (unit value x 25)"] == 75.0


def pdf_text(body: bytes) -> str:
    """The text drawing operators of a PDF, whether its streams are compressed or not."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        chunks.append(stream.decode("latin-1"))
    return "\n".join(chunks).replace("\\(", "(").replace("\\)", ")")


def test_pdf_carries_the_index_in_both_languages(world):
    report = report_build(
        handling=complaint_handling,
        scope=scope_in_mall(world.a, "mall"),
        period=OCTOBER,
        with_comments=False,
    )
    with translation.override("en"):
        body = report_pdf(report, compress=False)
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "(77.78)" in text and "B (Good)" in text and "October 2026" in text
    assert "U9  Handling of complaints, suggestions and feedback" in text
    assert "Only 4 of the 10 respondents needed" in text
    with translation.override("id"):
        text = pdf_text(report_pdf(report))
    assert "(77,78)" in text and "Oktober 2026" in text and "(3,250)" in text
    assert "Ruang tunggu" not in text


def test_pdf_with_letters_outside_latin1(world):
    world.a.name = "MPP Kota Bau‑Bau — Ünïcode 漢字 “kutipan”"
    world.a.save()
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    body = report_pdf(report, compress=False)
    assert body.startswith(b"%PDF-") and b'MPP Kota Bau-Bau - \xdcn\xefcode ?? "kutipan"' in body
    assert latin1("Ševčík ő") == "Sevcík o"


def test_pdf_download_and_an_empty_period(world):
    client = login(world.manager)
    response = client.get("/m/mpp-a/ikm/laporan.pdf?periode=tahun&tahun=2025")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert 'filename="ikm-mpp-a-tahun-2025.pdf"' in response["Content-Disposition"]
    report = report_build(
        handling=complaint_handling, scope=scope_national(), period=OCTOBER, with_comments=False
    )
    assert report_pdf(report).startswith(b"%PDF-")


def test_a_booth_report_in_the_sheet(world):
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "gerai:A"), period=OCTOBER
    )
    with translation.override("en"):
        wb = book(report_xlsx(report))
    assert wb.sheetnames == ["IKM", "Services", "Respondent profile", "Comments"]
    values = label_value(wb["IKM"])
    assert Decimal(str(values["IKM (unit value x 25)"])) == Decimal("87.04")
    assert values["Scope"] == f"{world.a1.booth.name} · MPP Alfa"
