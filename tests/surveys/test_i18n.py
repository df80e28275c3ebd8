"""Every string of the SKM has its Indonesian line (notes/translations/surveys.tsv), and once the
lead has merged the translations the survey reads in the regulation's own words."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from mpp.notifications.rendering import render
from tests.web.test_i18n import PLACEHOLDER, po_entries

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "mpp"
TSV = REPO / "notes" / "translations" / "surveys.tsv"
TSV_PRIVACY = TSV.parent / "surveys-complaints.tsv"  # issue 11: anonymity, honest messages
# The reports and exports (reports.py, exports.py, views/reports.py, templates/surveys/
# report*) have their own owner and translation file.
NOT_MINE = ("surveys/reports.py", "surveys/exports.py", "surveys/views/reports.py",
            "surveys/templates/surveys/report")  # fmt: skip
MY_FILES = (
    "surveys/",
    "api/routers/surveys.py",
    "queueing/templates/queueing/ticket_status.html",
    "queueing/templates/queueing/console.html",
)
needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (msgfmt, xgettext) is not installed",
)

# The regulation's questionnaire (PermenPANRB 14/2017), word for word.
REGULATION = [
    "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
    "pelayanannya?",
    "Bagaimana pendapat Saudara tentang kemudahan prosedur pelayanan di unit ini?",
    "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
    "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
    "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
    "dalam standar pelayanan dengan hasil yang diberikan?",
    "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
    "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
    "dan keramahan?",
    "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
    "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
    "Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai",
    "Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah",
    "Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat",
    "Sangat mahal", "Cukup mahal", "Murah", "Gratis",
    "Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten",
    "Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
    "Sangat sopan dan ramah",
    "Buruk", "Cukup", "Baik", "Sangat Baik",
    "Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
    "Dikelola dengan baik",
    "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
    "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
    "Sarana dan Prasarana", "Penanganan Pengaduan, Saran dan Masukan",
    "Laki-laki", "Perempuan", "SD ke bawah", "SMP", "SMA", "D1-D2-D3-D4", "S1", "S2 ke atas",
    "PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Pelajar/Mahasiswa", "Lainnya",
]  # fmt: skip


def tsv_pairs(*paths: Path) -> dict[str, str]:
    pairs = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                pairs[msgid] = msgstr
    return pairs


def test_tsv_lines_are_well_formed():
    mine = tsv_pairs(TSV)
    assert len(mine) > 100
    for msgid, msgstr in mine.items():
        assert msgstr.strip() and msgstr == msgstr.strip(), msgid
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert "antrian" not in msgstr.lower()
    assert set(REGULATION) <= set(mine.values()) | {"Gratis"}


def test_no_other_tsv_translates_my_msgids_differently():
    mine = tsv_pairs(TSV)
    for path in sorted(TSV.parent.glob("*.tsv")):
        if path == TSV:
            continue
        for msgid, msgstr in tsv_pairs(path).items():
            if msgid in mine:
                assert mine[msgid] == msgstr, (path.name, msgid)


def test_my_lines_agree_with_the_catalogue():
    """A msgid the catalogue already translates keeps its translation (po_fill would
    otherwise change it on every other screen)."""
    committed = {e["msgid"]: e for e in po_entries(PACKAGE / "locale/id/LC_MESSAGES/django.po")}
    for msgid, msgstr in tsv_pairs(TSV).items():
        entry = committed.get(msgid)
        if entry and all(entry["msgstr"].values()):
            assert list(entry["msgstr"].values()) == [msgstr], msgid


@needs_gettext
def test_every_string_of_the_survey_has_an_indonesian_line(tmp_path, monkeypatch):
    """makemessages over a copy of the code: each msgid of the SKM's files is translated in
    the catalogue or in a notes/translations/*.tsv (which the lead merges)."""
    source = tmp_path / "mpp"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (source / "locale" / "id" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["id"], ignore_patterns=["migrations/*"], verbosity=0)
    fresh = po_entries(source / "locale" / "id" / "LC_MESSAGES" / "django.po")[1:]
    ours = [
        e
        for e in fresh
        if any(r.startswith(MY_FILES) and not r.startswith(NOT_MINE) for r in e["refs"])
    ]
    committed = {e["msgid"]: e for e in po_entries(PACKAGE / "locale/id/LC_MESSAGES/django.po")[1:]}
    # every TSV: the ticket page's lines (part 1's) and this issue's come in their own files
    mine = tsv_pairs(TSV, TSV_PRIVACY, *sorted(TSV.parent.glob("*.tsv")))
    assert len(ours) > 100

    def translated(e):
        if e["msgid"] in mine and e["plural"] is None:
            return True
        return e["msgid"] in committed and all(committed[e["msgid"]]["msgstr"].values())

    assert [e["msgid"] for e in ours if not translated(e)] == []


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture
def merged(tmp_path, settings):
    """The committed catalogue plus every TSV of notes/translations, compiled."""
    pairs = tsv_pairs(*sorted(TSV.parent.glob("*.tsv")))
    entries = po_entries(PACKAGE / "locale/id/LC_MESSAGES/django.po")
    known = {e["msgid"] for e in entries}
    blocks = []
    for e in entries:
        lines = [f"msgid {_quote(e['msgid'])}"]
        if e["plural"] is not None:
            lines.append(f"msgid_plural {_quote(e['plural'])}")
        for key, value in e["msgstr"].items():
            lines.append(f"{key} {_quote(value or pairs.get(e['msgid'], ''))}")
        blocks.append("\n".join(lines))
    blocks += [f"msgid {_quote(k)}\nmsgstr {_quote(v)}" for k, v in pairs.items() if k not in known]
    po = tmp_path / "django.po"
    po.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    out = tmp_path / "locale" / "id" / "LC_MESSAGES"
    out.mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(out / "django.mo"), str(po)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # Django drops its cached catalogues
    return pairs


@needs_gettext
def test_survey_reads_in_the_regulations_words_once_merged(merged, invitation, settings):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/survei/{invitation.token}/").content.decode()
    for words in REGULATION:
        assert words in html, words
    assert "Kirim jawaban saya" in html and "Tentang Anda" in html
    ikm = Client().get(reverse("mall-ikm", kwargs={"mall": invitation.mall.code}))
    assert "Indeks Kepuasan Masyarakat (IKM)" in ikm.content.decode()
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    context = {
        "mall": "MPP Kabupaten Majalengka",
        "service": "Perekaman KTP-el",
        "url": f"https://mpp.example.go.id/survei/{invitation.token}/",
        "expires_date": "2026-12-27",
    }
    sms = render(template="survey_invitation", channel="sms", language="id", context=context)
    assert sms.body.startswith("MPP Kabupaten Majalengka: terima kasih.")
    assert len(sms.body) <= 160 and sms.body.isascii()
