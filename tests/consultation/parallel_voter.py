"""A separate OS process that votes (used by test_concurrency).

Run as: python parallel_voter.py <topic_id> <voter,...> <stance,...> <start_at>
Votes every stance for every voter, in turn; prints one JSON line with how many votes
were new.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.consultation import services
    from mpp.consultation.models import Topic
    from mpp.consultation.voters import voter_key_of
    from tests.parallel import begin

    topic = Topic.objects.get(pk=int(sys.argv[1]))
    voters = [voter_key_of(v) for v in sys.argv[2].split(",")]
    stances = sys.argv[3].split(",")
    begin(float(sys.argv[-1]))
    created = 0
    for stance in stances:
        for key in voters:
            created += services.vote_cast(topic=topic, voter_key=key, stance=stance).created
    print(json.dumps({"created": created}))


if __name__ == "__main__":
    main()
