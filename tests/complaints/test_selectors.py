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
from mpp.core.models import Region
from tests.clock import working_days_ago
from tests.complaints.conftest import MONDAY, file_one
from tests.factories import ComplaintFactory, MallFactory, OfferingFactory, UserFactory, region

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


@pytest.mark.clock
def test_overdue_flags_and_counts(world):
    now = timezone.now()
    late_first = file_one(world, now=working_days_ago(6))  # both deadlines (3 and 5) past
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
    assert list(params) == [
        "mall_id",
        "agency_id",
        "booth_id",
        "date_from",
        "date_to",
        "service_id",
        "province_code",
    ]
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


def _handled(offering, *, received, first_after=None, answered_after=None):
    """A complaint about `offering` received at `received`, with its first response and
    its answer after the given delays (none: not yet), in the status that goes with them."""
    first = received + first_after if first_after is not None else None
    answered = received + answered_after if answered_after is not None else None
    return ComplaintFactory(
        offering=offering,
        received_at=received,
        status="answered" if answered else "in_progress" if first else "received",
        first_response_at=first,
        answered_at=answered,
    )


def test_province_summary_counts_its_malls_together(world, django_assert_max_num_queries):
    """world.mall and world.other_mall are both in province 32 (Kabupaten Majalengka); a
    mall in province 33 must not count, nor a complaint outside the days."""
    day = MONDAY.date()
    Region.objects.create(code="33", name="Jawa Tengah", level=1, kind="provinsi")
    elsewhere = OfferingFactory(booth__mall=MallFactory(regency=region("33.74", "Kota Semarang")))
    other = OfferingFactory(booth__mall=world.other_mall)
    hour, day_ = dt.timedelta(hours=1), dt.timedelta(days=1)
    # Mall 1: one on time (first response 1 hour, answer 1 day), one never handled.
    _handled(world.offering_a, received=MONDAY, first_after=hour, answered_after=day_)
    _handled(world.offering_b, received=MONDAY)
    # Mall 2: one late on both (first response after 7 days = 5 working days, answer after
    # 14 days), one responded on time but still unanswered long past its deadline, and one
    # received 40 days before (outside the days).
    _handled(other, received=MONDAY, first_after=7 * day_, answered_after=14 * day_)
    _handled(other, received=MONDAY, first_after=hour)
    _handled(other, received=MONDAY - 40 * day_, first_after=hour, answered_after=day_)
    # Province 33: all on time; counting them would raise both percentages.
    for _ in range(3):
        _handled(elsewhere, received=MONDAY, first_after=hour, answered_after=day_)

    with django_assert_max_num_queries(2):
        summary = complaint_handling_summary(province_code="32", date_from=day, date_to=day)
    assert summary == {
        "received": 4,
        "answered": 2,
        "closed": 0,
        "rejected": 0,
        "open": 2,
        # measured: the three responded and the one never handled (overdue): 2 in time
        "first_response_on_time_pct": 50.0,
        # measured: the two answered and the two open past their deadline: 1 in time
        "resolved_on_time_pct": 25.0,
        "mean_working_days_to_first_response": round((0 + 5 + 0) / 3, 2),
        "overdue_now": 2,
    }
    mall_1 = complaint_handling_summary(mall_id=world.mall.pk, date_from=day, date_to=day)
    mall_2 = complaint_handling_summary(mall_id=world.other_mall.pk, date_from=day, date_to=day)
    assert mall_1["received"] + mall_2["received"] == summary["received"]
    jawa_tengah = complaint_handling_summary(province_code="33", date_from=day, date_to=day)
    assert jawa_tengah["received"] == 3 and jawa_tengah["resolved_on_time_pct"] == 100.0
    prefix_only = complaint_handling_summary(province_code="3", date_from=day, date_to=day)
    assert prefix_only["received"] == 0  # "3" is no province: neither 32 nor 33 matches


def test_service_summary_counts_only_that_service(world):
    """Two services of booth A's agency: the service scope counts one, the agency both."""
    day = MONDAY.date()
    sister = OfferingFactory(booth=world.booth_a)
    _handled(world.offering_a, received=MONDAY, first_after=dt.timedelta(hours=1))
    _handled(sister, received=MONDAY)
    _handled(world.offering_b, received=MONDAY)
    service = complaint_handling_summary(
        service_id=world.offering_a.service_id, date_from=day, date_to=day
    )
    assert (service["received"], service["first_response_on_time_pct"]) == (1, 100.0)
    at_booth = complaint_handling_summary(
        service_id=sister.service_id, booth_id=world.booth_a.pk, date_from=day, date_to=day
    )
    assert (at_booth["received"], at_booth["first_response_on_time_pct"]) == (1, 0.0)
    at_other_booth = complaint_handling_summary(
        service_id=sister.service_id, booth_id=world.booth_b.pk, date_from=day, date_to=day
    )
    assert at_other_booth["received"] == 0
    agency = complaint_handling_summary(
        agency_id=world.booth_a.agency_id, date_from=day, date_to=day
    )
    assert agency["received"] == 2
