"""A separate OS process running one worker pass (used by test_parallel).

Run as: python parallel_sender.py <start_at>   (DATABASE_URL and MPP_SMS_GATEWAY_URL set)
Prints one JSON line: the ids of the messages this process sent.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.notifications.worker import run_once
    from tests.parallel import begin

    begin(float(sys.argv[1]))
    result = run_once(jobs=False)
    print(json.dumps({"sent": result.sent, "retried": result.retried, "dead": result.dead}))


if __name__ == "__main__":
    main()
