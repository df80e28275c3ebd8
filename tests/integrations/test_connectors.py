"""Connectors, the pushing half: a submitted application reaches the agency's system once.

Against a real local HTTP server (tests/integrations/fake_agency.py). Time moves by
passing `now`; nothing sleeps for a back-off (only the "slow" agency's own delay, past a
0.5 s timeout).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import EntryPoint
from io import StringIO
from typing import ClassVar

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction

from mpp.cases import services
from mpp.cases.models import Case, Channel
from mpp.core.models import Event
from mpp.integrations.connectors import registry, sync
from mpp.integrations.connectors.base import Connector, PushResult
from mpp.integrations.connectors.hooks import on_event
from mpp.integrations.models import ExternalRecord
from mpp.notifications import periodic, worker
from tests.cases.lifecycle import FRIDAY, case_type, officer_of, step, submitted
from tests.integrations.fake_agency import OPENAPI, REFERENCE, FakeAgency, enable_reference

S = Case.Status
T0 = FRIDAY


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


def record_of(case) -> ExternalRecord:
    return ExternalRecord.objects.get(subject_id=sync.subject_key("case", case.pk))


# Written with the change -----------------------------------------------------------------


def test_submitting_writes_a_record_due_now_and_pushes_nothing_yet(reference, agency, ctype):
    case = submitted(ctype)

    record = record_of(case)
    assert (record.connector, record.subject_type, record.mall_id) == (
        "reference",
        "case",
        case.mall_id,
    )
    assert record.next_attempt_at == T0 and record.pushed_at is None and record.attempts == 0
    assert sync.subject_load("case", record.subject_id) == case
    assert agency.posts == []  # the push happens later, in the worker


def test_a_rolled_back_submission_leaves_no_record(reference, ctype):
    draft = services.case_start(
        case_type=ctype, channel=Channel.WEB, applicant_name="Siti", nik="3210011505900001", now=T0
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_submit(case=draft, channel=Channel.WEB, now=T0)
        assert ExternalRecord.objects.count() == 1
        raise RuntimeError("the change fails after the event")
    assert ExternalRecord.objects.count() == 0


def test_only_the_agencies_a_connector_serves(reference, settings, ctype):
    other = case_type(mall=ctype.mall)  # a booth of another agency at the same mall
    submitted(other)
    assert ExternalRecord.objects.count() == 0

    settings.MPP_AGENCY_REFERENCE = {**settings.MPP_AGENCY_REFERENCE, "malls": ["elsewhere"]}
    submitted(ctype)
    assert ExternalRecord.objects.count() == 0


def test_the_listener_costs_nothing_for_other_events_or_without_connectors(
    settings, ctype, django_assert_num_queries
):
    settings.MPP_CONNECTORS = []
    case = submitted(ctype)
    assert ExternalRecord.objects.count() == 0
    submit = Event.objects.get(kind="case.submitted", subject_id=str(case.pk))
    with django_assert_num_queries(0):
        on_event(submit)
        on_event(Event(kind="ticket.called", subject_type="ticket", subject_id="1"))


# Pushing ---------------------------------------------------------------------------------


def test_the_worker_pushes_once_with_a_stable_idempotency_key(reference, agency, ctype):
    case = submitted(ctype)

    result = worker.run_once(now=later(1), jobs=False)

    assert result.drained == 1
    record = record_of(case)
    assert record.pushed_at == later(1) and record.last_error == ""
    assert record.external_id == "APP-00001" and record.external_status == "received"
    assert record.next_attempt_at == later(1 + 300)  # the first status pull
    (app,) = agency.applications.values()
    assert app.idempotency_key == f"mpp-case-{case.pk}"
    assert app.body["reference"] == case.number and app.body["service"] == ctype.service.code
    assert app.body["applicant"]["nik_masked"].endswith("0001")
    assert "3210011505900001" not in str(app.body)  # the NIK itself is not kept here
    assert worker.run_once(now=later(2), jobs=False).drained == 0
    assert len(agency.posts) == 1


def test_mpp_worker_pushes_by_the_clock(reference, agency, ctype):
    case = submitted(ctype)  # due at T0, long past

    call_command("worker", "--once", stdout=StringIO())

    record = record_of(case)
    assert record.pushed_at is not None and record.external_id == "APP-00001"
    assert len(agency.applications) == 1


def test_the_fake_agency_publishes_the_contract_the_connector_follows(agency):
    spec = httpx.get(f"{agency.url}/openapi.json").json()
    assert spec == OPENAPI
    assert set(spec["paths"]) == {"/applications", "/applications/{id}"}
    params = spec["paths"]["/applications"]["post"]["parameters"]
    assert [p["name"] for p in params] == ["Idempotency-Key"]


def test_an_answer_lost_on_the_way_back_makes_no_second_application(reference, agency, ctype):
    case = submitted(ctype)
    agency.drop_next()

    assert sync.push_due(now=later(1)) == 1
    record = record_of(case)
    assert record.pushed_at is None and record.attempts == 1
    assert record.last_error.startswith("no answer")
    assert len(agency.applications) == 1  # the agency did make it

    assert sync.push_due(now=later(1 + 40)) == 1
    record.refresh_from_db()
    assert record.pushed_at == later(41) and record.external_id == "APP-00001"
    assert len(agency.applications) == 1
    assert [(p.idempotency_key, p.status) for p in agency.posts] == [
        (f"mpp-case-{case.pk}", 201),
        (f"mpp-case-{case.pk}", 200),
    ]


def test_a_worker_killed_after_pushing_holds_the_record_for_its_lease_only(
    reference, agency, ctype, settings
):
    settings.MPP_CONNECTOR_LEASE = 60
    case = submitted(ctype)
    claimed = sync.claim_push(now=later(1), names=["reference"])
    reference.push(case)  # ... and the worker dies before writing it down

    assert sync.push_due(now=later(30)) == 0  # still the dead worker's
    assert sync.push_due(now=later(62)) == 1
    record = record_of(case)
    assert record.pushed_at == later(62) and record.attempts == claimed.attempts + 1
    assert len(agency.applications) == 1 and len(agency.posts) == 2


def test_outages_are_retried_with_backoff_and_nothing_is_lost(reference, agency, ctype):
    case = submitted(ctype)

    agency.outage("503")
    assert sync.push_due(now=later(0)) == 1
    record = record_of(case)
    assert record.attempts == 1 and record.last_error == "push: HTTP 503 unavailable Maintenance."
    assert later(27) <= record.next_attempt_at <= later(33)  # 30 s +- 10 %
    assert sync.push_due(now=later(20)) == 0  # not due yet

    agency.outage("refused")
    assert sync.push_due(now=later(40)) == 1
    record.refresh_from_db()
    assert record.attempts == 2 and record.last_error == "no answer (ConnectError)"
    assert later(40 + 108) <= record.next_attempt_at <= later(40 + 132)  # 2 min

    agency.recover()
    agency.outage("slow", delay=1.0)  # past the 0.5 s timeout; the agency works meanwhile
    assert sync.push_due(now=later(200)) == 1
    record.refresh_from_db()
    assert record.attempts == 3 and record.last_error.startswith("timeout")
    assert record.pushed_at is None

    agency.recover()
    assert sync.push_due(now=later(2000)) == 1
    record.refresh_from_db()
    assert record.pushed_at == later(2000) and record.last_error == ""
    assert record.external_id == "APP-00001"
    assert len(agency.applications) == 1  # made by the slow attempt, found again by key


def test_a_long_outage_is_never_given_up(reference, agency, ctype, settings):
    settings.MPP_CONNECTOR_BACKOFF = [10, 20]
    case = submitted(ctype)
    agency.outage("503")
    moment, waits = later(0), []
    for _ in range(6):
        assert sync.push_due(now=moment) == 1
        record = record_of(case)
        waits.append((record.next_attempt_at - moment).total_seconds())
        moment = record.next_attempt_at
    assert record.attempts == 6 and record.pushed_at is None and "503" in record.last_error
    assert 9 <= waits[0] <= 11 and all(18 <= wait <= 22 for wait in waits[1:])
    agency.recover()
    assert sync.push_due(now=moment) == 1
    assert record_of(case).pushed_at == moment


def test_a_refused_push_is_kept_and_tried_again_after_resubmission(reference, agency, ctype):
    agency.reject_service(ctype.service.code)
    case = submitted(ctype)

    assert sync.push_due(now=later(1)) == 1
    record = record_of(case)
    assert record.next_attempt_at is None and record.pushed_at is None
    assert record.last_error == "push: HTTP 422 service_unknown This service is not handled here."
    assert sync.push_due(now=later(10**6)) == 0  # not tried again on its own

    officer = officer_of(ctype)
    step(case, S.VERIFICATION, officer, now=later(60))
    step(case, S.RETURNED, officer, now=later(61), note="Foto buram")
    services.case_submit(case=case, channel=Channel.WEB, now=later(120))  # the citizen again

    record.refresh_from_db()
    assert record.next_attempt_at == later(120) and record.attempts == 0
    assert ExternalRecord.objects.count() == 1
    agency.state.rejected_services.clear()
    assert sync.push_due(now=later(121)) == 1
    record.refresh_from_db()
    assert record.pushed_at == later(121) and len(agency.applications) == 1


def test_two_passes_at_once_claim_a_record_once(reference, ctype):
    submitted(ctype)
    first = sync.claim_push(now=later(1), names=["reference"])
    assert first is not None and first.attempts == 1
    assert sync.claim_push(now=later(1), names=["reference"]) is None


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent claims: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_workers_at_once_push_each_record_exactly_once(settings, agency):
    ctype = case_type()
    enable_reference(settings, agency, ctype)
    cases = [submitted(ctype) for _ in range(12)]

    def one_worker(_):
        try:
            return sync.push_due(now=later(1))
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(one_worker, range(4)))

    assert sum(counts) == 12
    assert len(agency.posts) == 12  # SKIP LOCKED and the lease: no record sent twice
    assert {app.body["reference"] for app in agency.applications.values()} == {
        case.number for case in cases
    }
    assert not ExternalRecord.objects.filter(pushed_at__isnull=True).exists()


def test_records_of_a_connector_no_longer_enabled_wait(reference, agency, settings, ctype):
    case = submitted(ctype)
    settings.MPP_CONNECTORS = []
    assert sync.push_due(now=later(1)) == 0
    assert record_of(case).pushed_at is None and record_of(case).attempts == 0


def test_the_worker_knows_the_drain_and_the_pull_job():
    assert worker._drains["connectors"] is sync.push_due
    jobs = {job.name: job for job in periodic.registered()}
    assert jobs["connectors.pull"].func is sync.pull_job


# Which connectors are enabled ------------------------------------------------------------


@pytest.fixture
def fresh_registry():
    registry.cache_clear()
    yield
    registry.cache_clear()


def test_connectors_come_from_the_setting_by_name(settings, fresh_registry):
    settings.MPP_CONNECTORS = [f"{REFERENCE}:dukcapil", REFERENCE]
    settings.MPP_AGENCY_DUKCAPIL_URL = "https://siak.example.go.id/api"

    assert [c.name for c in registry.connectors()] == ["dukcapil", "reference"]
    dukcapil = registry.connector_get("dukcapil")
    assert dukcapil.label == "connector:dukcapil"
    assert dukcapil.setting("url") == "https://siak.example.go.id/api"
    assert registry.connector_get("reference").setting("url") is None
    assert registry.connector_get("nobody") is None
    assert registry.check_connectors() == []


def test_installed_entry_points_add_connectors(settings, monkeypatch, fresh_registry):
    point = EntryPoint(
        name="siak",
        value="mpp.integrations.connectors.reference:ReferenceConnector",
        group=registry.GROUP,
    )
    monkeypatch.setattr(registry, "_entry_points", [point])
    settings.MPP_CONNECTORS = []
    assert [c.name for c in registry.connectors()] == ["siak"]
    settings.MPP_CONNECTORS = [f"{REFERENCE}:siak"]  # the setting wins over the package
    assert [type(c).__name__ for c in registry.connectors()] == ["ReferenceConnector"]


@pytest.mark.parametrize("path", ["mpp.nowhere.Connector", "mpp.integrations.models.ApiClient"])
def test_a_connector_that_does_not_load_is_an_error_not_a_silent_skip(
    settings, ctype, fresh_registry, path
):
    settings.MPP_CONNECTORS = [path]
    with pytest.raises(ImproperlyConfigured):
        registry.connectors()
    assert [e.id for e in registry.check_connectors()] == ["mpp.integrations.E001"]
    assert sync.push_due(now=T0) == 0  # the worker lives on (and logs it)
    draft = services.case_start(
        case_type=ctype, channel=Channel.WEB, applicant_name="Siti", nik="3210011505900001", now=T0
    )
    with pytest.raises(ImproperlyConfigured):  # the submission fails rather than lose the push
        services.case_submit(case=draft, channel=Channel.WEB, now=T0)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


# A connector that takes bookings ---------------------------------------------------------


class BookingDesk(Connector):
    """An agency desk that takes bookings: it keeps what it was handed, by key."""

    subjects = ("booking",)
    received: ClassVar[dict[str, str]] = {}

    def handles(self, subject_type, record):
        return record.offering.booth.agency.code in (self.setting("agencies") or ())

    def push(self, record):
        key = self.idempotency_key(record)
        self.received.setdefault(key, f"B-{len(self.received) + 1}")
        return PushResult(external_id=self.received[key], external_status="booked")


def test_a_connector_may_take_bookings_once_each(settings, mall, offering):
    from tests.bookings.conftest import book, open_weekdays
    from tests.factories import BookingPolicyFactory

    settings.MPP_CONNECTORS = ["tests.integrations.test_connectors.BookingDesk:desk"]
    settings.MPP_AGENCY_DESK = {"agencies": [offering.booth.agency.code]}
    open_weekdays(mall)
    BookingDesk.received.clear()

    booking = book(BookingPolicyFactory(offering=offering))  # created, then confirmed

    record = ExternalRecord.objects.get()
    assert (record.connector, record.subject_type) == ("desk", "booking")
    assert sync.subject_load("booking", record.subject_id) == booking
    assert sync.push_due() == 1
    record.refresh_from_db()
    assert record.external_id == "B-1" and record.external_status == "booked"
    assert record.next_attempt_at is None  # nothing to pull for a booking
    assert BookingDesk.received == {f"mpp-booking-{booking.pk}": "B-1"}
