"""Connectors, the pulling half: the agency's statuses come back as the case's steps.

The case moves only through mpp.cases services, with actor kind "agency" and the
connector named as the actor; a status that is no allowed step is written down and
skipped, never forced.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mpp.accounts import access
from mpp.cases.models import Case, CaseEvent, CaseType
from mpp.core.models import Event
from mpp.integrations.connectors import sync
from mpp.integrations.models import ExternalRecord
from tests.cases.lifecycle import FRIDAY, case_type, officer_of, step, submitted
from tests.integrations.fake_agency import FakeAgency, enable_reference

S = Case.Status
T0 = FRIDAY
PULL = 300  # the connector's pull_every in the fixture


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def agency():
    with FakeAgency() as server:
        yield server


@pytest.fixture
def ctype(db):
    return case_type()


@pytest.fixture
def reference(settings, agency, ctype):
    return enable_reference(settings, agency, ctype)


def pushed(ctype, **kwargs):
    """A case submitted and pushed at T0 + 1 s; its record."""
    case = submitted(ctype, **kwargs)
    assert sync.push_due(now=later(1)) == 1
    record = ExternalRecord.objects.get(subject_id=sync.subject_key("case", case.pk))
    return case, record


def agency_steps(case) -> list[tuple]:
    return [
        (e.from_status, e.to_status, e.actor_kind, e.actor_label, e.actor_id, e.channel)
        for e in CaseEvent.objects.filter(case=case, kind="transition", actor_kind="agency")
    ]


def test_statuses_are_pulled_mapped_and_taken_as_the_agency(reference, agency, ctype):
    case, record = pushed(ctype)
    assert sync.pull_due(now=later(PULL)) == 0  # the first pull is due at push + 300 s

    agency.set_status(record.external_id, "in_review")
    assert sync.pull_due(now=later(1 + PULL)) == 1
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == S.VERIFICATION
    assert record.external_status == "in_review" and record.last_error == ""
    assert record.pulled_at == later(1 + PULL) and record.next_attempt_at == later(1 + 2 * PULL)
    assert agency_steps(case) == [
        ("submitted", "verification", "agency", "connector:reference", None, "api")
    ]
    event = Event.objects.get(kind="case.verification_started", subject_id=str(case.pk))
    assert event.actor_id is None and event.data["actor_kind"] == "agency"
    assert case.assigned_to_id is None  # an agency system is nobody's officer

    for status, ours in (("processing", S.PROCESSING), ("approved", S.READY)):
        agency.set_status(record.external_id, status)
        record.refresh_from_db()
        assert sync.pull_due(now=record.next_attempt_at) == 1
        case.refresh_from_db()
        assert case.status == ours

    agency.set_status(record.external_id, "collected")
    record.refresh_from_db()
    assert sync.pull_due(now=record.next_attempt_at) == 1
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == S.COMPLETED
    assert record.next_attempt_at is None  # closed: never asked again
    assert sync.pull_due(now=later(10**7)) == 0
    assert len(agency_steps(case)) == 4


def test_the_connector_acts_within_the_agency_rule(reference, ctype):
    case = submitted(ctype)
    actor = sync.principal(reference, case)
    assert access.allowed(actor, "case.process", case)
    other = submitted(case_type(mall=ctype.mall))
    assert not access.allowed(actor, "case.process", other)  # another agency's booth
    assert actor.pk is None  # never a saved client, never a user


def test_steps_the_agency_took_between_two_pulls_are_walked(reference, agency, ctype):
    case, record = pushed(ctype)
    agency.set_status(record.external_id, "approved", note="Silakan ambil di gerai.")

    assert sync.pull_due(now=later(1 + PULL)) == 1

    case.refresh_from_db()
    assert case.status == S.READY and case.outcome_note == "Silakan ambil di gerai."
    assert [s[:2] for s in agency_steps(case)] == [
        ("submitted", "verification"),
        ("verification", "processing"),
        ("processing", "ready"),
    ]


def test_without_walking_only_single_steps_are_taken(reference, agency, ctype, monkeypatch):
    monkeypatch.setattr(type(reference), "walk_forward", False)
    case, record = pushed(ctype)
    agency.set_status(record.external_id, "approved")

    sync.pull_due(now=later(1 + PULL))

    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert record.last_error == "agency status 'approved' (ready) is no step from submitted"
    assert record.external_status == "approved"


def test_a_status_that_is_no_step_from_here_is_logged_and_skipped(reference, agency, ctype):
    case, record = pushed(ctype)
    officer = officer_of(ctype)
    for to in (S.VERIFICATION, S.PROCESSING, S.READY):
        step(case, to, officer, now=later(10))
    agency.set_status(record.external_id, "processing")  # the agency lags behind

    assert sync.pull_due(now=later(1 + PULL)) == 1

    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == S.READY and agency_steps(case) == []
    assert record.last_error == "agency status 'processing' (processing) is no step from ready"
    assert record.next_attempt_at == later(1 + 2 * PULL)  # asked again later

    agency.set_status(record.external_id, "redacted-by-agency")
    sync.pull_due(now=later(1 + 2 * PULL))
    record.refresh_from_db()
    assert record.last_error == "unknown agency status 'redacted-by-agency'"
    case.refresh_from_db()
    assert case.status == S.READY


def test_a_step_the_services_refuse_moves_nothing(reference, agency, settings):
    ftype = case_type(delivery=CaseType.Delivery.FILE)  # ready needs the product file
    settings.MPP_AGENCY_REFERENCE = {
        **settings.MPP_AGENCY_REFERENCE,
        "agencies": [ftype.booth.agency.code],
    }
    case, record = pushed(ftype)
    agency.set_status(record.external_id, "approved")

    sync.pull_due(now=later(1 + PULL))

    case.refresh_from_db()
    record.refresh_from_db()
    assert case.status == S.SUBMITTED  # not left half-way in verification or processing
    assert agency_steps(case) == []
    assert record.last_error == "agency status 'approved' -> ready: output_missing"


@pytest.mark.parametrize(
    ("status", "note", "ours", "default"),
    [
        ("incomplete", "Pas foto tidak sesuai.", S.RETURNED, ""),
        ("incomplete", "", S.RETURNED, "The agency found the application incomplete."),
        ("rejected", "", S.REJECTED, "The agency could not grant the application."),
    ],
)
def test_returned_and_rejected_carry_the_agency_note(
    reference, agency, ctype, status, note, ours, default
):
    case, record = pushed(ctype)
    agency.set_status(record.external_id, status, note=note)

    sync.pull_due(now=later(1 + PULL))

    case.refresh_from_db()
    assert case.status == ours
    last = CaseEvent.objects.filter(case=case, kind="transition").last()
    assert last.actor_label == "connector:reference"
    with translation.override(case.language):  # in the citizen's language
        told = note or gettext(default)
        assert last.internal_note == gettext("Agency status: %(status)s") % {"status": status}
    assert last.note == told
    if ours == S.RETURNED:
        assert case.missing["note"] == last.note


def test_an_outage_while_pulling_keeps_the_case_and_asks_again(reference, agency, ctype):
    case, record = pushed(ctype)
    agency.outage("503")

    assert sync.pull_due(now=later(1 + PULL)) == 1

    record.refresh_from_db()
    case.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert record.last_error == "pull: HTTP 503 unavailable Maintenance."
    assert record.next_attempt_at == later(1 + 2 * PULL)
    agency.recover()
    agency.set_status(record.external_id, "in_review")
    assert sync.pull_due(now=later(1 + 2 * PULL)) == 1
    case.refresh_from_db()
    assert case.status == S.VERIFICATION


def test_a_case_closed_meanwhile_is_not_pulled_again(reference, agency, ctype):
    from mpp.cases import services

    case, record = pushed(ctype)
    services.case_withdraw(case=case, channel="web", now=later(5))

    assert sync.pull_due(now=later(1 + PULL)) == 1
    record.refresh_from_db()
    assert record.next_attempt_at is None and agency.gets == []


def test_the_periodic_job_pulls_what_is_due_by_the_clock(reference, agency, ctype):
    case, record = pushed(ctype)  # at T0, long ago
    agency.set_status(record.external_id, "in_review")

    sync.pull_job()  # what `mpp worker` runs every PULL_JOB_SECONDS, without a `now`

    case.refresh_from_db()
    assert case.status == S.VERIFICATION
