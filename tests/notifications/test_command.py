"""`mpp worker`: one pass with --once; the loop stops on SIGTERM."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from tests.clock import subprocess_env
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server
from tests.parallel import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_once_sends_what_is_due_and_reports(gateway, context):
    message = message_enqueue(
        channel="sms", recipient=PHONE, template="booking_cancelled", context=context
    )
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert gateway.references == {str(message.reference): 1}
    assert "1" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_loop_sends_and_stops_gracefully_on_sigterm(context):
    with gateway_server() as gw:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            "MPP_SMS_GATEWAY_URL": gw.url,
        }
        env = subprocess_env(env)  # the worker shares the test's clock, moved or not
        proc = subprocess.Popen(
            [sys.executable, "-m", "mpp.cli", "worker", "--interval", "0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
            text=True,
        )
        try:
            message = message_enqueue(
                channel="whatsapp", recipient=PHONE, template="booking_reminder", context=context
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not gw.requests:
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
    assert gw.references == {str(message.reference): 1}
    assert Message.objects.get(pk=message.pk).status == Status.SENT


def test_help_lists_the_options():
    from mpp.web.management.commands.worker import Command

    text = Command().create_parser("mpp", "worker").format_help()
    assert "--once" in text and "--interval" in text
