"""Reads: who sees which complaints (one rule for every role), overdue flags, and the
handling summary the surveys report shows beside U9."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from mpp.complaints.selectors import (
    complaint_by_code,
    complaint_handling_summary,
    complaint_list,
    complaints_for,
    overdue_count,
)
from mpp.complaints.services import complaint_act
from tests.complaints.conftest import MONDAY, file_one
from tests.factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db


def ids(rows) -> set[int]:
    return set(rows.values_list("pk", flat=True))


def test_one_rule_per_role(world):
    a = file_one(world)
    b = file_one(world, service_code=world.offering_b.service.code)
    desk = file_one(world, service_code="")
    elsewhere = file_one(world, mall=world.other_mall, service_code="")
    assert ids(complaints_for(world.national)) == {a.pk, b.pk, desk.pk, elsewhere.pk}
    assert ids(complaints_for(world.manager)) == {a.pk, b.pk, desk.pk}
    assert ids(complaints_for(world.supervisor_a)) == {a.pk}
    assert ids(complaints_for(world.officer_a)) == {a.pk}
    assert ids(complaints_for(world.officer_b)) == {b.pk}
    assert ids(complaints_for(world.other_manager)) == {elsewhere.pk}
    assert not complaints_for(AnonymousUser()).exists()
    world.manager.is_active = False
    assert not complaints_for(world.manager).exists()
    loose = UserFactory(role="officer", mall=world.mall, booth=None)
    assert not complaints_for(loose).exists()


def test_overdue_flags_and_counts(world):
    now = timezone.now()
    late_first = file_one(world, now=now - dt.timedelta(days=8))
    answered_late = file_one(world, now=now - dt.timedelta(days=30))
    complaint_act(complaint_id=answered_late.pk, actor=world.manager, action="verify")
    complaint_act(complaint_id=answered_late.pk, actor=world.manager, action="answer", message="Ok")
    fresh = file_one(world)
    rows = {c.pk: c for c in complaint_list(world.manager, mall_id=world.mall.pk)}
    assert rows[late_first.pk].first_overdue and rows[late_first.pk].answer_overdue
    assert not rows[answered_late.pk].answer_overdue  # answered: no longer running
    assert not rows[fresh.pk].first_overdue and not rows[fresh.pk].answer_overdue
    assert overdue_count(world.manager, mall_id=world.mall.pk) == 1
    assert overdue_count(world.officer_b, mall_id=world.mall.pk) == 0
    assert complaint_by_code(late_first.code).first_overdue is True
    assert complaint_by_code("nonsense") is None


def test_summary_signature_is_kept():
    params = inspect.signature(complaint_handling_summary).parameters
    assert list(params) == ["mall_id", "agency_id", "booth_id", "date_from", "date_to"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())


def test_handling_summary(world):
    day = MONDAY.date()
    # On time: responded the same day, answered in 2 working days.
    on_time = file_one(world, now=MONDAY)
    complaint_act(
        complaint_id=on_time.pk,
        actor=world.manager,
        action="verify",
        now=MONDAY + dt.timedelta(hours=1),
    )
    complaint_act(
        complaint_id=on_time.pk,
        actor=world.manager,
        action="answer",
        message="Selesai.",
        now=MONDAY + dt.timedelta(days=2),
    )
    complaint_act(
        complaint_id=on_time.pk,
        actor=world.manager,
        action="close",
        now=MONDAY + dt.timedelta(days=3),
    )
    # Late: first response after 7 days (5 working days), answered after 3 weeks.
    late = file_one(world, now=MONDAY, service_code=world.offering_b.service.code)
    complaint_act(
        complaint_id=late.pk,
        actor=world.manager,
        action="verify",
        now=MONDAY + dt.timedelta(days=7),
    )
    complaint_act(
        complaint_id=late.pk,
        actor=world.manager,
        action="answer",
        message="Maaf terlambat.",
        now=MONDAY + dt.timedelta(days=21),
    )
    rejected = file_one(world, now=MONDAY)
    complaint_act(
        complaint_id=rejected.pk, actor=world.manager, action="reject", reason="Ganda.", now=MONDAY
    )
    still_open = file_one(world, now=MONDAY)  # never handled: both deadlines are past now
    file_one(world, now=MONDAY - dt.timedelta(days=40))  # outside the range

    summary = complaint_handling_summary(mall_id=world.mall.pk, date_from=day, date_to=day)
    assert summary == {
        "received": 4,
        "answered": 1,
        "closed": 1,
        "rejected": 1,
        "open": 1,
        "first_response_on_time_pct": 50.0,  # on time and rejected, of 4 measured
        "resolved_on_time_pct": 33.3,  # on time, of on time + late + still open
        "mean_working_days_to_first_response": round((0 + 5 + 0) / 3, 2),
        "overdue_now": 1,
    }
    assert still_open.pk
    booth_b = complaint_handling_summary(booth_id=world.booth_b.pk, date_from=day, date_to=day)
    assert booth_b["received"] == 1 and booth_b["first_response_on_time_pct"] == 0.0
    agency = complaint_handling_summary(
        agency_id=world.booth_a.agency_id, date_from=day, date_to=day
    )
    assert agency["received"] == 3
    empty = complaint_handling_summary(date_from=dt.date(2001, 1, 1), date_to=dt.date(2001, 1, 2))
    assert empty["received"] == 0 and empty["first_response_on_time_pct"] is None
    assert empty["mean_working_days_to_first_response"] is None


def test_factory_complaint_counts_in_the_summary(db):
    complaint = ComplaintFactory()
    today = timezone.localdate()
    summary = complaint_handling_summary(mall_id=complaint.mall_id, date_from=today, date_to=today)
    assert summary["received"] == 1 and summary["open"] == 1 and summary["overdue_now"] == 0
