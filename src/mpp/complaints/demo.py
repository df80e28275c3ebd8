"""Complaints in the demo mall: a dozen plausible ones, in every status, some overdue.

Why: `mpp demo` should show the complaint desk at work: the manager's list with late
first responses and late answers, complaints routed to booths, answered, closed and
rejected ones, a dispute and a case needing a field check. They are filed and handled
through complaints.services (so their history and events are real), at times counted
back from now, by the demo mall's staff (catalog.demo must have run first).

Deterministic: the same complaints, texts, steps and tracking codes (DEMQ...) each time;
loading is idempotent (a complaint whose code exists is left as it is). No demo
complaint has a phone number or e-mail, so nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from mpp.accounts.models import User
from mpp.catalog.demo import DEMO_MALL
from mpp.catalog.models import Booth, Mall
from mpp.complaints.models import Complaint
from mpp.complaints.services import complaint_act, complaint_file
from mpp.complaints.validation import CODE_ALPHABET, CODE_LENGTH
from mpp.core.workdays import working_day_before

MANAGER = "manajer"

# (working days ago, channel, service code or "", category, description,
#  name or None (anonymous), [(action, username, hours after receipt, extra), ...])
DEMO_COMPLAINTS: list[tuple] = [
    (1, "web", "dukcapil-ktp-el-baru", "time",
     "Saya antre perekaman KTP-el sejak pukul 08.00 dan baru dipanggil pukul 12.30. "
     "Mohon ditambah loket perekaman pada jam sibuk.", "Siti Aminah", []),
    (6, "web", "polres-skck", "fees",
     "Ada orang di depan gerai yang menawarkan SKCK jadi hari itu juga dengan membayar "
     "Rp150.000. Apakah itu resmi? Setahu saya biayanya Rp30.000.", None, []),
    (10, "kiosk", "samsat-pajak-tahunan", "officer_behaviour",
     "Petugas di loket Samsat berbicara dengan nada tinggi ketika saya bertanya tentang "
     "denda keterlambatan.", "Ujang Suherman",
     [("verify", MANAGER, 20, {}), ("start", MANAGER, 44, {})]),  # the manager's desk
    (3, "web", "imigrasi-paspor-baru", "information",
     "Di situs tertulis syaratnya KTP dan KK, tetapi di gerai saya diminta akta kelahiran "
     "juga. Mohon informasi persyaratan diperbarui.", "Rahmat Hidayat",
     [("verify", MANAGER, 4, {"message": "Terima kasih, pengaduan Anda kami teruskan."})]),
    (14, "web", "bpjskes-pendaftaran", "service_quality",
     "Pendaftaran bayi saya ditolak karena sistem sedang gangguan, padahal sudah antre "
     "dua jam.", "Nurhayati",
     [("verify", MANAGER, 3, {}), ("start", "petugas.bpjskes", 20, {}),
      ("answer", "petugas.bpjskes", 70, {"message": "Mohon maaf atas gangguan sistem pada "
       "hari itu. Pendaftaran bayi Ibu sudah kami proses; kartu dapat diambil di gerai."}),
      ("close", MANAGER, 120, {})]),
    (8, "kiosk", "", "facilities",
     "AC di ruang tunggu lantai 1 mati dan toilet wanita terkunci sejak pagi.", None,
     [("verify", MANAGER, 22, {}),
      ("answer", MANAGER, 46, {"message": "AC sudah diperbaiki dan toilet dibuka kembali. "
       "Terima kasih atas laporannya."})]),
    (20, "api", "dpmptsp-nib", "online",
     "Pengajuan NIB lewat OSS gagal terus di langkah verifikasi KBLI; petugas gerai tidak "
     "bisa membantu.", "CV Sumber Rejeki",
     [("verify", MANAGER, 40, {}),
      ("answer", "petugas.dpmptsp", 220, {"message": "KBLI yang dipilih memerlukan "
       "persetujuan teknis. Silakan datang ke gerai dengan dokumen izin lingkungan; kami "
       "bantu pengisiannya."})]),
    (5, "web", "", "other",
     "tes tes aplikasi", None,
     [("reject", MANAGER, 20, {"reason": "Isi pengaduan tidak menjelaskan masalah "
       "pelayanan. Silakan kirim pengaduan baru dengan keterangan yang jelas."})]),
    (12, "counter", "bpn-peralihan-hak", "service_quality",
     "Berkas balik nama sertipikat saya sudah 3 bulan belum selesai, padahal dijanjikan "
     "5 hari kerja. Ada sengketa batas dengan tetangga yang sudah diselesaikan di desa.",
     "Ade Kurnia",
     [("verify", MANAGER, 20, {"track": "dispute"}), ("start", "petugas.bpn", 30, {})]),
    (2, "counter", "dukcapil-akta-kelahiran", "information",
     "Warga menanyakan mengapa akta kelahiran anaknya yang sudah jadi belum bisa diunduh "
     "di aplikasi.", "Iwan Setiawan", []),
    (9, "web", "", "time",
     "Mesin cetak nomor antrean SIM sering macet, saya harus antre ulang dari awal.",
     "Dadan Ramdani",
     [("forward", MANAGER, 100, {"booth": "B", "message": "Pengaduan Anda kami teruskan "
       "ke Gerai Polres."})]),
    (30, "web", "pajak-npwp", "service_quality",
     "Alamat pada NPWP saya berbeda dengan KTP dan petugas meminta saya mengurus ke KPP "
     "asal di luar kota.", "Yusuf Maulana",
     [("verify", MANAGER, 6, {"track": "field_check"}), ("start", "petugas.pajak", 30, {})]),
]  # fmt: skip


def demo_code(index: int) -> str:
    """The demo complaint's tracking code: DEMQ + 6 characters drawn from a fixed seed."""
    rng = random.Random(f"mpp-demo-complaint-{index}")
    tail = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 4))
    return "DEMQ" + tail  # not "DEMO": the alphabet has no O


