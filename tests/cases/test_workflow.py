"""The table of an application's statuses: who may move it where."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from mpp.cases import workflow as wf
from mpp.cases.models import Case

S = Case.Status
WITH = SimpleNamespace(uses_agency_processing=True)
WITHOUT = SimpleNamespace(uses_agency_processing=False)


def test_every_status_is_in_the_table():
    assert set(wf.TRANSITIONS) == set(S.values)
    for steps in wf.TRANSITIONS.values():
        assert set(steps) <= set(S.values)
        for kinds in steps.values():
            assert set(kinds) <= set(wf.ACTOR_KINDS)


def test_the_citizen_submits_resubmits_and_withdraws():
    assert wf.next_statuses(WITH, S.DRAFT, wf.CITIZEN) == [S.SUBMITTED, S.WITHDRAWN]
    assert wf.next_statuses(WITH, S.RETURNED, wf.CITIZEN) == [S.SUBMITTED, S.WITHDRAWN]
    for status in (S.SUBMITTED, S.VERIFICATION, S.PROCESSING):
        assert wf.next_statuses(WITH, status, wf.CITIZEN) == [S.WITHDRAWN]
    assert wf.next_statuses(WITH, S.READY, wf.CITIZEN) == []


def test_officer_steps_with_and_without_agency_processing():
    assert wf.next_statuses(WITH, S.SUBMITTED, wf.OFFICER) == [S.VERIFICATION]
    assert wf.next_statuses(WITH, S.VERIFICATION, wf.OFFICER) == [
        S.PROCESSING,
        S.RETURNED,
        S.REJECTED,
    ]
    assert wf.next_statuses(WITHOUT, S.VERIFICATION, wf.OFFICER) == [
        S.READY,
        S.RETURNED,
        S.REJECTED,
    ]
    assert wf.next_statuses(WITH, S.PROCESSING, wf.OFFICER) == [S.READY, S.RETURNED, S.REJECTED]
    assert wf.next_statuses(WITH, S.READY, wf.OFFICER) == [S.COMPLETED]
    # an application recorded at the counter is submitted by the officer
    assert wf.next_statuses(WITH, S.DRAFT, wf.OFFICER) == [S.SUBMITTED]


def test_the_agency_system_does_what_an_officer_does_except_from_draft():
    assert wf.next_statuses(WITH, S.DRAFT, wf.AGENCY) == []
    for status in set(S.values) - {S.DRAFT}:
        assert wf.next_statuses(WITH, status, wf.AGENCY) == wf.next_statuses(
            WITH, status, wf.OFFICER
        )


def test_nobody_withdraws_but_the_citizen_and_the_system_moves_nothing():
    for status in S.values:
        assert wf.next_statuses(WITH, status, wf.SYSTEM) == []
        for kind in (wf.OFFICER, wf.AGENCY):
            assert S.WITHDRAWN not in wf.next_statuses(WITH, status, kind)


@pytest.mark.parametrize("status", wf.TERMINAL)
def test_terminal_statuses_have_no_way_out(status):
    assert wf.is_terminal(status)
    for kind in wf.ACTOR_KINDS:
        assert wf.next_statuses(WITH, status, kind) == []
        assert wf.next_statuses(WITHOUT, status, kind) == []


def test_every_status_can_still_end():
    """From every status some sequence of steps reaches a terminal status."""
    for case_type in (WITH, WITHOUT):
        for start in S.values:
            seen, todo = set(), [start]
            while todo:
                status = todo.pop()
                if status in seen:
                    continue
                seen.add(status)
                for kind in wf.ACTOR_KINDS:
                    todo.extend(wf.next_statuses(case_type, status, kind))
            assert seen & set(wf.TERMINAL), start


def test_processing_is_skipped_only_when_the_type_says_so():
    assert wf.transition_allowed(WITH, S.VERIFICATION, S.PROCESSING, wf.OFFICER)
    assert not wf.transition_allowed(WITH, S.VERIFICATION, S.READY, wf.OFFICER)
    assert wf.transition_allowed(WITHOUT, S.VERIFICATION, S.READY, wf.OFFICER)
    assert not wf.transition_allowed(WITHOUT, S.VERIFICATION, S.PROCESSING, wf.OFFICER)


def test_open_clock_and_terminal_sets():
    assert set(wf.OPEN_STATUSES) | set(wf.TERMINAL) | {S.DRAFT} == set(S.values)
    assert not set(wf.OPEN_STATUSES) & set(wf.TERMINAL)
    assert set(wf.CLOCK_RUNNING) < set(wf.OPEN_STATUSES)
    assert S.RETURNED not in wf.CLOCK_RUNNING


@translation.override("en")
def test_every_status_is_explained_in_english_msgids():
    for status in S.values:
        text = wf.status_explained(status)
        assert text and text.endswith(".")
    assert wf.status_explained(S.VERIFICATION) == (
        "We are checking your application and documents."
    )
    assert wf.status_explained("nonsense") == ""
    assert wf.step_label(S.RETURNED) == "Return as incomplete"
