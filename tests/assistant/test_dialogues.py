"""Scripted conversations with the engine in the demo mall, one table row per dialogue.

Each step is a citizen's message and what the assistant must do:
  "? a b c"   ask ONE question whose choices are exactly these services, in this order
  "= code"    answer with this service
  "=~ prefix" answer with a service whose code starts so
  "+ a b"     answer a follow-up about the service answered last, on these aspects
              (intents.ASPECTS: fee, requirements, time, where, steps, hours)
  a kind      welcome, help, menu, not_found, thanks
After every step the state must be JSON and no question may follow a question.
"""

from __future__ import annotations

import json

import pytest

from mpp.assistant.answers import Kind
from mpp.assistant.engine import reply

KTP = "? dukcapil-ktp-el-baru dukcapil-ktp-el-hilang-rusak dukcapil-ktp-el-perubahan"
SIM4 = "? polres-sim-a-baru polres-sim-c-baru polres-sim-a-perpanjangan polres-sim-c-perpanjangan"
PASPOR = (
    "? imigrasi-paspor-baru imigrasi-paspor-penggantian imigrasi-paspor-hilang "
    "imigrasi-paspor-rusak"
)
AKTA = "? dukcapil-akta-kelahiran dukcapil-akta-kematian pa-produk-pengadilan"
KENDARAAN = "? samsat-pajak-tahunan samsat-lima-tahunan samsat-balik-nama samsat-mutasi-keluar"
NIKAH = (
    "? kemenag-nikah kemenag-duplikat-buku-nikah kemenag-legalisir-buku-nikah "
    "pa-pendaftaran-perkara"
)
TANAH = "? bpn-pengecekan-sertipikat bpn-peralihan-hak bpn-roya bpn-skpt"
KTP_LOST = ("ktp hilang", "= dukcapil-ktp-el-hilang-rusak")
SIM_C = ("perpanjang sim motor", "= polres-sim-c-perpanjangan")

