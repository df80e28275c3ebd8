"""Several worker processes at once send each message exactly once (PostgreSQL:
FOR UPDATE SKIP LOCKED; SQLite: one IMMEDIATE writer at a time)."""

from pathlib import Path

import pytest

from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server
from tests.parallel import run_parallel

SENDER = Path(__file__).with_name("parallel_sender.py")


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_send_each_message_exactly_once(context):
    count, processes = 60, 3
    ids = {
        message_enqueue(
            channel="sms" if i % 2 else "whatsapp",
            recipient=PHONE,
            template="booking_confirmed",
            context=context,
        ).pk
        for i in range(count)
    }
    with gateway_server(delay=0.01) as gw:
        gateway = {"MPP_SMS_GATEWAY_URL": gw.url, "MPP_SMS_GATEWAY_TOKEN": "t"}
        results = run_parallel(SENDER, [[]] * processes, timeout=120, env=gateway)

    sent = [pk for r in results for pk in r["sent"]]
    assert sorted(sent) == sorted(ids)  # every message once, none twice
    assert all(r["retried"] == [] and r["dead"] == [] for r in results)
    assert sum(1 for r in results if r["sent"]) >= 2, "the workers did not overlap"
    assert results.overlap() > 0, results.windows  # all were sending at the same time
    assert len(gw.requests) == count
    references = {str(r) for r in Message.objects.values_list("reference", flat=True)}
    assert set(gw.references) == references
    assert set(gw.references.values()) == {1}
    assert Message.objects.filter(status=Status.SENT, attempts=1).count() == count
