"""Online application forms (MPP Digital) on the demo mall, and a few applications in them.

Why: `mpp demo` should show a citizen applying from home for services a Majalengka
resident actually needs (a birth certificate, a family-card change, moving out, a police
certificate, a business number, a building permit, health insurance...), with the
questions and documents the agencies publish, and an officer's queue that already holds
applications in every status. The forms live in data/demo_case_types.json; the
applications are made through mpp.cases.services and mpp.cases.documents, exactly as
the pages make them (so every step is in the history and the event log).

Loading is idempotent: a type that exists is kept as it is (a manager may have edited
it), and the applications are made only when the mall has none yet.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from mpp.accounts.models import User
from mpp.cases.models import Case, CaseField, CaseType, DocumentRequirement
from mpp.catalog.demo import DEMO_MALL
from mpp.catalog.models import Mall, Offering

DATA = Path(__file__).resolve().parent / "data" / "demo_case_types.json"
DEMO_ACTOR = "manajer"  # the demo mall's manager takes the officers' steps
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# (service, applicant, NIK, phone, relation, subject, answers, status, days ago)
DEMO_CASES = [
    (
        "dukcapil-akta-kelahiran",
        "Rina Marlina",
        "3210015203920002",
        "081320000101",
        "parent",
        "Muhammad Rizky Ramadhan",
        {
            "nama_anak": "Muhammad Rizky Ramadhan",
            "jenis_kelamin": "L",
            "tempat_dilahirkan": "rs",
            "tempat_kelahiran": "Majalengka",
            "kelahiran_ke": 2,
        },
        "draft",
        0,
    ),
    (
        "dukcapil-akta-kelahiran",
        "Siti Nurhaliza",
        "3210106708880004",
        "081320000102",
        "parent",
        "Aisyah Putri Lestari",
        {
            "nama_anak": "Aisyah Putri Lestari",
            "jenis_kelamin": "P",
            "tempat_dilahirkan": "puskesmas",
            "tempat_kelahiran": "Majalengka",
            "tanggal_lahir": "2026-01-09",
            "pukul": "04.30",
            "jenis_kelahiran": "tunggal",
            "kelahiran_ke": 1,
            "penolong_kelahiran": "bidan",
            "berat_bayi": 3100,
            "panjang_bayi": 49,
            "nomor_kk": "3210100101200015",
            "nik_ibu": "3210106708880004",
            "nama_ibu": "Siti Nurhaliza",
            "nik_ayah": "3210101203850007",
            "nama_ayah": "Asep Saepudin",
        },
        "submitted",
        0,
    ),
    (
        "dukcapil-kk-perubahan",
        "Dadang Kurniawan",
        "3210012002850003",
        "081320000103",
        "self",
        "",
        {
            "nomor_kk": "3210010507150009",
            "nama_kepala_keluarga": "Dadang Kurniawan",
            "alasan": "ubah-data",
            "nama_anggota": "Dadang Kurniawan",
            "elemen_data": ["pendidikan", "pekerjaan"],
            "keterangan": "Lulus S1 dan kini bekerja sebagai guru honorer.",
        },
        "verification",
        1,
    ),
    (
        "dukcapil-pindah-keluar",
        "Euis Komalasari",
        "3210015506900005",
        "081320000104",
        "self",
        "",
        {
            "nomor_kk": "3210012003180004",
            "alasan_pindah": "pekerjaan",
            "klasifikasi": "antar-prov",
            "jenis_kepindahan": "kk-semua",
            "jumlah_pindah": 3,
            "alamat_tujuan": "Jl. Margonda Raya No. 12, RT 03/RW 05",
            "desa_tujuan": "Kemiri Muka",
            "kecamatan_tujuan": "Beji",
            "kabupaten_tujuan": "Kota Depok",
            "provinsi_tujuan": "Jawa Barat",
            "kode_pos_tujuan": "16423",
        },
        "returned",
        3,
    ),
    (
        "dpmptsp-pbg",
        "H. Ujang Suryana",
        "3210011503700006",
        "081320000105",
        "self",
        "",
        {
            "fungsi_bangunan": "usaha",
            "nama_bangunan": "Ruko Cigasong",
            "jumlah_lantai": 2,
            "luas_bangunan": 240,
            "luas_tanah": 180,
            "alamat_bangunan": "Jl. Raya Cigasong No. 45, Kecamatan Cigasong",
            "status_tanah": "milik",
            "nomor_sertipikat": "10.25.03.04.1.00345",
            "email_simbg": "ujang.suryana@example.com",
        },
        "processing",
        12,
    ),
    (
        "polres-skck",
        "Ahmad Fauzi",
        "3210010708990008",
        "081320000106",
        "self",
        "",
        {
            "keperluan": "kerja",
            "tempat_lahir": "Majalengka",
            "tanggal_lahir": "1999-08-07",
            "pekerjaan": "Belum bekerja",
            "pendidikan": "s1",
            "alamat": "Blok Senin RT 02/RW 01, Desa Cicenang, Kecamatan Cigasong",
            "nama_ayah": "Jajang Nurjaman",
            "nama_ibu": "Imas Masitoh",
            "pernah_pidana": False,
            "tinggi_badan": 168,
        },
        "ready",
        1,
    ),
    (
        "dpmptsp-nib",
        "Neng Yulianti",
        "3210016402950009",
        "081320000107",
        "self",
        "",
        {
            "nama_usaha": "Warung Nasi Neng Yuli",
            "bentuk_usaha": "perorangan",
            "kbli": "56102",
            "uraian_kegiatan": "Rumah makan nasi dan lauk khas Sunda.",
            "alamat_usaha": "Jl. KH Abdul Halim No. 8, Majalengka Kulon",
            "modal_usaha": 15000000,
            "tenaga_kerja": 2,
            "email_oss": "neng.yulianti@example.com",
            "hp_oss": "081320000107",
        },
        "completed",
        6,
    ),
    (
        "dpmptsp-sip-nakes",
        "dr. Fitri Handayani",
        "3210014111910010",
        "081320000108",
        "self",
        "",
        {
            "profesi": "dokter",
            "nomor_str": "3121100220145478",
            "str_seumur_hidup": True,
            "fasyankes": "Klinik Pratama Sehat Majalengka",
            "alamat_fasyankes": "Jl. Siliwangi No. 20, Majalengka",
            "sip_ke": "3",
            "jadwal_praktik": "Senin-Jumat 16.00-20.00",
        },
        "rejected",
        5,
    ),
]
STEPS = {  # the officer's steps after submission, to reach each status
    "verification": ["verification"],
    "returned": ["verification", "returned"],
    "processing": ["verification", "processing"],
    "ready": ["verification", "processing", "ready"],
    "completed": ["verification", "processing", "ready", "completed"],
    "rejected": ["verification", "rejected"],
}
NOTES = {
    "returned": "KTP-el yang diunggah tidak terbaca. Mohon unggah ulang pindaian yang jelas.",
    "rejected": "Sudah memiliki tiga SIP aktif; SIP ketiga tidak dapat ditambah.",
    "ready": "Silakan ambil di gerai dengan membawa berkas asli.",
}


@cache
def demo_case_types() -> list[dict]:
    """The demo's application forms (data/demo_case_types.json)."""
    return json.loads(DATA.read_text(encoding="utf-8"))["types"]


