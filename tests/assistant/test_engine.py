"""The engine's rules around the dialogues: the question's wording, one question at most,
states it refuses, what it never keeps (the citizen's words, a NIK), the national scope,
commands and numbers, and the plain-text rendering for WhatsApp and SMS."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation

from mpp.assistant import matching
from mpp.assistant.answers import Kind
from mpp.assistant.engine import about, checked_state, fresh_state, reply
from mpp.assistant.render import SMS, WHATSAPP, answer_text

NIK = "3210123456780001"


def english(fn, *args, **kwargs):
    with translation.override("en"):
        return fn(*args, **kwargs)


def test_the_question_is_short_and_names_the_options(demo):
    _, answer = english(reply, None, "bikin ktp", mall_id=demo.pk)
    assert answer.kind == Kind.QUESTION
    assert answer.lines[0] == "KTP new, lost/damaged or change of data?"
    assert len(answer.lines[0]) <= 60
    assert [c.key for c in answer.choices] == ["baru", "hilang-rusak", "ubah"]
    with translation.override("id"):  # Indonesian: the data file's own words
        _, answer = reply(None, "bikin ktp", mall_id=demo.pk)
    assert answer.lines[0].startswith("KTP baru, hilang/rusak")


def test_a_family_with_its_own_question_uses_it_when_every_option_is_open(demo):
    _, answer = english(reply, None, "sim", mall_id=demo.pk)
    assert answer.lines[0] == "A new SIM or a renewal? For a car (A) or a motorcycle (C)?"
    _, answer = english(reply, None, "bikin sim", mall_id=demo.pk)  # two options left
    assert answer.lines[0] == "SIM A new (car) or C new (motorcycle)?"


@pytest.mark.parametrize("first", ["bikin ktp", "sim", "paspor", "akte", "balik nama", "pbb"])
@pytest.mark.parametrize(
    "second", ["9", "paspor", "nikah", "balik nama", "zzqq", "hilang", "motor", "sim"]
)
def test_never_two_questions_in_a_row(demo, first, second):
    state, answer = reply(None, first, mall_id=demo.pk)
    assert answer.kind == Kind.QUESTION
    state, answer = reply(state, second, mall_id=demo.pk)
    assert answer.kind == Kind.SERVICE
    assert state["stage"] == "answered"


def test_the_state_holds_codes_never_the_citizens_words(demo):
    state, answer = reply(None, f"tolong bikin ktp saya {NIK}", mall_id=demo.pk)
    assert answer.kind == Kind.QUESTION
    stored = json.dumps(state)
    assert "tolong" not in stored and "bikin" not in stored and NIK not in stored
    assert set(state) == {"v", "stage", "mall", "family", "likely", "candidates"}
    state, answer = reply(state, "2", mall_id=demo.pk)
    assert NIK not in json.dumps(answer.as_dict()) and "tolong" not in json.dumps(answer.as_dict())


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "x",
        [],
        {"v": 2, "stage": "clarify"},
        {"v": 1, "stage": "clarify", "candidates": "x"},
        {"v": 1, "stage": "clarify", "candidates": [{"service": "a"}]},  # one choice only
        {"v": 1, "stage": "clarify", "candidates": [{"service": 1}, {"service": 2}]},
        {"v": 1, "stage": "answered", "service": "x" * 200, "alternatives": []},
        {"v": 1, "stage": "menu", "menu": "secret"},
        {"v": 1, "stage": "warp"},
    ],
)
def test_a_malformed_state_starts_afresh(demo, bad):
    if isinstance(bad, dict):
        bad = {**bad, "mall": demo.pk}
    assert checked_state(bad, demo.pk) == fresh_state(demo.pk)
    state, answer = reply(bad, "ktp hilang", mall_id=demo.pk)
    assert answer.service.code == "dukcapil-ktp-el-hilang-rusak"


def test_a_state_of_another_mall_starts_afresh(demo, depok):
    state, _ = reply(None, "bikin ktp", mall_id=demo.pk)
    assert checked_state(state, depok.pk) == fresh_state(depok.pk)


def test_a_forged_candidate_ends_politely(demo):
    state = {
        "v": 1,
        "stage": "clarify",
        "mall": demo.pk,
        "family": "",
        "candidates": [{"service": "no-such-service"}, {"service": "dukcapil-kia"}],
    }
    _, answer = reply(state, "1", mall_id=demo.pk)
    assert answer.kind == Kind.NOT_FOUND and answer.choices
    _, answer = reply(state, "2", mall_id=demo.pk)
    assert answer.service.code == "dukcapil-kia"


def test_a_typo_is_reported_for_the_page(demo):
    _, answer = reply(None, "perpanjnag sim motor", mall_id=demo.pk)
    assert answer.service.code == "polres-sim-c-perpanjangan"
    assert answer.corrected == "perpanjang sim motor"


def test_nothing_found_offers_three_examples(demo):
    state, answer = english(reply, None, "zzzqqq", mall_id=demo.pk)
    assert answer.kind == Kind.NOT_FOUND
    assert answer.lines[0] == "Sorry, I did not find a service for that."
    assert len(answer.choices) == 3
    assert state == {**fresh_state(demo.pk), "stage": "menu", "menu": "examples"}


def test_national_answers_list_the_malls(demo, depok):
    state, answer = reply(None, "ktp hilang", mall_id=None)
    card = answer.service
    assert card.code in {"dukcapil-ktp-el-hilang-rusak", "depok-ktp-el-hilang-rusak"}
    assert {p.mall for p in card.places} == {demo.code, depok.code}
    assert card.mall == "" and state["mall"] is None


def test_about_opens_on_one_service(demo, depok):
    state, answer = english(about, "dukcapil-kia", mall_id=demo.pk)
    assert answer.kind == Kind.SERVICE and answer.lines == ("About this service:",)
    assert state["service"] == "dukcapil-kia"
    _, answer = about("polres-skck", mall_id=depok.pk)  # not offered in Depok
    assert answer.kind == Kind.NOT_FOUND


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        ("2", 3, 2),
        ("no. 2", 3, 2),
        ("Nomor 3", 3, 3),
        ("yang kedua", 3, 2),
        ("pertama", 2, 1),
        ("2.", 4, 2),
        ("5", 3, None),
        ("0", 3, None),
        ("2 ktp", 3, None),
        ("ktp", 3, None),
    ],
)
def test_numbers(text, count, expected):
    assert matching.number(text, count) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mulai lagi", matching.RESET),
        ("START OVER", matching.RESET),
        ("menu", matching.MENU),
        ("bantuan", matching.HELP),
        ("Assalamualaikum min", matching.GREETING),
        ("selamat pagi kak", matching.GREETING),
        ("makasih", matching.THANKS),
        ("halo bikin ktp", None),
        ("menu ktp", None),
    ],
)
def test_commands(text, expected):
    assert matching.command(text) == expected


def test_whatsapp_text_has_numbers_and_absolute_links(demo):
    _, question = reply(None, "bikin ktp", mall_id=demo.pk)
    text = answer_text(question, channel=WHATSAPP, base_url="https://mpp.example.id")
    assert "1. Perekaman dan penerbitan KTP-el baru" in text
    assert "2. Penggantian KTP-el hilang atau rusak" in text
    _, answer = english(reply, None, "ktp hilang", mall_id=demo.pk)
    text = english(answer_text, answer, channel=WHATSAPP, base_url="https://mpp.example.id")
    assert "*Penggantian KTP-el hilang atau rusak*" in text
    assert (
        f"Take a queue number: https://mpp.example.id/m/{demo.code}/phone/"
        "dukcapil-ktp-el-hilang-rusak/" in text
    )
    assert "Fee: Free" in text and "What to bring:" in text
    without = answer_text(answer, channel=WHATSAPP, base_url="")
    assert "/phone/" not in without  # no half links without a public address


def test_sms_text_is_plain_ascii_and_short(demo):
    _, answer = reply(None, "perpanjang sim motor", mall_id=demo.pk)
    text = answer_text(answer, channel=SMS, base_url="https://mpp.example.id")
    assert text.isascii()
    assert "/phone/polres-sim-c-perpanjangan/" in text
    assert not re.search(r"/layanan/polres-sim-c-perpanjangan/(\n|$)", text)  # no detail link
    whatsapp = answer_text(answer, channel=WHATSAPP, base_url="https://mpp.example.id")
    assert len(text) < len(whatsapp)


def test_another_need_after_a_question_is_searched_once(demo, django_assert_max_num_queries):
    """ "paspor" after the KTP question: the message's search is reused to answer it (one
    search of the message, one per option of the passport family), not repeated."""
    state, answer = reply(None, "bikin ktp", mall_id=demo.pk)
    assert answer.kind == Kind.QUESTION
    with django_assert_max_num_queries(15):
        state, answer = reply(state, "paspor", mall_id=demo.pk)
    assert answer.kind == Kind.SERVICE
    assert answer.service.code.startswith("imigrasi-paspor")
