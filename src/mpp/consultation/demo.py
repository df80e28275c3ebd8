"""Public consultation in the demo mall: one open topic and one concluded one.

Why: `mpp demo` should show the whole cycle a citizen and a manager go through: an open
consultation on the draft service standard of KTP-el recording (with votes, approved
comments, a reply from the mall, and one comment waiting for the moderator), and a
concluded one on Saturday service whose outcome lists what changed. Everything is made
through mpp.consultation.services (so the event log tells the same story) at times
relative to now, with fixed voter keys. Idempotent: topics whose title exists in the
mall are left as they are.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from mpp.accounts.models import Role, User
from mpp.catalog.demo import DEMO_MALL
from mpp.catalog.models import Mall, Service
from mpp.consultation import services
from mpp.consultation.models import Comment, Topic
from mpp.consultation.voters import voter_key_of

OPEN_TITLE = "Rancangan standar pelayanan perekaman KTP-el baru"
OPEN_BODY = """\
Disdukcapil Kabupaten Majalengka di MPP meninjau standar pelayanan perekaman KTP-el baru. \
Sebelum ditetapkan, kami meminta pendapat Anda atas rancangan berikut:

1. Persyaratan: fotokopi Kartu Keluarga tidak lagi diminta; cukup menyebutkan NIK atau \
menunjukkan KK asli.
2. Jam layanan: perekaman dibuka juga hari Sabtu pukul 08.00-12.00.
3. Waktu penyelesaian: KTP-el dicetak paling lama 1 jam setelah perekaman bila blangko \
tersedia; bila blangko habis, pemohon dikabari lewat SMS.
4. Pemohon lansia dan penyandang disabilitas didahulukan tanpa perlu mengambil antrean \
online.

