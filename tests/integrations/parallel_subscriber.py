"""A separate OS process that creates a webhook subscription over HTTP (used by
test_api_webhooks_parallel).

Run as: python parallel_subscriber.py <base_url> <client key> <json body> <idempotency key>
        <start_at>
Posts once at the agreed moment; while the first request with the same key is still
running (409 idempotency_in_progress) or the server sheds load (503), tries again
shortly, as a client honouring Retry-After would. Prints one JSON line:
[status, body, replayed, tries]. No Django here: it is only an HTTP client.
"""

import json
import random
import sys
import time

import httpx

from tests.parallel import begin

TRIES = 300


def main() -> None:
    base, key, body, idempotency_key = sys.argv[1:5]
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
    }
    url = f"{base}/api/v1/webhooks/subscriptions"
    with httpx.Client(timeout=60) as client:
        begin(float(sys.argv[5]))
        tries = 0
        while tries < TRIES:
            tries += 1
            response = client.post(url, content=body, headers=headers)
            data = response.json()
            waiting = response.status_code == 409 and data.get("code") == "idempotency_in_progress"
            if not waiting and response.status_code != 503:
                break
            time.sleep(random.uniform(0.02, 0.1))  # shorter than Retry-After: 1 s
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    print(json.dumps([response.status_code, data, replayed, tries]))


if __name__ == "__main__":
    main()
