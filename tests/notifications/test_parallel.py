"""Several worker processes at once send each message exactly once (PostgreSQL:
FOR UPDATE SKIP LOCKED; SQLite: one IMMEDIATE writer at a time)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server

SENDER = Path(__file__).with_name("parallel_sender.py")
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        host = s.get("HOST") or "localhost"
        port = s.get("PORT") or 5432
        auth = f"{user}:{s['PASSWORD']}" if s.get("PASSWORD") else user
        return f"postgres://{auth}@{host}:{port}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


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
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "PYTHONPATH": str(ROOT),
            "MPP_SMS_GATEWAY_URL": gw.url,
            "MPP_SMS_GATEWAY_TOKEN": "t",
        }
        start_at = str(time.time() + 2.0)
        procs = [
            subprocess.Popen(
                [sys.executable, str(SENDER), start_at],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=ROOT,
                text=True,
            )
            for _ in range(processes)
        ]
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))

    sent = [pk for r in results for pk in r["sent"]]
    assert sorted(sent) == sorted(ids)  # every message once, none twice
    assert all(r["retried"] == [] and r["dead"] == [] for r in results)
    assert sum(1 for r in results if r["sent"]) >= 2, "the workers did not overlap"
    assert len(gw.requests) == count
    assert set(gw.references) == {str(pk) for pk in ids}
    assert set(gw.references.values()) == {1}
    assert Message.objects.filter(status=Status.SENT, attempts=1).count() == count
