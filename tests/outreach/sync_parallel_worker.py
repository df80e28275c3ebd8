"""A separate OS process that uploads field records (used by test_sync_concurrency).

Run as: python sync_parallel_worker.py <job.json> <start_at>
The job: {"user_id", "device_id", "batches": [[record, ...], ...]}. Each batch is POSTed
to /lapangan/sync/records through the whole Django stack (session, CSRF, view, service)
on this process's own database connection. Prints one JSON line: the results, in order.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from mpp.accounts.models import User
    from tests.parallel import begin

    with open(sys.argv[1]) as handle:
        job = json.load(handle)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(pk=job["user_id"]))
    begin(float(sys.argv[2]))
    out = []
    for batch in job["batches"]:
        response = client.post(
            reverse("outreach:sync_records"),
            data=json.dumps({"device_id": job["device_id"], "records": batch}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        out.extend(response.json()["results"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
