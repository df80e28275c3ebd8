"""Property test of the case state machine: any sequence of steps by any actor, taken
through the real services on the real database, agrees with the workflow table, and
the case stays consistent after every step (accepted or refused)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpp.cases import services
from mpp.cases import workflow as wf
from mpp.cases.models import Case
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.models import Event
from tests.cases.lifecycle import FRIDAY, case_type, officer_of, start

S = Case.Status
ACTORS = [wf.CITIZEN, wf.OFFICER, wf.AGENCY, wf.SYSTEM]
CLOSED = (S.COMPLETED, S.REJECTED, S.WITHDRAWN)

steps = st.lists(
    st.tuples(st.sampled_from(ACTORS), st.sampled_from(S.values)), min_size=1, max_size=14
)


@pytest.fixture
def types(mall):
    with_processing = case_type(mall, completion_days=3)
    without = case_type(mall, completion_days=2, uses_agency_processing=False)
    return {
        True: (with_processing, officer_of(with_processing)),
        False: (without, officer_of(without)),
    }


def _take(case, actor_kind, to, officer, now):
    staff = actor_kind in (wf.OFFICER, wf.AGENCY)
    return services.case_transition(
        case=case,
        to=to,
        channel="api" if actor_kind == wf.AGENCY else "web",
        actor=officer if staff else None,
        actor_kind=actor_kind,
        note="Alasan atau catatan." if staff else "",
        missing={"note": "Lengkapi berkas."} if to == S.RETURNED else None,
        expected_version=case.version,
        now=now,
    )


def _check(case, status, version, successes, due_before, submitted_once):
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == status
    assert fresh.version == version
    assert (fresh.due_on is not None) == submitted_once
    if due_before is not None:
        assert fresh.due_on >= due_before  # a deadline never moves earlier
    assert (fresh.returned_at is not None) == (status == S.RETURNED)
    assert bool(fresh.missing) == (status == S.RETURNED)
    assert (fresh.completed_at is not None) == (status in CLOSED)
    assert fresh.events.filter(kind="transition").count() == successes
    logged = Event.objects.filter(subject_type="case", subject_id=str(case.pk))
    assert logged.exclude(kind="case.started").count() == successes
    return fresh


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(uses_processing=st.booleans(), sequence=steps)
def test_any_sequence_of_steps_follows_the_table(types, uses_processing, sequence):
    ctype, officer = types[uses_processing]
    with transaction.atomic():
        case = start(ctype, now=FRIDAY)
        status, version, successes = S.DRAFT, case.version, 0
        due_before, submitted_once = None, False
        for index, (actor_kind, to) in enumerate(sequence):
            now = FRIDAY + dt.timedelta(days=index + 1, hours=index)
            allowed = to in wf.next_statuses(ctype, status, actor_kind)
            try:
                case = _take(case, actor_kind, to, officer, now)
            except (Conflict, Forbidden, Invalid) as refused:
                assert not allowed, (status, actor_kind, to, refused.code)
            else:
                assert allowed, (status, actor_kind, to)
                status, version, successes = to, version + 1, successes + 1
                submitted_once = submitted_once or to == S.SUBMITTED
            fresh = _check(case, status, version, successes, due_before, submitted_once)
            due_before = fresh.due_on
            if status in CLOSED:
                assert wf.next_statuses(ctype, status, actor_kind) == []
        transaction.set_rollback(True)
