"""A separate OS process that answers a survey (used by test_concurrency).

Run as: python parallel_worker.py <token> <score> <start_at>
Prints one JSON line: "answered" or the refusal's code.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.core.errors import DomainError
    from mpp.surveys.services import response_submit
    from tests.parallel import begin

    token, score = sys.argv[1], int(sys.argv[2])
    profile = {"sex": "L", "age": 40, "education": "sma", "occupation": "swasta"}
    answers = {f"U{i}": score for i in range(1, 10)}
    begin(float(sys.argv[3]))
    try:
        response_submit(token=token, answers=answers, profile=profile, channel="api")
        outcome = "answered"
    except DomainError as exc:
        outcome = exc.code
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