def _received_at(mall: Mall, days_ago: int, now: dt.datetime) -> dt.datetime:
    """09:30 on the `days_ago`-th working day back: deadlines count working days, so the
    demo's overdue complaints are overdue whatever holidays lie between."""
    local = now.astimezone(mall.tz)
    at = dt.datetime.combine(working_day_before(local.date(), days_ago), dt.time(9, 30))
    return min(at.replace(tzinfo=mall.tz), now - dt.timedelta(hours=1))


def _load_one(index: int, item: tuple, mall: Mall, users: dict, now: dt.datetime) -> bool:
    days_ago, channel, service, category, text, name, steps = item
    code = demo_code(index)
    if Complaint.objects.filter(code=code).exists():
        return False
    received = _received_at(mall, days_ago, now)
    with transaction.atomic():
        complaint = complaint_file(
            mall=mall,
            category=category,
            description=text,
            channel=channel,
            service_code=service,
            anonymous=name is None,
            name=name or "",
            actor=users.get("petugas.dukcapil") if channel == "counter" else None,
            now=received,
        )
        Complaint.objects.filter(pk=complaint.pk).update(code=code)
        for action, username, hours, extra in steps:
            extra = dict(extra)
            if "booth" in extra:
                extra["booth_id"] = Booth.objects.get(
                    mall=mall, ticket_prefix=extra.pop("booth")
                ).pk
            at = min(received + dt.timedelta(hours=hours), now - dt.timedelta(minutes=5))
            complaint_act(
                complaint_id=complaint.pk, actor=users[username], action=action, now=at, **extra
            )
    return True


def complaint_demo_load(mall_code: str = DEMO_MALL, *, now: dt.datetime | None = None) -> int:
    """File and handle the demo complaints in the demo mall; returns how many were made
    (0 when they exist already, or when the demo mall or its staff are missing)."""
    now = now or timezone.now()
    mall = Mall.objects.filter(code=mall_code).first()
    usernames = {s[1] for item in DEMO_COMPLAINTS for s in item[6]} | {"petugas.dukcapil"}
    users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    if mall is None or set(users) != usernames:
        return 0
    return sum(_load_one(i, item, mall, users, now) for i, item in enumerate(DEMO_COMPLAINTS))
