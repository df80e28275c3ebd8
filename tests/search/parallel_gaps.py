"""A separate OS process counting an unknown word many times (used by test_gaps).

Run as: python parallel_gaps.py <mall id> <times> <start_at>
Prints one JSON line: how many counts it made.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.search.services import search_gaps_record

    mall_id, times = int(sys.argv[1]), int(sys.argv[2])
    time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
    made = 0
    for _ in range(times):
        made += search_gaps_record(mall_id=mall_id, words=["ngocor"])
        made += search_gaps_record(mall_id=None, words=["ngocor"])
    print(json.dumps(made))


if __name__ == "__main__":
    main()
