"""ikm_compute from the database's sums, the periods, and the survey a counter's tablet offers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from mpp.core.errors import Invalid
from mpp.surveys.selectors import (
    TABLET_MINUTES,
    ikm_compute,
    open_token_for,
    period_before,
    period_of,
    period_range,
    tablet_invitation,
)
from tests.factories import (
    CounterFactory,
    OfferingFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_group_shown")]
DAY = dt.date(2026, 11, 10)
DEC31 = dt.date(2026, 12, 31)
FIELDS = [f"u{i}" for i in range(1, 10)]


def scores(*values):
    return dict(zip(FIELDS, values, strict=True))


@pytest.fixture
def answered(offering):
    """Mixed case three of test_ikm (IKM 87.04), answered on DAY, with profiles."""
    SurveyResponseFactory(offering=offering, submitted_on=DAY, **scores(*(4,) * 9), sex="L", age=19)
    SurveyResponseFactory(
        offering=offering,
        submitted_on=DAY,
        **scores(4, 3, 3, 4, 3, 3, 4, 3, 3),
        age=40,
        education="s2",
        comment="Ruang tunggu dingin.",
    )
    SurveyResponseFactory(
        offering=offering, submitted_on=DAY, **scores(3, 3, 3, 4, 3, 3, 3, 3, 3), age=70
    )
    return offering


def test_ikm_from_exact_sums_in_one_query(answered):
    with CaptureQueriesContext(connection) as queries:
        result = ikm_compute(mall_id=answered.mall_id, date_from=DAY, date_to=DAY)
    assert len(queries) == 3  # the sums and profile counts; the invitations; the comments
    assert result.respondents == 3
    assert result.totals == {"U1": 11, "U2": 10, "U3": 10, "U4": 12, "U5": 10, "U6": 10,
                             "U7": 11, "U8": 10, "U9": 10}  # fmt: skip
    assert result.ikm == Decimal("87.04")  # not 87.03 from rounded NRRs
    assert result.unit_value == Decimal("3.4815")
    assert result.mutu == "B" and result.mutu_label is not None
    with translation.override("en"):
        assert str(result.mutu_label) == "Good"
    assert list(result.elements) == [f"U{i}" for i in range(1, 10)]
    assert result.elements["U1"] == Decimal("3.667") and result.elements["U4"] == Decimal("4.000")
    assert [e.code for e, _ in result.element_rows()] == list(result.elements)
    assert result.profile["sex"] == {"L": 1, "P": 2}
    assert result.profile["age"]["15-24"] == 1 and result.profile["age"]["65-100"] == 1
    assert result.profile["age"]["35-44"] == 1 and sum(result.profile["age"].values()) == 3
    assert result.profile["education"]["s2"] == 1 and result.profile["education"]["sma"] == 2
    assert result.profile["occupation"]["swasta"] == 3
    assert [c.text for c in result.comments] == ["Ruang tunggu dingin."]
    assert result.comments[0].service == answered.service.name


def test_scope_and_period_filters(answered):
    elsewhere = OfferingFactory()
    SurveyResponseFactory(offering=elsewhere, submitted_on=DAY, **scores(*(1,) * 9))
    SurveyResponseFactory(offering=answered, submitted_on=DAY + dt.timedelta(days=1))
    one_day = {"date_from": DAY, "date_to": DAY}
    assert ikm_compute(**one_day).respondents == 4  # national
    assert ikm_compute(province_code="32", **one_day).respondents == 4
    assert ikm_compute(province_code="11", **one_day).respondents == 0
    assert ikm_compute(agency_id=answered.service.agency_id, **one_day).respondents == 3
    assert ikm_compute(service_id=elsewhere.service_id, **one_day).ikm == Decimal("25.00")
    assert ikm_compute(booth_id=answered.booth_id, **one_day).respondents == 3
    both_days = ikm_compute(
        mall_id=answered.mall_id, date_from=DAY, date_to=DAY + dt.timedelta(days=1)
    )
    assert both_days.respondents == 4
    with pytest.raises(Invalid):
        ikm_compute(date_from=DAY, date_to=DAY - dt.timedelta(days=1))


def test_transactions_and_sample(offering):
    created = dt.datetime(2026, 11, 10, 9, tzinfo=offering.mall.tz)
    SurveyInvitationFactory.create_batch(100, offering=offering, created_at=created)
    SurveyResponseFactory.create_batch(79, offering=offering, submitted_on=DAY)
    result = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY, with_comments=False)
    assert (result.transactions, result.required_sample) == (100, 80)
    assert result.sample_short is True and result.comments == []
    SurveyResponseFactory(offering=offering, submitted_on=DAY)
    result = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY)
    assert result.respondents == 80 and result.sample_short is False
    assert result.ikm == Decimal("75.00") and result.mutu == "C"


def test_no_answers(offering):
    result = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY)
    assert result.respondents == 0 and result.ikm is None and result.mutu is None
    assert result.unit_value is None and result.mutu_label is None
    assert result.elements == {f"U{i}": None for i in range(1, 10)}
    assert result.required_sample == 0 and result.sample_short is False


@pytest.mark.parametrize(
    ("kind", "year", "number", "first", "last"),
    [
        ("month", 2024, 2, "2024-02-01", "2024-02-29"),
        ("month", 2026, 12, "2026-12-01", "2026-12-31"),
        ("quarter", 2026, 1, "2026-01-01", "2026-03-31"),
        ("quarter", 2026, 4, "2026-10-01", "2026-12-31"),
        ("semester", 2026, 1, "2026-01-01", "2026-06-30"),
        ("semester", 2026, 2, "2026-07-01", "2026-12-31"),
        ("year", 2026, 1, "2026-01-01", "2026-12-31"),
    ],
)
def test_period_range(kind, year, number, first, last):
    assert period_range(kind, year, number) == (
        dt.date.fromisoformat(first),
        dt.date.fromisoformat(last),
    )


@pytest.mark.parametrize(
    ("kind", "year", "number"),
    [("month", 2026, 13), ("quarter", 2026, 0), ("semester", 2026, 3), ("week", 2026, 1)],
)
def test_period_range_refuses(kind, year, number):
    with pytest.raises(Invalid):
        period_range(kind, year, number)


def test_period_of_and_before():
    assert period_of("quarter", dt.date(2026, 11, 27)) == (dt.date(2026, 10, 1), DEC31)
    assert period_before("quarter", dt.date(2026, 1, 5)) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    assert period_before("month", dt.date(2026, 3, 31)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


def test_tablet_offers_the_last_finish_at_its_counter(offering):
    counter = CounterFactory(mall=offering.mall)
    now = timezone.now()
    older = SurveyInvitationFactory(
        offering=offering, counter=counter, created_at=now - dt.timedelta(minutes=3)
    )
    assert tablet_invitation(counter.pk, now) == older
    latest = SurveyInvitationFactory(offering=offering, counter=counter, created_at=now)
    SurveyInvitationFactory(offering=offering, counter=CounterFactory(mall=offering.mall))
    assert tablet_invitation(counter.pk, now) == latest
    latest.used = True
    latest.save()
    assert tablet_invitation(counter.pk, now) is None  # the last one is answered: wait
    later = now + dt.timedelta(minutes=TABLET_MINUTES, seconds=1)
    fresh = SurveyInvitationFactory(offering=offering, counter=counter, created_at=now)
    assert tablet_invitation(counter.pk, later) is None  # too old for the tablet
    assert open_token_for("ticket", fresh.transaction_id) == fresh.token
    assert open_token_for("ticket", latest.transaction_id) is None
