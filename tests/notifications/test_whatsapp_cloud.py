"""WhatsApp straight through Meta's Cloud API, against a real local HTTP server."""

import random

import pytest

from mpp.notifications.models import Status
from mpp.notifications.services import message_enqueue
from mpp.notifications.worker import run_once
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server

pytestmark = pytest.mark.django_db
WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ5"


@pytest.fixture
def cloud(settings):
    """A local server standing in for graph.facebook.com; the SMS gateway left unset."""
    plan = [(200, {"messaging_product": "whatsapp", "messages": [{"id": WAMID}]})]
    with gateway_server(plan) as server:
        settings.MPP_WHATSAPP_CLOUD_URL = server.url.removesuffix("/send") + "/v21.0/"
        settings.MPP_WHATSAPP_CLOUD_PHONE_ID = "106540352242922"
        settings.MPP_WHATSAPP_CLOUD_TOKEN = "EAAG-rahasia"
        settings.MPP_SMS_GATEWAY_URL = ""
        yield server


def _whatsapp(context):
    return message_enqueue(
        channel="whatsapp", recipient=PHONE, template="booking_confirmed", context=context
    )


def test_a_whatsapp_message_goes_to_the_cloud_api_with_its_wamid_kept(cloud, context, now):
    message = _whatsapp(context)
    run_once(now=now, jobs=False, rng=random.Random(7))
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.provider_message_id == WAMID
    (sent,) = cloud.requests
    meta = sent.pop("_meta")
    assert meta["path"] == "/v21.0/106540352242922/messages"
    assert meta["authorization"] == "Bearer EAAG-rahasia"
    assert sent["messaging_product"] == "whatsapp"
    assert sent["to"] == PHONE.removeprefix("+") and sent["type"] == "text"
    assert context["code"] in sent["text"]["body"]


@pytest.mark.parametrize(("status", "final"), [(400, Status.DEAD), (429, Status.FAILED)])
def test_a_refusal_is_given_up_and_throttling_retried(cloud, context, now, status, final):
    cloud.plan[:] = [(status, {"error": {"code": 131047, "message": "Re-engagement message"}})]
    message = _whatsapp(context)
    run_once(now=now, jobs=False, rng=random.Random(7))
    message.refresh_from_db()
    assert message.status == final
    assert PHONE not in message.last_error and "131047" not in message.last_error


def test_sms_still_uses_the_gateway(cloud, gateway, context, now):
    message = message_enqueue(
        channel="sms", recipient=PHONE, template="booking_confirmed", context=context
    )
    run_once(now=now, jobs=False, rng=random.Random(7))
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(gateway.requests) == 1 and cloud.requests == []
