"""The SP4N-LAPOR! export: its columns and values, XLSX and CSV, contact details only for
managers who ask, formulas never run, every export recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from mpp.complaints.export import (
    COLUMNS,
    CONTACT_COLUMNS,
    export_csv,
    export_rows,
    export_xlsx,
    title_of,
)
from mpp.complaints.models import Complaint
from mpp.complaints.services import complaint_act
from mpp.core.models import Event
from tests.complaints.conftest import MONDAY, file_one

pytestmark = pytest.mark.django_db


def test_columns_follow_lapor_fields():
    assert COLUMNS[:5] == [
        "ID Pelacakan",
        "Judul Laporan",
        "Isi Laporan",
        "Klasifikasi",
        "Kategori",
    ]
    for wanted in (
        "Tanggal Kejadian",
        "Lokasi Kejadian",
        "Instansi Tujuan",
        "Status",
        "Tanggapan",
        "Anonim",
        "Rahasia",
    ):
        assert wanted in COLUMNS
    assert not set(CONTACT_COLUMNS) & set(COLUMNS)


def test_title_is_the_first_sentence_cut_to_100_characters():
    assert title_of("Antrean lama. Petugas tidak ada.") == "Antrean lama."
    assert len(title_of("x" * 300)) == 100 and title_of("x" * 300).endswith("...")


def test_rows_hold_the_lapor_values(world):
    answered = file_one(
        world, name="Siti", phone="081234567890", now=MONDAY, incident_date="2026-06-05"
    )
    complaint_act(complaint_id=answered.pk, actor=world.manager, action="verify", now=MONDAY)
    complaint_act(
        complaint_id=answered.pk,
        actor=world.manager,
        action="answer",
        message="Loket ditambah.",
        now=MONDAY + dt.timedelta(hours=3),
    )
    anonymous = file_one(world, service_code="", anonymous=True, phone="081298765432", now=MONDAY)
    rows = export_rows(Complaint.objects.all())
    assert rows[0] == COLUMNS and len(rows) == 3
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["ID Pelacakan"] == answered.code
    assert first["Klasifikasi"] == "Pengaduan" and first["Kategori"] == "Waktu Pelayanan"
    assert first["Tanggal Kejadian"] == "2026-06-05"
    assert first["Tanggal Laporan"] == "2026-06-08 09:00"
    assert first["Instansi Tujuan"] == world.booth_a.agency.name
    assert first["Status"] == "Ditanggapi" and first["Tanggapan"] == "Loket ditambah."
    assert first["Tanggal Tanggapan"] == "2026-06-08 12:00"
    assert first["Anonim"] == "Tidak" and first["Rahasia"] == "Ya"
    assert (
        first["Batas Tanggapan Awal"] == "2026-06-11"
        and first["Batas Penyelesaian"] == "2026-06-15"
    )
    second = dict(zip(COLUMNS, rows[2], strict=True))
    assert second["Anonim"] == "Ya" and second["Instansi Tujuan"] == f"Pengelola {world.mall.name}"
    assert second["Tanggal Kejadian"] == "2026-06-08"  # not given: the day of receipt
    text = repr(rows)
    assert "Siti" not in text and "0812" not in text and "+62" not in text
    with_contact = export_rows(Complaint.objects.all(), with_contact=True)
    assert with_contact[0][-3:] == CONTACT_COLUMNS
    assert with_contact[1][-3:] == ["Siti", "+6281234567890", ""]
    assert with_contact[2][-3:] == ["", "", ""]  # anonymous: never
    assert anonymous.phone  # kept for messages, not exported


def test_csv_and_xlsx_keep_text_as_text(world):
    file_one(world, description='=HYPERLINK("http://evil") klik di sini untuk hadiah')
    rows = export_rows(Complaint.objects.all())
    parsed = list(csv.reader(io.StringIO(export_csv(rows).decode("utf-8-sig"))))
    assert parsed[0] == COLUMNS
    assert parsed[1][2].startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(export_xlsx(rows)))
    sheet = book.active
    assert [c.value for c in sheet[1]] == COLUMNS
    cell = sheet.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_export_page_is_for_managers_and_recorded(world):
    file_one(world, name="Siti", phone="081234567890")
    url = reverse("complaint-export", args=[world.mall.code])
    today = world.mall.today()
    form = {"date_from": today.replace(day=1), "date_to": today, "format": "csv"}
    client = Client()
    client.force_login(world.officer_a)
    assert client.post(url, form).status_code == 403
    client.force_login(world.other_manager)
    assert client.post(url, form).status_code == 403
    client.force_login(world.manager)
    response = client.post(url, form)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    content = response.content.decode("utf-8-sig")
    assert "Siti" not in content and len(content.strip().splitlines()) == 2
    with_contact = client.post(url, {**form, "format": "xlsx", "with_contact": "on"})
    sheet = load_workbook(io.BytesIO(with_contact.content)).active
    assert sheet.cell(row=2, column=len(COLUMNS) + 1).value == "Siti"
    events = Event.objects.filter(kind="complaint.exported").order_by("id")
    assert [e.data["with_contact"] for e in events] == [False, True]
    assert events[0].data["count"] == 1 and events[0].actor_id == world.manager.pk
    bad = client.post(url, {**form, "date_to": "2000-01-01"})
    assert bad.status_code == 302  # back to the list with a message, no file
