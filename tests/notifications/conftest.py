import datetime as dt

import pytest
from django.utils import timezone

from mpp.notifications import channels
from tests.notifications.gateway import gateway_server

CONTEXT = {
    "code": "MJL-7K3Q9",
    "service": "Penerbitan Surat Izin Usaha Perdagangan & Perizinan Berusaha",
    "mall": "MPP Kabupaten Majalengka",
    "date": "2026-12-01",
    "time": "09:00-10:00",
    "url": "https://mpp.example.id/booking/MJL-7K3Q9",
}
PHONE = "+6281234567890"


@pytest.fixture
def context():
    return dict(CONTEXT)


@pytest.fixture
def gateway(settings):
    """A local gateway server, configured as the SMS gateway."""
    with gateway_server() as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        settings.MPP_SMS_GATEWAY_TOKEN = "rahasia-gateway"
        yield gw


@pytest.fixture(autouse=True)
def fresh_http_client():
    """Each test gets its own HTTP client (no connection kept to a stopped server)."""
    channels._client = None
    yield
    if channels._client is not None:
        channels._client.close()
        channels._client = None


@pytest.fixture
def now():
    return timezone.now() + dt.timedelta(seconds=1)
