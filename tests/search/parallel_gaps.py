"""A separate OS process counting an unknown word many times (used by test_gaps).

Run as: python parallel_gaps.py <mall id> <times> <start_at>
Prints one JSON line: how many counts it made.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.search.services import search_gaps_record
    from tests.parallel import begin

    mall_id, times = int(sys.argv[1]), int(sys.argv[2])
    begin(float(sys.argv[3]))
    made = 0
    for _ in range(times):
        made += search_gaps_record(mall_id=mall_id, words=["ngocor"])
        made += search_gaps_record(mall_id=None, words=["ngocor"])
    print(json.dumps(made))


if __name__ == "__main__":
    main()
