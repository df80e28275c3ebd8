"""/api/v1/assistant/whatsapp-cloud: Meta's WhatsApp Cloud API webhook. The subscription
check (GET hub.*), bodies signed with X-Hub-Signature-256, and replies through the outbox
delivered by the real worker to a real local HTTP gateway (tests/notifications/gateway.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from mpp.assistant.cloudapi import MESSAGE_MAX_AGE, MESSAGE_MAX_SKEW, notification_parse
from mpp.assistant.models import InboundReceipt
from mpp.assistant.services import RECEIPTS_KEPT, assistant_cleanup
from mpp.notifications.models import Message
from tests.assistant.test_webhook import deliver, gateway, setup  # noqa: F401 (fixtures)

URL = "/api/v1/assistant/whatsapp-cloud"
SECRET = "rahasia-aplikasi-meta"
VERIFY = "token-verifikasi-mpp"
WA_ID = "6281234567890"


@pytest.fixture(autouse=True)
def cloud(settings):
    settings.MPP_WHATSAPP_APP_SECRET = SECRET
    settings.MPP_WHATSAPP_VERIFY_TOKEN = VERIFY


def text_message(body: str, wamid: str, sender: str = WA_ID, sent: float | None = None) -> dict:
    """A text message as Meta sends it, sent now (or at Unix time `sent`)."""
    return {
        "from": sender,
        "id": wamid,
        "timestamp": str(int(time.time() if sent is None else sent)),
        "type": "text",
        "text": {"body": body},
    }


def envelope(*, messages=(), statuses=()) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "622339876543", "phone_number_id": "1098765"},
        "contacts": [{"profile": {"name": "Warga"}, "wa_id": WA_ID}],
    }
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "4455667788", "changes": [{"field": "messages", "value": value}]}],
    }


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(body, *, url: str = URL, signature: str | None = "auto"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {}
    if signature == "auto":
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(raw)
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return Client().post(url, raw, content_type="application/json", **headers)


def test_the_subscription_check_echoes_the_challenge(db):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    response = Client().get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_a_wrong_verify_token_is_403(db, query):
    response = Client().get(URL, query)
    assert response.status_code == 403 and response.json()["code"] == "invalid_token"
    assert response.content != b"1"  # the challenge is not echoed


def test_without_a_verify_token_configured_the_check_fails(db, settings):
    settings.MPP_WHATSAPP_VERIFY_TOKEN = ""
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    response = Client().get(URL, query)
    assert response.status_code == 403 and response.json()["code"] == "webhook_disabled"


def test_a_signed_text_message_is_answered_once(demo, gateway):  # noqa: F811
    body = envelope(messages=[text_message("ktp hilang", "wamid.HBgNNjI4MTIzNDU2Nzg5MA==")])
    url = f"{URL}?mall={demo.code}"
    response = post(body, url=url)
    assert response.status_code == 200
    assert response.json() == {"queued": 1, "duplicate": 0, "rate_limited": 0, "ignored": 0}
    assert gateway.requests == []  # nothing is sent during the request
    # Meta retries a delivery it thinks failed: the same wamid gets no second reply
    assert post(body, url=url).json() == {
        "queued": 0,
        "duplicate": 1,
        "rate_limited": 0,
        "ignored": 0,
    }
    deliver()
    (sent,) = gateway.requests
    assert sent["to"] == "+" + WA_ID and sent["channel"] == "whatsapp"
    assert sent["message"].startswith("Ini layanan yang Anda perlukan:")
    assert "*Penggantian KTP-el hilang atau rusak*" in sent["message"]
    assert Message.objects.count() == 1 and InboundReceipt.objects.count() == 1


def test_several_messages_in_one_notification_and_english(demo, gateway):  # noqa: F811
    body = envelope(
        messages=[
            text_message("I need a KTP", "wamid.A1"),
            text_message("2", "wamid.A2"),
        ]
    )
    assert post(body, url=f"{URL}?mall={demo.code}").json()["queued"] == 2
    deliver()
    question, answer = (r["message"] for r in gateway.requests)
    assert question.startswith("KTP new, lost/damaged or change of data?")
    assert answer.startswith("This is the service you need:")


def test_statuses_and_other_types_are_ignored(demo, gateway):  # noqa: F811
    status = {"id": "wamid.S1", "status": "delivered", "timestamp": "1", "recipient_id": WA_ID}
    picture = {
        "from": WA_ID,
        "id": "wamid.P1",
        "type": "image",
        "image": {"id": "2754859441498128", "mime_type": "image/jpeg"},
    }
    reaction = {"from": WA_ID, "id": "wamid.R1", "type": "reaction", "reaction": {"emoji": "x"}}
    response = post(envelope(messages=[picture, reaction], statuses=[status]))
    assert response.status_code == 200
    assert response.json() == {"queued": 0, "duplicate": 0, "rate_limited": 0, "ignored": 3}
    other = post({"object": "page", "entry": []})
    assert other.status_code == 200 and other.json()["ignored"] == 1
    deliver()
    assert gateway.requests == [] and not Message.objects.exists()
    assert not InboundReceipt.objects.exists()


@pytest.mark.parametrize(
    "wrong",
    ["missing", "empty", "zeros", "other body", "other secret", "sha1", "no prefix"],
)
def test_an_unsigned_or_wrongly_signed_body_is_401(demo, gateway, wrong):  # noqa: F811
    raw = json.dumps(envelope(messages=[text_message("ktp hilang", "wamid.X1")])).encode()
    signature = {
        "missing": None,
        "empty": "",
        "zeros": "sha256=" + "0" * 64,
        "other body": sign(b"another body"),
        "other secret": sign(raw, secret="salah"),
        "sha1": "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest(),
        "no prefix": sign(raw).removeprefix("sha256="),
    }[wrong]
    response = post(raw, signature=signature)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature" and response.json()["message"]
    assert not Message.objects.exists() and not InboundReceipt.objects.exists()


def test_the_signature_is_of_the_raw_bytes(demo, gateway):  # noqa: F811
    # the same JSON with other spacing: the signature of the compact form does not fit
    body = envelope(messages=[text_message("ktp hilang", "wamid.Y1")])
    compact = json.dumps(body, separators=(",", ":")).encode()
    spaced = json.dumps(body, indent=2).encode()
    assert post(spaced, signature=sign(compact)).status_code == 401
    assert post(spaced, signature=sign(spaced).upper().replace("SHA256", "sha256")).json() == {
        "queued": 1,
        "duplicate": 0,
        "rate_limited": 0,
        "ignored": 0,
    }


def test_without_an_app_secret_the_webhook_is_off(demo, settings):
    settings.MPP_WHATSAPP_APP_SECRET = ""
    response = post(envelope(messages=[text_message("ktp", "wamid.Z1")]), signature="sha256=00")
    assert response.status_code == 403 and response.json()["code"] == "webhook_disabled"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_message"),
        (json.dumps({"object": "whatsapp_business_account"}).encode(), "invalid_message"),
    ],
)
def test_a_signed_body_that_is_no_notification_is_422(demo, raw, code):
    response = post(raw)
    assert response.status_code == 422 and response.json()["code"] == code


def test_an_unknown_mall_is_404(demo):
    body = envelope(messages=[text_message("ktp", "wamid.M1")])
    response = post(body, url=f"{URL}?mall=no-such-mall")
    assert response.status_code == 404 and response.json()["code"] == "mall_not_found"
    assert not InboundReceipt.objects.exists()


# Replays: a signed body is valid for ever, the receipts are not ---------------------


def test_the_window_is_shorter_than_the_receipts_are_kept():
    assert MESSAGE_MAX_AGE + MESSAGE_MAX_SKEW < RECEIPTS_KEPT


def test_a_correctly_signed_old_body_replayed_after_the_purge_is_not_answered(demo, gateway):  # noqa: F811
    # Captured eight days ago, answered then; its receipt is gone by now. Replayed with
    # its valid signature, it must not be answered a second time.
    eight_days_ago = time.time() - 8 * 24 * 3600
    body = envelope(messages=[text_message("ktp hilang", "wamid.OLD1", sent=eight_days_ago)])
    url = f"{URL}?mall={demo.code}"
    assert assistant_cleanup(now=timezone.now())[1] == 0  # no receipt remembers it
    response = post(body, url=url)
    assert response.status_code == 200
    assert response.json() == {"queued": 0, "duplicate": 0, "rate_limited": 0, "ignored": 1}
    deliver()
    assert gateway.requests == [] and not Message.objects.exists()
    assert not InboundReceipt.objects.exists()


def test_a_message_answered_then_purged_is_not_answered_again(demo, gateway):  # noqa: F811
    body = envelope(messages=[text_message("ktp hilang", "wamid.PURGE1")])
    url = f"{URL}?mall={demo.code}"
    assert post(body, url=url).json()["queued"] == 1
    # a week later the receipt is purged; the same signed body comes again
    later = timezone.now() + RECEIPTS_KEPT + dt.timedelta(hours=1)
    assert assistant_cleanup(now=later)[1] == 1 and not InboundReceipt.objects.exists()
    raw = json.dumps(body).encode()
    assert notification_parse(raw, now=later).messages == ()
    assert notification_parse(raw, now=later).ignored == 1


@pytest.mark.parametrize(
    ("label", "offset"),
    [
        ("a day and a minute old", -(24 * 3600 + 60)),
        ("ten minutes in the future", 10 * 60),
    ],
)
def test_messages_outside_the_window_are_ignored(demo, gateway, label, offset):  # noqa: F811
    body = envelope(messages=[text_message("ktp", f"wamid.W{offset}", sent=time.time() + offset)])
    response = post(body, url=f"{URL}?mall={demo.code}")
    assert response.status_code == 200, label
    assert response.json()["queued"] == 0 and response.json()["ignored"] == 1
    assert not InboundReceipt.objects.exists()


@pytest.mark.parametrize(
    "stamp", [None, "", "soon", "-5", 1.5, True, "99999999999999", "9" * 5000, 10**50]
)
def test_a_message_without_a_usable_timestamp_is_ignored(demo, gateway, stamp):  # noqa: F811
    message = text_message("ktp", "wamid.T1")
    if stamp is None:
        del message["timestamp"]
    else:
        message["timestamp"] = stamp
    response = post(envelope(messages=[message]), url=f"{URL}?mall={demo.code}")
    assert response.status_code == 200
    assert response.json()["queued"] == 0 and response.json()["ignored"] == 1


def test_messages_inside_the_window_are_answered(demo, gateway):  # noqa: F811
    body = envelope(
        messages=[
            text_message("ktp hilang", "wamid.IN1", sent=time.time() - 23 * 3600),
            text_message("ktp hilang", "wamid.IN2", sent=time.time() + 60),
        ]
    )
    response = post(body, url=f"{URL}?mall={demo.code}")
    assert response.json() == {"queued": 2, "duplicate": 0, "rate_limited": 0, "ignored": 0}
