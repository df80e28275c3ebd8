"""A separate OS process that issues tickets or works a counter (used by test_concurrency).

Run as: python parallel_worker.py issue <mall_id> <service_code,...> <count> <start_at>
        python parallel_worker.py remote <mall_id> <service_code> <tries> <start_at>
        python parallel_worker.py serve <counter_id> <start_at>
Prints one JSON line with what it did.
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

    action = sys.argv[1]
    start_at = float(sys.argv[-1])
    if action == "issue":
        mall = Mall.objects.get(pk=int(sys.argv[2]))
        codes = sys.argv[3].split(",")
        count = int(sys.argv[4])
        begin(start_at)
        out = []
        for i in range(count):
            t = q.ticket_issue(mall=mall, service_code=codes[i % len(codes)], source="api")
            out.append([t.prefix, t.seq, t.number, str(t.pk)])
        print(json.dumps(out))
    elif action == "remote":  # phone tickets against the service's daily cap
        from mpp.core.errors import Conflict
        from mpp.queueing.remote import remote_ticket_issue

        mall = Mall.objects.get(pk=int(sys.argv[2]))
        begin(start_at)
        out = []
        for _ in range(int(sys.argv[4])):
            try:
                t = remote_ticket_issue(mall=mall, service_code=sys.argv[3])
            except Conflict as refused:
                out.append(["refused", refused.code])
            else:
                out.append(["issued", t.seq, str(t.pk)])
        print(json.dumps(out))
    elif action == "serve":
        counter_id = int(sys.argv[2])
        begin(start_at)
        served = []
        while (t := q.ticket_call_next(counter_id=counter_id, actor_id=None)) is not None:
            q.ticket_start(ticket_id=t.pk, actor_id=None)
            q.ticket_finish(ticket_id=t.pk, actor_id=None)
            served.append(str(t.pk))
        print(json.dumps(served))


if __name__ == "__main__":
    main()