Setuju, tidak setuju, atau ada usulan lain? Tulis komentar Anda di bawah."""
OPEN_COMMENTS = [
    (
        "Ibu Yati",
        "Setuju sekali soal fotokopi KK. Selama ini saya harus bolak-balik ke "
        "fotokopian di luar gedung.",
        "Terima kasih, Bu. Usulan ini memang berangkat dari keluhan yang sama.",
    ),
    (
        "",
        "Sabtu buka sangat membantu pekerja pabrik seperti saya yang tidak bisa izin hari kerja.",
        "",
    ),
    (
        "Dodi",
        "Mohon SMS pemberitahuan juga dikirim bila KTP-el sudah bisa diambil, bukan "
        "hanya bila blangko habis.",
        "",
    ),
]
OPEN_PENDING = (
    "Rina",
    "Apakah warga dari kecamatan yang jauh bisa dilayani perekaman keliling juga?",
)
OPEN_VOTES = {"agree": 14, "disagree": 3, "neutral": 2}

DONE_TITLE = "Usulan layanan Sabtu untuk pengambilan dokumen kependudukan"
DONE_BODY = """\
Hasil survei kepuasan masyarakat triwulan lalu menunjukkan banyak warga kesulitan datang \
pada hari kerja. Kami mengusulkan gerai Disdukcapil dibuka pada hari Sabtu pukul \
08.00-12.00 khusus untuk pengambilan KTP-el, KIA, dan akta yang sudah jadi."""
DONE_COMMENTS = [
    ("Pak Ujang", "Setuju, tapi tolong umumkan jamnya di papan informasi dan media sosial."),
    ("", "Bagaimana dengan legalisasi dokumen? Sering dibutuhkan untuk melamar kerja."),
]
DONE_VOTES = {"agree": 22, "disagree": 1, "neutral": 4}
DONE_OUTCOME = """\
Sebanyak 27 warga memberikan suara (22 setuju) dan usulan ini disetujui. Atas masukan \
warga, layanan Sabtu juga mencakup legalisasi dokumen kependudukan, dan jadwalnya \
diumumkan di papan informasi MPP serta media sosial Pemkab Majalengka."""
DONE_CHANGES = [
    ("Gerai Disdukcapil buka Sabtu pukul 08.00-12.00 untuk pengambilan dokumen", None),
    ("Legalisasi dokumen kependudukan juga dilayani pada hari Sabtu", "dukcapil-legalisir"),
    ("Jadwal layanan Sabtu diumumkan di papan informasi MPP dan media sosial", None),
]


def _end_of_day(mall: Mall, when: dt.datetime) -> dt.datetime:
    """23:59:59 of `when`'s day in the mall's time zone (what the manager pages set)."""
    return timezone.localtime(when, mall.tz).replace(hour=23, minute=59, second=59, microsecond=0)


def _votes(topic: Topic, counts: dict[str, int], prefix: str, now: dt.datetime) -> None:
    n = 0
    for stance, count in counts.items():
        for _ in range(count):
            n += 1
            key = voter_key_of(f"demo-{prefix}-{n}")
            services.vote_cast(topic=topic, voter_key=key, stance=stance, now=now)


def _comments(topic, rows, manager, now, *, prefix: str, approve=True) -> None:
    for i, row in enumerate(rows, start=1):
        name, body, reply = (*row, "")[:3]
        comment = services.comment_submit(
            topic=topic,
            display_name=name,
            body=body,
            author_key=voter_key_of(f"demo-{prefix}-comment-{i}"),
            now=now,
        )
        if approve:
            services.comment_moderate(
                comment=comment, decision="approve", reply=reply, actor=manager, now=now
            )


def _open_topic(mall: Mall, manager, now: dt.datetime) -> None:
    start = now - dt.timedelta(days=5)
    topic = services.topic_create(
        mall=mall,
        title=OPEN_TITLE,
        body=OPEN_BODY,
        kind=Topic.Kind.SERVICE_STANDARD,
        service=Service.objects.filter(code="dukcapil-ktp-el-baru").first(),
        actor=manager,
        now=start,
    )
    closes = _end_of_day(mall, now + dt.timedelta(days=21))
    services.topic_open(topic=topic, closes_at=closes, actor=manager, now=start)
    _votes(topic, OPEN_VOTES, "open", start + dt.timedelta(hours=1))
    _comments(topic, OPEN_COMMENTS, manager, start + dt.timedelta(days=1), prefix="open")
    waiting = now - dt.timedelta(hours=2)
    _comments(topic, [OPEN_PENDING], manager, waiting, prefix="pending", approve=False)


def _concluded_topic(mall: Mall, manager, now: dt.datetime) -> None:
    start = now - dt.timedelta(days=60)
    topic = services.topic_create(
        mall=mall,
        title=DONE_TITLE,
        body=DONE_BODY,
        kind=Topic.Kind.NEW_SERVICE,
        actor=manager,
        now=start,
    )
    closes = _end_of_day(mall, start + dt.timedelta(days=30))
    services.topic_open(topic=topic, closes_at=closes, actor=manager, now=start)
    _votes(topic, DONE_VOTES, "done", start + dt.timedelta(days=2))
    _comments(topic, DONE_COMMENTS, manager, start + dt.timedelta(days=3), prefix="done")
    services.topic_close(topic=topic, actor=manager, now=closes)
    codes = {code for _, code in DONE_CHANGES if code}
    by_code = {s.code: s for s in Service.objects.filter(code__in=codes)}
    services.topic_conclude(
        topic=topic,
        outcome=DONE_OUTCOME,
        changes=[(text, by_code.get(code)) for text, code in DONE_CHANGES],
        actor=manager,
        now=start + dt.timedelta(days=40),
    )


@transaction.atomic
def consultation_demo_load(mall_code: str = DEMO_MALL, now: dt.datetime | None = None) -> int:
    """Give the demo mall its two consultations; returns how many topics were made (0-2).

    Needs catalog.demo.demo_load first (the mall, its services and the manager)."""
    mall = Mall.objects.filter(code=mall_code).first()
    if mall is None:
        return 0
    now = now or timezone.now()
    manager = User.objects.filter(mall=mall, role=Role.MALL_MANAGER).order_by("pk").first()
    existing = set(Topic.objects.filter(mall=mall).values_list("title", flat=True))
    made = 0
    for title, load in ((DONE_TITLE, _concluded_topic), (OPEN_TITLE, _open_topic)):
        if title not in existing:
            load(mall, manager, now)
            made += 1
    return made


def consultation_demo_counts(mall_code: str = DEMO_MALL) -> dict:
    """Topics by status and comments waiting, for the demo's report and tests."""
    topics = Topic.objects.filter(mall__code=mall_code)
    return {
        "open": topics.filter(status=Topic.Status.OPEN).count(),
        "concluded": topics.filter(status=Topic.Status.CONCLUDED).count(),
        "pending": Comment.objects.filter(topic__in=topics, status=Comment.Status.PENDING).count(),
    }
