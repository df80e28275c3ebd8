"""Topic memory: follow-up questions about the service answered (intents.py, followups.py),
on the engine, the web page and the stateless API; and the language of a message
(language.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mpp.assistant.engine import reply
from mpp.assistant.followups import opening_hours_lines
from mpp.assistant.intents import read
from mpp.assistant.language import detect
from mpp.assistant.render import WHATSAPP, answer_text

# The reading of a message alone (no database): aspects, and the words left over.
READINGS = [
    ("berapa biayanya?", ("fee",), ()),
    ("biayanya berapa", ("fee",), ()),
    ("brp biayany", ("fee",), ()),
    ("sabaraha biayana", ("fee",), ()),
    ("syaratnya apa?", ("requirements",), ()),
    ("syarat2 nya apa", ("requirements",), ()),
    ("bawa apa saja", ("requirements",), ()),
    ("berapa lama?", ("time",), ()),
    ("jadi berapa hari", ("time",), ()),
    ("di mana?", ("where",), ()),
    ("loketnya dimana", ("where",), ()),
    ("dmn", ("where",), ()),
    ("bisa online?", ("steps",), ()),
    ("bisa booking?", ("steps",), ()),
    ("gmn caranya", ("steps",), ()),
    ("jam buka?", ("hours",), ()),
    ("jam buka hari sabtu", ("hours",), ()),
    ("biaya dan syaratnya", ("fee", "requirements"), ()),
    ("how much does it cost?", ("fee",), ()),
    ("what do I need to bring", ("requirements",), ()),
    ("how long does it take?", ("time",), ()),
    ("where is it?", ("where",), ()),
    ("can I book online?", ("steps",), ()),
    ("what time do you open?", ("hours",), ()),
    ("kalau sim berapa?", ("fee",), ("sim",)),
    ("kalau sim?", (), ("sim",)),
    ("perpanjang paspor", (), ("perpanjang", "paspor")),
]


@pytest.mark.parametrize(("message", "aspects", "rest"), READINGS)
def test_reading_a_follow_up(message, aspects, rest):
    reading = read(message)
    assert (reading.aspects, reading.rest) == (aspects, rest)


LANGUAGES = [
    ("ktp hilang", "id"),
    ("bikin ktp", "id"),
    ("ktp abdi leungit", "id"),  # Sundanese
    ("kumaha carana", "id"),
    ("piye carane gawe akta", "id"),  # Javanese
    ("syaratnya apa kak", "id"),
    ("How much is a new passport?", "en"),
    ("I lost my ID card", "en"),
    ("what do I need to bring", "en"),
    ("lost passport", "en"),
    ("help", "en"),
    ("2", None),
    ("ok", None),
    ("sim a", None),  # "a" is no English word here
    ("no 2", None),
    ("paspor", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "language"), LANGUAGES)
def test_language_detection(text, language):
    assert detect(text) == language


def test_a_follow_up_answer_in_english_with_links(demo):
    with translation.override("en"):
        state, answer = reply(None, "perpanjang sim motor", mall_id=demo.pk)
        state, answer = reply(state, "bisa booking?", mall_id=demo.pk)
        text = answer_text(answer, channel=WHATSAPP, base_url="https://mpp.example.id")
    assert text.startswith("For Perpanjangan SIM C you can:")
    book = f"https://mpp.example.id/m/{demo.code}/layanan/polres-sim-c-perpanjangan/pesan/"
    assert f"Book online: {book}" in text
    assert "Take a queue number: https://mpp.example.id/" in text
    assert state == {
        "v": 1,
        "stage": "answered",
        "mall": demo.pk,
        "service": "polres-sim-c-perpanjangan",
        "alternatives": [],
    }


def test_a_service_without_online_steps_says_so(demo):
    with translation.override("en"):
        state, _ = reply(None, "ktp hilang", mall_id=demo.pk)
        _, answer = reply(state, "bisa online?", mall_id=demo.pk)
    assert answer.lines == (
        "Penggantian KTP-el hilang atau rusak cannot be booked or applied for online: "
        "take a queue number at the mall.",
    )
    assert [link.kind for link in answer.links] == ["ticket"]


def test_the_fee_time_and_place_come_from_the_catalogue(demo):
    with translation.override("en"):
        state, _ = reply(None, "perpanjang sim motor", mall_id=demo.pk)
        _, fee = reply(state, "berapa biayanya", mall_id=demo.pk)
        _, where = reply(state, "loketnya dimana", mall_id=demo.pk)
    assert fee.lines == ("Fee for Perpanjangan SIM C: Rp\u00a075.000.",)
    assert where.lines[0] == (
        "Perpanjangan SIM C is served at Gerai Polres Majalengka (SIM dan SKCK) (Lantai 1), "
        "MPP Kabupaten Majalengka."
    )
    assert where.links[0].url == f"/m/{demo.code}/layanan/polres-sim-c-perpanjangan/"


def test_opening_hours_group_equal_days(demo):
    with translation.override("en"):
        assert opening_hours_lines(demo.pk) == [
            "Monday–Thursday: 08:00–15:00",
            "Friday: 08:00–15:30",
            "Closed: Saturday, Sunday",
        ]
        state, _ = reply(None, "ktp hilang", mall_id=demo.pk)
        _, answer = reply(state, "jam buka?", mall_id=demo.pk)
    assert answer.lines[0] == (
        "Penggantian KTP-el hilang atau rusak is served at MPP Kabupaten Majalengka, open:"
    )


def test_national_follow_ups_point_to_the_malls(demo, depok):
    with translation.override("en"):
        state, _ = reply(None, "ktp hilang", mall_id=None)
        _, where = reply(state, "dimana?", mall_id=None)
        _, hours = reply(state, "jam buka", mall_id=None)
        _, fee = reply(state, "biayanya", mall_id=None)
    assert where.lines == (
        "Penggantian KTP-el hilang atau rusak is served in 2 malls; choose one:",
    )
    assert {link.url for link in where.links} == {
        f"/m/{demo.code}/layanan/dukcapil-ktp-el-hilang-rusak/",
        f"/m/{depok.code}/layanan/depok-ktp-el-hilang-rusak/",
    }
    assert hours.lines == where.lines
    assert fee.lines == ("Fee for Penggantian KTP-el hilang atau rusak: Free.",)


def test_follow_ups_on_the_web_page(demo):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = f"/m/{demo.code}/asisten/"
    client.post(url, {"message": "perpanjang sim motor"})
    response = client.post(url, {"message": "bisa booking?"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    latest = html[html.index('id="latest"') :]
    assert 'data-kind="follow_up"' in html
    assert "For Perpanjangan SIM C you can:" in latest
    book = f'href="/m/{demo.code}/layanan/polres-sim-c-perpanjangan/pesan/" data-step="book"'
    assert book in latest


def test_follow_ups_through_the_stateless_api(demo):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = "/api/v1/assistant/messages"
    first = client.post(url, {"text": "ktp hilang", "mall": demo.code}, "application/json")
    body = client.post(
        url,
        {"text": "how long does it take?", "mall": demo.code, "state": first.json()["state"]},
        "application/json",
    ).json()
    assert body["kind"] == "follow_up" and body["service"] is None and body["options"] == []
    assert body["reply"] == (
        "Time to complete Penggantian KTP-el hilang atau rusak: "
        "Selesai pada hari yang sama bila blangko tersedia."
    )
    assert body["state"]["service"] == "dukcapil-ktp-el-hilang-rusak"
    where = client.post(
        url, {"text": "where?", "mall": demo.code, "state": body["state"]}, "application/json"
    ).json()
    assert where["kind"] == "follow_up"
    assert where["links"] == [
        {
            "kind": "detail",
            "label": "Full standard",
            "url": f"/m/{demo.code}/layanan/dukcapil-ktp-el-hilang-rusak/",
        }
    ]
