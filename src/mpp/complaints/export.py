"""A mall's complaints as a spreadsheet SP4N-LAPOR! can take in (XLSX and CSV).

Why: SP4N-LAPOR! is the national complaint system; a mall that handles complaints in
MPP still reports them there (and to the Ombudsman), usually by uploading a sheet or
typing it over. The columns follow LAPOR!'s report fields (judul, isi laporan,
kategori, tanggal kejadian, lokasi, instansi tujuan, status, tanggapan, anonim,
rahasia, tracking id); docs/sp4n-lapor-export.md documents each column and mapping.

Personal data (the reporter's name, phone, e-mail) is in the sheet only when the
caller asks for it (`with_contact`, offered to managers only), and never for an
anonymous complaint. Text that a spreadsheet would run as a formula (= + - @ at the
start) is written as plain text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db.models import QuerySet

from mpp.complaints.models import Complaint, ComplaintAction

# LAPOR!'s words for our categories, statuses and channels.
CATEGORY_LAPOR = {
    "service_quality": "Kualitas Pelayanan Publik",
    "officer_behaviour": "Perilaku Petugas Pelayanan",
    "fees": "Pungutan Liar / Biaya Pelayanan",
    "time": "Waktu Pelayanan",
    "facilities": "Sarana dan Prasarana Pelayanan",
    "information": "Informasi dan Persyaratan Pelayanan",
    "online": "Pelayanan Daring (Online)",
    "other": "Lainnya",
}
STATUS_LAPOR = {
    "received": "Belum Terverifikasi",
    "verified": "Terverifikasi",
    "forwarded": "Terdisposisi",
    "in_progress": "Proses Tindak Lanjut",
    "answered": "Ditanggapi",
    "closed": "Selesai",
    "rejected": "Ditolak / Diarsipkan",
}
CHANNEL_LAPOR = {"web": "Website", "kiosk": "Anjungan (Kiosk)", "counter": "Loket", "api": "API"}
TRACK_LAPOR = {
    "regular": "5 hari kerja",
    "dispute": "14 hari kerja",
    "field_check": "60 hari kerja",
}
TITLE_MAX = 100

COLUMNS = [
    "ID Pelacakan",
    "Judul Laporan",
    "Isi Laporan",
    "Klasifikasi",
    "Kategori",
    "Tanggal Kejadian",
    "Tanggal Laporan",
    "Lokasi Kejadian",
    "Instansi Tujuan",
    "Unit / Gerai",
    "Layanan",
    "Sumber",
    "Status",
    "Tanggapan",
    "Tanggal Tanggapan",
    "Anonim",
    "Rahasia",
    "Batas Tanggapan Awal",
    "Batas Penyelesaian",
    "Jalur Penyelesaian",
]
CONTACT_COLUMNS = ["Nama Pelapor", "Nomor HP Pelapor", "Email Pelapor"]


def title_of(description: str) -> str:
    """A report title from the description: its first sentence, at most 100 characters."""
    text = " ".join(description.split())
    for stop in (". ", "? ", "! "):
        cut = text.find(stop)
        if 0 < cut < TITLE_MAX:
            text = text[: cut + 1]
    if len(text) > TITLE_MAX:
        text = text[: TITLE_MAX - 3].rstrip() + "..."
    return text


def _local(moment: dt.datetime | None, tz, fmt: str) -> str:
    return moment.astimezone(tz).strftime(fmt) if moment else ""


def _answer(complaint: Complaint) -> str:
    if complaint.status == Complaint.Status.REJECTED:
        return complaint.rejection_reason
    answers = [
        a.public_message
        for a in complaint.actions.all()
        if a.kind == ComplaintAction.Kind.ANSWERED and a.public_message
    ]
    return answers[-1] if answers else ""


def export_rows(rows: QuerySet[Complaint], *, with_contact: bool = False) -> list[list[str]]:
    """The header and one row per complaint, oldest first."""
    header = COLUMNS + (CONTACT_COLUMNS if with_contact else [])
    out = [header]
    rows = rows.select_related("mall__regency", "booth__agency", "service").prefetch_related(
        "actions"
    )
    for c in rows.order_by("received_at", "id"):
        tz = c.mall.tz
        agency = c.booth.agency.name if c.booth else f"Pengelola {c.mall.name}"
        incident = c.incident_date or c.received_at.astimezone(tz).date()
        answered = c.answered_at or (c.closed_at if c.status == Complaint.Status.REJECTED else None)
        row = [
            c.code,
            title_of(c.description),
            c.description,
            "Pengaduan",
            CATEGORY_LAPOR.get(c.category, c.category),
            incident.isoformat(),
            _local(c.received_at, tz, "%Y-%m-%d %H:%M"),
            f"{c.mall.name}, {c.mall.regency.name}",
            agency,
            c.booth.name if c.booth else "",
            c.service.name if c.service else "",
            CHANNEL_LAPOR.get(c.channel, c.channel),
            STATUS_LAPOR.get(c.status, c.status),
            _answer(c),
            _local(answered, tz, "%Y-%m-%d %H:%M"),
            "Ya" if c.anonymous else "Tidak",
            "Ya",
            _local(c.first_response_due, tz, "%Y-%m-%d"),
            _local(c.resolution_due, tz, "%Y-%m-%d"),
            TRACK_LAPOR.get(c.track, c.track),
        ]
        if with_contact:
            row += ["", "", ""] if c.anonymous else [c.name, c.phone, c.email]
        out.append(row)
    return out


def _safe(value: str) -> str:
    """Text a spreadsheet must not take for a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads the Indonesian text right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe(str(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(rows: list[list[str]], *, title: str = "Pengaduan") -> bytes:
    """One sheet, a bold header row, every cell a string (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            cell.value = str(value)
            cell.data_type = "s"  # a leading "=" stays text
            if r == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
