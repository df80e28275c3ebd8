"""Fifty processes create the same webhook subscription at once (issue 13).

An agency's system that loses the answer to "subscribe" retries with the same
Idempotency-Key, possibly from several workers at once. Fifty OS processes post the
same body with the same key to a real uvicorn server at the same moment: exactly one
subscription exists afterwards, and every process gets the same answer (the 201 of
the creation, or its replay with the same id and secret). The same key with another
body is refused with 422 and writes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from mpp.core.models import Event
from mpp.integrations.models import Subscription
from tests.factories import AgencyFactory, BoothFactory, MallFactory, client_with_key
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("parallel_subscriber.py")
PROCESSES = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_processes_with_one_idempotency_key_create_one_subscription(server_url, settings):
    settings.MPP_RATE_LIMITS = {}
    mall, agency = MallFactory(), AgencyFactory()
    BoothFactory(mall=mall, agency=agency)
    client, key = client_with_key(agency=agency, malls=[mall], rate_limit_per_minute=100_000)
    body = json.dumps(
        {
            "url": "https://siak.example.go.id/mpp/webhook",
            "events": ["case.*", "ticket.finished"],
            "description": "SIAK",
        }
    )
    idempotency_key = str(uuid.uuid4())

    results = run_parallel(
        WORKER,
        [[server_url, key, body, idempotency_key] for _ in range(PROCESSES)],
        start_in=5.0,
        timeout=240,
    )

    assert results.peak() >= 10, results.windows  # the requests really raced
    statuses = Counter(status for status, *_ in results)
    assert statuses == {201: PROCESSES}, [r for r in results if r[0] != 201][:3]
    answers = {json.dumps(data, sort_keys=True) for _, data, _, _ in results}
    assert len(answers) == 1  # the very same answer: one id, one secret
    answer = json.loads(answers.pop())
    assert answer["secret"].startswith("whsec_")
    assert sum(1 for *_, replayed, _ in results if not replayed) == 1  # one ran, the rest replays

    assert Subscription.objects.count() == 1
    subscription = Subscription.objects.get()
    assert str(subscription.pk) == answer["id"]
    assert subscription.client_id == client.pk
    assert subscription.secret == answer["secret"]
    assert Event.objects.filter(kind="subscription.created").count() == 1

    # The same key with another body: refused, nothing written.
    other = json.loads(body) | {"events": ["ticket.*"]}
    refused = httpx.post(
        f"{server_url}/api/v1/webhooks/subscriptions",
        json=other,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
        timeout=30,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "idempotency_key_reused"
    assert Subscription.objects.count() == 1
    # ... while the same body is still answered with the first answer.
    again = httpx.post(
        f"{server_url}/api/v1/webhooks/subscriptions",
        content=body,
        headers={
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == answer
