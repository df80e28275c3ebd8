"""Two processes upload the same records at the same moment (a retry racing the first
try, two tabs): exactly one row per id, one answer "accepted" per id and "duplicate"
for the other, each service counted once; two edits of one record raced from two
devices are never both first. Real processes on real connections (tests/parallel.py):
PostgreSQL's unique index and row locks, SQLite's write lock."""

import json
from collections import Counter
from pathlib import Path

import pytest

from mpp.core.models import Event
from mpp.outreach.models import FieldAttachment, FieldRecord, SyncConflict
from mpp.queueing.models import Ticket
from mpp.surveys.models import SurveyInvitation
from tests.outreach.sync_helpers import attachment_of, photo, service_record, world_make
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("sync_parallel_worker.py")


def jobs(tmp_path, user, batches_per_process: list[list[list[dict]]]) -> list[list[str]]:
    args = []
    for i, batches in enumerate(batches_per_process):
        path = tmp_path / f"job-{i}.json"
        job = {"user_id": user.pk, "device_id": f"tablet-{i}", "batches": batches}
        path.write_text(json.dumps(job))
        args.append([str(path)])
    return args


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_posted_by_two_processes_at_once_makes_one_row_per_id(tmp_path):
    world = world_make()
    code = world.offering.service.code
    records = [
        service_record(
            service_code=code,
            visit_id=world.visit.pk,
            people=1 + i % 4,
            attachments=[attachment_of(photo(i, size=800))],
        )
        for i in range(50)
    ]
    batches = [records[i : i + 10] for i in range(0, 50, 10)]
    # The second process sends the batches in the other order: the two meet everywhere.
    arg_lists = jobs(tmp_path, world.crew, [batches, batches[::-1]])

    results = run_parallel(WORKER, arg_lists, start_in=3.0)
    assert results.overlap() > 0, results.windows

    answers = [answer for result in results for answer in result]
    assert len(answers) == 100
    by_id = {}
    for answer in answers:
        by_id.setdefault(answer["id"], []).append(answer["status"])
    assert set(by_id) == {r["id"] for r in records}
    for statuses in by_id.values():
        assert sorted(statuses) == ["accepted", "duplicate"], (statuses, answers)
    assert FieldRecord.objects.count() == 50
    assert FieldAttachment.objects.count() == 50
    assert Ticket.objects.filter(source="mobile").count() == 50
    assert Ticket.objects.values("number").distinct().count() == 50
    assert SurveyInvitation.objects.count() == 50
    assert Event.objects.filter(kind="outreach.field_recorded").count() == 50
    assert not SyncConflict.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_record_raced_from_two_devices_are_never_both_first(tmp_path):
    world = world_make()
    code = world.offering.service.code
    originals = [service_record(service_code=code) for _ in range(10)]
    setup = run_parallel(WORKER, jobs(tmp_path, world.crew, [[originals]]), start_in=0.5)
    assert {a["status"] for a in setup[0]} == {"accepted"}
    edits = [
        [[service_record(service_code=code, previous=o["id"], people=2 + p) for o in originals]]
        for p in range(2)
    ]

    results = run_parallel(WORKER, jobs(tmp_path, world.crew, edits), start_in=3.0)
    assert results.overlap() > 0, results.windows

    tally = Counter(answer["status"] for result in results for answer in result)
    assert tally == {"accepted": 10, "conflict": 10}, tally
    assert SyncConflict.objects.filter(kind="two_edits").count() == 10
    assert FieldRecord.objects.filter(status="conflict").count() == 20
    assert Ticket.objects.count() == 10  # one per root, edits or not