DIALOGUES = {
    # KTP-el: new / lost or damaged / change of data
    "ktp-ask-then-number": [("bikin ktp", KTP), ("2", "= dukcapil-ktp-el-hilang-rusak")],
    "ktp-lost-is-clear": [("ktp hilang", "= dukcapil-ktp-el-hilang-rusak")],
    "ktp-typo": [("ktp hilng", "= dukcapil-ktp-el-hilang-rusak")],
    "ktp-sundanese": [("ktp abdi leungit", "= dukcapil-ktp-el-hilang-rusak")],
    "ktp-answer-by-word": [("e-ktp", KTP), ("baru", "= dukcapil-ktp-el-baru")],
    "ktp-answer-in-words": [("urus ktp", KTP), ("mau ganti alamat", "= dukcapil-ktp-el-perubahan")],
    "ktp-change-is-clear": [("ganti alamat ktp", "= dukcapil-ktp-el-perubahan")],
    "ktp-digital-is-ikd": [("ktp digital", "= dukcapil-ikd")],
    "ktp-police-letter": [("surat kehilangan ktp", "= polres-laporan-kehilangan")],
    # SIM: new or renewal, A (car) or C (motorcycle)
    "sim-four-choices": [("sim", SIM4), ("perpanjang motor", "= polres-sim-c-perpanjangan")],
    "sim-new-two-choices": [
        ("bikin sim", "? polres-sim-a-baru polres-sim-c-baru"),
        ("1", "= polres-sim-a-baru"),
    ],
    "sim-c": [
        ("sim c", "? polres-sim-c-baru polres-sim-c-perpanjangan"),
        ("perpanjang", "= polres-sim-c-perpanjangan"),
    ],
    "sim-renewal-which": [
        ("perpanjang sim", "? polres-sim-a-perpanjangan polres-sim-c-perpanjangan"),
        ("mobil", "= polres-sim-a-perpanjangan"),
    ],
    "sim-clear": [("perpanjang sim motor", "= polres-sim-c-perpanjangan")],
    "sim-tie-commits": [("sim", SIM4), ("motor", "=~ polres-sim-c-")],
    # paspor: new / expired or full / lost / damaged
    "paspor-by-word": [("paspor", PASPOR), ("rusak", "= imigrasi-paspor-rusak")],
    "paspor-by-ordinal": [("paspor", PASPOR), ("yang ketiga", "= imigrasi-paspor-hilang")],
    "paspor-typos": [("pasport ilang", "= imigrasi-paspor-hilang")],
    "paspor-migrant-worker": [("paspor tki", "= disnaker-rekom-paspor-pmi")],
    # KK: new / change
    "kk": [
        ("kk", "? dukcapil-kk-baru dukcapil-kk-perubahan"),
        ("tambah anak", "= dukcapil-kk-perubahan"),
    ],
    "kk-new-clear": [("kartu keluarga baru", "= dukcapil-kk-baru")],
    "kk-free-text-stays-in-family": [
        ("kk", "? dukcapil-kk-baru dukcapil-kk-perubahan"),
        ("hilang", "=~ dukcapil-kk-"),
    ],
    # akta: birth / death / divorce
    "akta": [("akte", AKTA), ("bayi", "= dukcapil-akta-kelahiran")],
    "akta-free-text": [("akta", AKTA), ("anak saya baru lahir", "= dukcapil-akta-kelahiran")],
    "akta-death-clear": [("akta kematian", "= dukcapil-akta-kematian")],
    # SKCK: new / renewal
    "skck": [
        ("skck", "? polres-skck polres-skck-perpanjangan"),
        ("2", "= polres-skck-perpanjangan"),
    ],
    "skck-clear": [("perpanjang skck", "= polres-skck-perpanjangan")],
    # BPJS Kesehatan / Ketenagakerjaan
    "bpjs-register": [
        ("daftar bpjs", "? bpjskes-pendaftaran bpjstk-pendaftaran-bpu"),
        ("kesehatan", "= bpjskes-pendaftaran"),
    ],
    "bpjs-by-number": [
        ("bpjs", "? bpjskes-pendaftaran bpjstk-klaim-jht"),
        ("2", "= bpjstk-klaim-jht"),
    ],
    # vehicle tax (Samsat), electricity, water, pension, land, PBB, marriage
    "vehicle": [("pajak motor", KENDARAAN), ("ganti plat", "= samsat-lima-tahunan")],
    "electricity": [
        ("listrik", "? pln-pasang-baru pln-pengaduan pln-balik-nama"),
        ("tagihan", "= pln-pengaduan"),
    ],
    "water": [
        ("air", "? pdam-sambungan-baru pdam-pengaduan"),
        ("pasang baru", "= pdam-sambungan-baru"),
    ],
    "pension": [
        ("pensiun", "? taspen-klaim-pensiun taspen-otentikasi taspen-klaim-kematian"),
        ("janda", "= taspen-klaim-kematian"),
    ],
    "land": [("sertifikat tanah", TANAH), ("jual beli", "= bpn-peralihan-hak")],
    "pbb": [
        ("pbb", "? bapenda-pbb-bayar bapenda-pbb-mutasi"),
        ("bayar", "= bapenda-pbb-bayar"),
    ],
    "marriage": [("nikah", NIKAH), ("daftar", "= kemenag-nikah")],
    # the generic rule: close hits of services no family lists
    "generic-balik-nama": [
        ("balik nama", "? pln-balik-nama pdam-pengaduan samsat-balik-nama bapenda-pbb-mutasi"),
        ("samsat", "= samsat-balik-nama"),
    ],
    "generic-cerai": [
        ("cerai", "? pa-produk-pengadilan pa-pendaftaran-perkara"),
        ("1", "= pa-produk-pengadilan"),
    ],
    # never a second question; commands; nothing found
    "other-need-after-question": [("bikin ktp", KTP), ("sim", "=~ polres-sim-")],
    "gibberish-after-question": [("bikin ktp", KTP), ("asdfgh", "=~ dukcapil-ktp-el-")],
    "not-found-then-example": [
        ("zzzqqq", "not_found"),
        ("1", "= dukcapil-ktp-el-hilang-rusak"),
    ],
    "menu": [("menu", "menu"), ("4", SIM4), ("2", "= polres-sim-c-baru")],
    "start-over": [
        ("bikin ktp", KTP),
        ("mulai lagi", "welcome"),
        ("ktp rusak", "= dukcapil-ktp-el-hilang-rusak"),
    ],
    "greeting-and-thanks": [
        ("halo min", "welcome"),
        ("ktp hilang", "= dukcapil-ktp-el-hilang-rusak"),
        ("makasih", "thanks"),
    ],
    "a-number-with-no-list": [("ktp hilang", "= dukcapil-ktp-el-hilang-rusak"), ("7", "help")],
    "alternatives-by-number": [
        ("bikin ktp", KTP),
        ("2", "= dukcapil-ktp-el-hilang-rusak"),
        ("1", "= dukcapil-ktp-el-baru"),
    ],
    # topic memory: follow-ups about the service answered, Indonesian and chat spellings
    "follow-fee": [
        KTP_LOST,
        ("berapa biayanya?", "+ fee"),
        ("biayanya berapa", "+ fee"),
        ("brp biayany", "+ fee"),
        ("gratis ga?", "+ fee"),
    ],
    "follow-requirements": [
        KTP_LOST,
        ("syaratnya apa?", "+ requirements"),
        ("bawa apa saja", "+ requirements"),
        ("syarat2 nya apa kak", "+ requirements"),
    ],
    "follow-time": [
        SIM_C,
        ("berapa lama?", "+ time"),
        ("jadi berapa hari", "+ time"),
        ("sabaraha lami?", "+ time"),  # Sundanese
    ],
    "follow-where": [
        KTP_LOST,
        ("di mana?", "+ where"),
        ("loketnya dimana", "+ where"),
        ("dmn min", "+ where"),
    ],
    "follow-steps": [
        SIM_C,
        ("bisa online?", "+ steps"),
        ("bisa booking?", "+ steps"),
        ("gmn caranya", "+ steps"),
    ],
    "follow-hours": [
        KTP_LOST,
        ("jam buka?", "+ hours"),
        ("buka hari sabtu?", "+ hours"),
    ],
    "follow-two-aspects": [SIM_C, ("biaya dan syaratnya?", "+ fee requirements")],
    "follow-repeats-the-service": [KTP_LOST, ("biaya ktp hilang", "+ fee")],
    # ... and in English
    "follow-english": [
        KTP_LOST,
        ("how much does it cost?", "+ fee"),
        ("what do I need to bring", "+ requirements"),
        ("how long does it take?", "+ time"),
        ("where is it?", "+ where"),
        ("can I book online?", "+ steps"),
        ("what time do you open?", "+ hours"),
    ],
    # a follow-up naming another need is searched as before
    "new-need-sim": [KTP_LOST, ("kalau sim?", SIM4)],
    "new-need-passport": [KTP_LOST, ("perpanjang paspor", "= imigrasi-paspor-penggantian")],
    "new-need-with-an-aspect": [KTP_LOST, ("kalau sim berapa?", SIM4)],
    "new-need-same-family": [KTP_LOST, ("biaya ktp baru", "= dukcapil-ktp-el-baru")],
    "follow-up-then-new-need": [
        SIM_C,
        ("berapa biayanya", "+ fee"),
        ("perpanjang skck", "= polres-skck-perpanjangan"),
        ("syaratnya?", "+ requirements"),  # now about the SKCK
    ],
    "follow-up-closes-the-list": [
        ("bikin ktp", KTP),
        ("2", "= dukcapil-ktp-el-hilang-rusak"),
        ("biayanya?", "+ fee"),
        ("1", "help"),  # the alternatives are no longer shown: no list to pick from
    ],
    "aspect-without-a-topic": [("berapa biayanya?", "not_found")],
}


