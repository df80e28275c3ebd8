"""Periodic jobs: run when due, once per period across workers, failures contained."""

import datetime as dt

import pytest

from mpp.notifications import periodic
from mpp.notifications.models import PeriodicRun
from mpp.notifications.worker import run_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch):
    """Only this test's jobs (apps may have registered theirs in ready())."""
    monkeypatch.setattr(periodic, "_registry", {})


def test_a_job_runs_when_due_and_not_before(now):
    calls = []
    periodic.register_periodic("test.tick", 60, lambda: calls.append(1))
    assert run_once(now=now).jobs == ["test.tick"]
    assert run_once(now=now + dt.timedelta(seconds=30)).jobs == []
    assert run_once(now=now + dt.timedelta(seconds=60)).jobs == ["test.tick"]
    assert len(calls) == 2
    run = PeriodicRun.objects.get(name="test.tick")
    assert run.last_started_at == now + dt.timedelta(seconds=60)
    assert run.next_run_at == now + dt.timedelta(seconds=120)


def test_two_workers_at_the_same_moment_run_a_job_once(now):
    calls = []
    periodic.register_periodic("test.sweep", 300, lambda: calls.append(1))
    assert periodic.run_due(now=now) == ["test.sweep"]
    assert periodic.run_due(now=now) == []  # the second worker, same period
    assert calls == [1]


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(now, caplog):
    calls = []

    def broken():
        raise ValueError("boom")

    periodic.register_periodic("test.broken", 60, broken)
    periodic.register_periodic("test.fine", 60, lambda: calls.append(1))
    assert periodic.run_due(now=now) == ["test.broken", "test.fine"]
    assert calls == [1]
    assert PeriodicRun.objects.get(name="test.broken").last_error == "ValueError"
    assert PeriodicRun.objects.get(name="test.fine").last_error == ""
    assert "test.broken" in caplog.text


def test_registering_again_replaces_and_bad_periods_are_refused():
    periodic.register_periodic("test.job", 60, print)
    periodic.register_periodic("test.job", 120, print)
    assert [(j.name, j.every_seconds) for j in periodic.registered()] == [("test.job", 120.0)]
    with pytest.raises(ValueError):
        periodic.register_periodic("test.never", 0, print)
    periodic.unregister_periodic("test.job")
    assert periodic.registered() == []
