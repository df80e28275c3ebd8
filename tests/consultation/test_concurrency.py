"""Votes arriving at the same moment from several server processes: one row per voter,
however the requests interleave (separate OS processes, see tests/parallel.py)."""

from pathlib import Path

import pytest

from mpp.consultation import selectors
from mpp.consultation.models import Vote
from mpp.core.models import Event
from tests.consultation.conftest import topic_in
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("parallel_voter.py")
VOTERS = [f"voter-{i}" for i in range(6)]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_votes_of_the_same_voters_count_once(mall, manager):
    topic = topic_in(mall, "open", manager)
    orders = ["agree,disagree,neutral", "neutral,agree,disagree", "disagree,neutral,agree"]
    results = run_parallel(WORKER, [[str(topic.pk), ",".join(VOTERS), o] for o in orders])
    assert results.peak() >= 2, results.windows  # the voters really raced
    assert sum(r["created"] for r in results) == len(VOTERS)  # each voter created once
    assert Vote.objects.filter(topic=topic).count() == len(VOTERS)
    assert selectors.tally_of(topic).total == len(VOTERS)
    cast = Event.objects.filter(kind="consultation.vote_cast")
    assert cast.filter(data__previous=None).count() == len(VOTERS)