def _type_load(offering: Offering, raw: dict) -> bool:
    """Create `offering`'s application type from `raw`; False when it has one."""
    if CaseType.objects.filter(offering=offering).exists():
        return False
    case_type = CaseType.objects.create(
        offering=offering,
        intro=raw["intro"],
        completion_days=raw["completion_days"],
        uses_agency_processing=raw["uses_agency_processing"],
        delivery=raw["delivery"],
    )
    for position, (key, kind, label, label_en, required, extra) in enumerate(raw["fields"], 1):
        CaseField.objects.create(
            case_type=case_type,
            position=position,
            key=key,
            kind=kind,
            label=label,
            label_en=label_en,
            required=required,
            **extra,
        )
    for position, row in enumerate(raw["documents"], 1):
        code, name, name_en, required, max_files, formats = row
        DocumentRequirement.objects.create(
            case_type=case_type,
            position=position,
            code=code,
            name=name,
            name_en=name_en,
            required=required,
            max_files=max_files,
            formats=formats,
        )
    service = offering.service
    if not service.channel_electronic:
        service.channel_electronic = True
        service.save(update_fields=["channel_electronic"])
    return True


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")


def _case_load(row, types: dict, actor, now: dt.datetime) -> None:
    from mpp.cases import services
    from mpp.cases.documents import document_add

    service, name, nik, phone, relation, subject, answers, status, days = row
    case_type = types.get(service)
    if case_type is None:
        return
    at = now - dt.timedelta(days=days, hours=2)
    case = services.case_start(
        case_type=case_type,
        channel="web",
        applicant_name=name,
        nik=nik,
        phone=phone,
        relation=relation,
        subject_name=subject,
        answers=answers,
        now=at,
    )
    if status == "draft":
        return
    for requirement in case_type.documents.filter(required=True):
        at += dt.timedelta(minutes=3)
        document_add(
            case=case,
            upload=_pdf(requirement.code),
            requirement=requirement,
            channel="web",
            actor_kind="citizen",
            now=at,
        )
    at += dt.timedelta(minutes=5)
    services.case_submit(case=case, channel="web", now=at)
    for step in STEPS.get(status, []):
        if step == "processing" and not case_type.uses_agency_processing:
            continue
        at += dt.timedelta(hours=2)
        if step == "ready" and case_type.delivery == CaseType.Delivery.FILE:
            document_add(
                case=case,
                upload=_pdf("produk"),
                kind="output",
                channel="counter",
                actor=actor,
                actor_kind="officer",
                now=at,
            )
        missing = {"documents": ["ktp-el"]} if step == "returned" else None
        services.case_transition(
            case=case,
            to=step,
            channel="counter",
            actor=actor,
            actor_kind="officer",
            note=NOTES.get(step, ""),
            missing=missing,
            now=min(at, now),
        )


def case_demo_load(mall: Mall | str = DEMO_MALL, *, now: dt.datetime | None = None) -> int:
    """Put the demo's application types on `mall` (a Mall or its code) and, when the mall
    has no application yet, the demo applications; returns how many rows were made."""
    if isinstance(mall, str):
        mall = Mall.objects.filter(code=mall).first()
    if mall is None:
        return 0
    now = now or timezone.now()
    made = 0
    offerings = {
        o.service.code: o
        for o in Offering.objects.filter(mall=mall, is_active=True).select_related("service")
    }
    with transaction.atomic():
        for raw in demo_case_types():
            offering = offerings.get(raw["service"])
            if offering is not None and _type_load(offering, raw):
                made += 1
    actor = User.objects.filter(username=DEMO_ACTOR, mall=mall, is_active=True).first()
    if actor is None or Case.objects.filter(mall=mall).exists():
        return made
    types = {
        t.service.code: t
        for t in CaseType.objects.filter(mall=mall, is_open=True).select_related("service")
    }
    with transaction.atomic():
        for row in DEMO_CASES:
            _case_load(row, types, actor, now)
    return made + Case.objects.filter(mall=mall).count()
