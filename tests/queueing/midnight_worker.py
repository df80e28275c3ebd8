"""A separate OS process that makes one of the first writes of a new day (test_midnight_parallel).

Run as: python midnight_worker.py <mall_id> <service_code> <counter_id> <start_at>
It issues a ticket, then calls the next one at its counter, and prints one JSON line.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.catalog.models import Mall
    from mpp.queueing import services as q
    from tests.parallel import begin

    mall = Mall.objects.get(pk=int(sys.argv[1]))
    code, counter_id = sys.argv[2], int(sys.argv[3])
    begin(float(sys.argv[-1]))
    issued = q.ticket_issue(mall=mall, service_code=code, source="api")
    called = q.ticket_call_next(counter_id=counter_id, actor_id=None)
    print(json.dumps({"issued": str(issued.pk), "called": str(called.pk) if called else None}))


if __name__ == "__main__":
    main()