def check(step: int, message: str, answer, expected: str, topic: str = "") -> None:
    where = f"step {step} ({message!r}): {answer.kind} {answer.lines}"
    if expected.startswith("+"):
        assert answer.kind == Kind.FOLLOW_UP, where
        assert answer.aspects == tuple(expected[1:].split()), where
        assert answer.topic == topic and answer.service is None, where
    elif expected.startswith("?"):
        assert answer.kind == Kind.QUESTION, where
        assert [c.service for c in answer.choices] == expected[1:].split(), where
        assert [c.number for c in answer.choices] == list(range(1, len(answer.choices) + 1))
    elif expected.startswith("=~"):
        assert answer.kind == Kind.SERVICE, where
        assert answer.service.code.startswith(expected[2:].strip()), where
    elif expected.startswith("="):
        assert answer.kind == Kind.SERVICE, where
        assert answer.service.code == expected[1:].strip(), where
    else:
        assert answer.kind == expected, where


def test_the_table_is_big_enough():
    assert len(DIALOGUES) >= 30
    questions = sum(1 for steps in DIALOGUES.values() if any(e[0] == "?" for _, e in steps))
    assert questions >= 20


@pytest.mark.parametrize("name", list(DIALOGUES))
def test_dialogue(name, demo):
    state = None
    previous = None
    topic = None  # the service answered last: (code, name)
    for step, (message, expected) in enumerate(DIALOGUES[name], 1):
        state, answer = reply(state, message, mall_id=demo.pk)
        check(step, message, answer, expected, topic[0] if topic else "")
        assert json.loads(json.dumps(state)) == state  # storable as JSON
        assert not (previous == Kind.QUESTION and answer.kind == Kind.QUESTION)
        if answer.kind == Kind.SERVICE:
            assert any(s.kind == "ticket" for s in answer.service.steps)  # the next step
            topic = (answer.service.code, answer.service.name)
        if answer.kind == Kind.FOLLOW_UP:
            assert topic[1] in answer.lines[0]  # names the service
            assert state["stage"] == "answered" and state["service"] == topic[0]
        previous = answer.kind
