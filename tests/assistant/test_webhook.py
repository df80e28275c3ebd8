"""POST /api/v1/assistant/webhook/{channel}: inbound WhatsApp/SMS messages answered through
the notification outbox, delivered by the real worker to a real local HTTP gateway
(tests/notifications/gateway.py). Time is moved by passing `now` to the worker."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time

import pytest
from django.test import Client
from django.utils import timezone

from mpp.assistant.models import Conversation, InboundReceipt
from mpp.assistant.services import assistant_cleanup
from mpp.notifications import channels
from mpp.notifications.models import Message
from mpp.notifications.worker import run_once
from tests.notifications.gateway import gateway_server

TOKEN = "rahasia-webhook-asisten"
PHONE = "+6281234567890"
WA = "/api/v1/assistant/webhook/whatsapp"


@pytest.fixture(autouse=True)
def setup(settings):
    settings.MPP_ASSISTANT_WEBHOOK_TOKEN = TOKEN
    settings.MPP_PUBLIC_URL = "https://mpp.example.id"
    channels._client = None  # no connection kept to another test's stopped server
    yield
    if channels._client is not None:
        channels._client.close()
        channels._client = None


@pytest.fixture
def gateway(settings):
    with gateway_server() as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        settings.MPP_SMS_GATEWAY_TOKEN = "rahasia-gateway"
        yield gw


def inbound(text, message_id, *, url=WA, sender=PHONE, token=TOKEN, **headers):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    body = {"from": sender, "text": text, "id": message_id}
    return Client().post(url, json.dumps(body), content_type="application/json", **headers)


def deliver():
    return run_once(now=timezone.now() + dt.timedelta(seconds=1), jobs=False, rng=random.Random(1))


def test_a_message_gets_one_reply_through_the_gateway(demo, gateway):
    response = inbound("bikin ktp", "wamid-1", url=f"{WA}?mall={demo.code}")
    assert response.status_code == 200 and response.json() == {"status": "queued"}
    assert gateway.requests == []  # nothing is sent in the request
    assert len(deliver().sent) == 1

    (sent,) = gateway.requests
    assert sent["to"] == PHONE and sent["channel"] == "whatsapp"
    assert sent["_meta"]["authorization"] == "Bearer rahasia-gateway"
    assert "1. Perekaman dan penerbitan KTP-el baru" in sent["message"]
    assert "2. Penggantian KTP-el hilang atau rusak" in sent["message"]

    assert inbound("2", "wamid-2", url=f"{WA}?mall={demo.code}").json() == {"status": "queued"}
    deliver()
    assert len(gateway.requests) == 2
    reply = gateway.requests[1]["message"]
    assert "*Penggantian KTP-el hilang atau rusak*" in reply
    kiosk = f"https://mpp.example.id/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/"
    assert kiosk in reply


def test_a_retried_delivery_gets_no_second_reply(demo, gateway):
    url = f"{WA}?mall={demo.code}"
    assert inbound("bikin ktp", "wamid-7", url=url).json() == {"status": "queued"}
    assert inbound("bikin ktp", "wamid-7", url=url).json() == {"status": "duplicate"}
    deliver()
    assert inbound("bikin ktp", "wamid-7", url=url).json() == {"status": "duplicate"}
    deliver()
    assert len(gateway.requests) == 1
    assert Message.objects.count() == 1 and InboundReceipt.objects.count() == 1
    # the retry did not move the conversation on: "2" still answers the question
    inbound("2", "wamid-8", url=url)
    deliver()
    assert "Penggantian KTP-el hilang atau rusak" in gateway.requests[-1]["message"]


def test_sms_replies_are_plain_ascii(demo, gateway):
    url = f"/api/v1/assistant/webhook/sms?mall={demo.code}"
    assert inbound("perpanjang sim motor", "sms-1", url=url, sender="081234567890").json() == {
        "status": "queued"
    }
    deliver()
    (sent,) = gateway.requests
    assert sent["to"] == PHONE and sent["channel"] == "sms"  # 08... became +62...
    assert sent["message"].isascii() and "Perpanjangan SIM C" in sent["message"]
    assert "\n" not in sent["message"]


def test_no_phone_number_in_logs_or_in_the_conversation_table(demo, gateway, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"{WA}?mall={demo.code}"
    inbound("bikin ktp", "wamid-20", url=url)
    inbound("yang leungit", "wamid-21", url=url)
    inbound("x", "wamid-22", url=url, token="salah")  # a refused one is logged too
    deliver()
    assert len(gateway.requests) == 2
    for number in (PHONE, PHONE[1:], "081234567890", "1234567890"):
        assert number not in caplog.text
    rows = list(Conversation.objects.values()) + list(InboundReceipt.objects.values())
    assert len(rows) == 3
    stored = json.dumps(rows, default=str)
    for secret in ("1234567890", "wamid-2", "bikin", "leungit"):
        assert secret not in stored  # no number, no message id, no citizen's words
    (conversation,) = Conversation.objects.all()
    assert conversation.state["stage"] == "answered"
    assert conversation.state["service"] == "dukcapil-ktp-el-hilang-rusak"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"token": None}, 401, "unauthorized"),
        ({"token": "salah"}, 403, "invalid_token"),
        ({"token": None, "HTTP_AUTHORIZATION": "Basic eDp5"}, 401, "unauthorized"),
        ({"token": None, "HTTP_X_WEBHOOK_TOKEN": "salah"}, 403, "invalid_token"),
    ],
)
def test_the_shared_secret_is_required(demo, gateway, headers, status, code):
    response = inbound("ktp hilang", "wamid-30", **headers)
    assert response.status_code == status and response.json()["code"] == code
    assert not Message.objects.exists() and not InboundReceipt.objects.exists()


def test_the_secret_also_works_as_x_webhook_token(demo, gateway):
    response = inbound("ktp hilang", "wamid-31", token=None, HTTP_X_WEBHOOK_TOKEN=TOKEN)
    assert response.status_code == 200 and response.json() == {"status": "queued"}


def test_without_a_configured_secret_the_webhook_is_off(demo, gateway, settings):
    settings.MPP_ASSISTANT_WEBHOOK_TOKEN = ""
    response = inbound("ktp hilang", "wamid-32", token="anything")
    assert response.status_code == 403 and response.json()["code"] == "webhook_disabled"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_message"),
        (json.dumps({"text": "ktp", "id": "m1"}).encode(), "invalid_message"),
        (json.dumps({"from": "halo", "text": "ktp", "id": "m1"}).encode(), "invalid_message"),
        (json.dumps({"from": PHONE, "text": 7, "id": "m1"}).encode(), "invalid_message"),
        (json.dumps({"from": PHONE, "text": "ktp"}).encode(), "invalid_message"),
        (json.dumps({"from": PHONE, "text": "ktp", "id": ""}).encode(), "invalid_message"),
    ],
)
def test_a_malformed_body_is_422(demo, raw, code):
    response = Client().post(
        WA, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 422
    assert response.json()["code"] == code and response.json()["message"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/v1/assistant/webhook/telegram", "unknown_channel"),
        (f"{WA}?mall=no-such-mall", "mall_not_found"),
    ],
)
def test_unknown_channel_or_mall_is_404(demo, url, code):
    response = inbound("ktp", "wamid-40", url=url)
    assert response.status_code == 404 and response.json()["code"] == code


def test_a_flooding_sender_gets_no_more_replies(demo, gateway, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "assistant_sender": (2, 60)}
    statuses = [inbound("ktp hilang", f"wamid-5{i}").json()["status"] for i in range(4)]
    assert statuses == ["queued", "queued", "rate_limited", "rate_limited"]
    other = inbound("ktp hilang", "wamid-60", sender="+6285700001111").json()["status"]
    assert other == "queued"  # per sender, not per gateway
    deliver()
    assert len(gateway.requests) == 3


def test_thirty_minutes_of_silence_start_afresh(demo, gateway):
    url = f"{WA}?mall={demo.code}"
    inbound("bikin ktp", "wamid-70", url=url)
    Conversation.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=31))
    inbound("2", "wamid-71", url=url)
    deliver()
    assert "KTP-el" not in gateway.requests[-1]["message"]  # "2" alone: nothing to pick


def test_the_webhook_never_waits_for_a_slow_gateway(demo, settings):
    with gateway_server(delay=10.0) as slow:
        settings.MPP_SMS_GATEWAY_URL = slow.url
        started = time.monotonic()
        assert inbound("ktp hilang", "wamid-80").status_code == 200
        assert time.monotonic() - started < 5.0  # not the gateway's 10 s
        assert slow.requests == []


def test_cleanup_drops_silent_conversations_and_old_receipts(demo, gateway):
    inbound("ktp hilang", "wamid-90")
    inbound("ktp hilang", "wamid-91", sender="+6285700002222")
    Conversation.objects.filter(pk=Conversation.objects.order_by("pk").first().pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert assistant_cleanup() == (1, 0)
    assert assistant_cleanup(now=timezone.now() + dt.timedelta(days=8)) == (1, 2)
    assert not Conversation.objects.exists() and not InboundReceipt.objects.exists()


# The reply's language follows the message (mpp.assistant.language) -------------------


def test_an_english_message_gets_an_english_reply(demo, gateway):
    url = f"{WA}?mall={demo.code}"
    inbound("I want to make a KTP", "wamid-lang-1", url=url)
    inbound("2", "wamid-lang-2", url=url)  # tells no language: the conversation's is kept
    inbound("how much does it cost?", "wamid-lang-3", url=url)
    deliver()
    question, answer, fee = (r["message"] for r in gateway.requests)
    assert question.startswith("KTP new, lost/damaged or change of data?")
    assert "Reply with the number, or in your own words." in question
    assert answer.startswith("This is the service you need:\n*Penggantian KTP-el hilang")
    assert "Take a queue number: https://mpp.example.id/" in answer
    assert fee == "Fee for Penggantian KTP-el hilang atau rusak: Free."
    assert Message.objects.filter(context__language="en").count() == 3
    assert Conversation.objects.get().state["lang"] == "en"


def test_an_indonesian_message_stays_indonesian(demo, gateway):
    url = f"{WA}?mall={demo.code}"
    inbound("ktp hilang", "wamid-lang-10", url=url)
    inbound("2", "wamid-lang-11", url=url, sender="+6285700003333")  # nothing to tell
    deliver()
    lost, number = (r["message"] for r in gateway.requests)
    assert lost.startswith("Ini layanan yang Anda perlukan:\n*Penggantian KTP-el hilang")
    assert "English" not in lost and "This is the service" not in lost
    assert number.startswith("Saat ini tidak ada daftar untuk dipilih.")  # the default
    assert Message.objects.filter(context__language="id").count() == 2


def test_the_language_can_change_within_a_conversation(demo, gateway):
    url = f"{WA}?mall={demo.code}"
    inbound("I need a KTP", "wamid-lang-20", url=url)
    inbound("yang kedua", "wamid-lang-21", url=url)  # Indonesian now
    deliver()
    question, answer = (r["message"] for r in gateway.requests)
    assert question.startswith("KTP new, lost/damaged or change of data?")
    assert answer.startswith("Ini layanan yang Anda perlukan:")


def test_an_english_need_is_understood_by_the_search(demo, gateway):
    inbound("I lost my ID card", "wamid-lang-30", url=f"{WA}?mall={demo.code}")
    deliver()
    (answer,) = (r["message"] for r in gateway.requests)
    assert answer.startswith("This is the service you need:\n*Penggantian KTP-el hilang")
