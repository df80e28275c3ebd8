"""Reads of applications: by number, opened by a citizen, history, the officer's queue,
a mall's figures, a citizen's cases by phone."""

import datetime as dt

import pytest

from mpp.accounts.models import Role
from mpp.cases import selectors, services
from mpp.cases.models import Case
from mpp.cases.numbers import number_display
from mpp.core.errors import NotFound
from mpp.core.ratelimit import RateLimited
from tests.cases.lifecycle import FRIDAY, S, at, case_type, officer_of, start, step, submitted
from tests.factories import UserFactory

D = dt.date


@pytest.fixture
def ctype(mall):
    return case_type(mall)


@pytest.fixture
def officer(ctype):
    return officer_of(ctype)


def test_case_by_number_takes_any_typed_form(ctype):
    case = start(ctype)
    typed = number_display(case.number).lower().replace("-", " ")
    assert selectors.case_by_number(typed) == case
    assert selectors.case_by_number("26-0000-0000") is None
    assert selectors.case_by_number("") is None
    assert selectors.case_by_id(case.pk) == case
    assert selectors.case_by_id("not-a-uuid") is None


def test_case_open_needs_the_nik_digits_and_says_the_same_for_either_mistake(ctype):
    case = start(ctype)
    assert selectors.case_open(number=case.number, nik_last4="0001") == case
    with pytest.raises(NotFound) as wrong_digits:
        selectors.case_open(number=case.number, nik_last4="0002")
    with pytest.raises(NotFound) as wrong_number:
        selectors.case_open(number="26ABCDEFGH", nik_last4="0001")
    with pytest.raises(NotFound) as garbage:
        selectors.case_open(number="'; drop", nik_last4="x")
    assert wrong_digits.value.message == wrong_number.value.message == garbage.value.message
    assert wrong_digits.value.code == "case_not_found"


def test_case_open_is_throttled_per_number(ctype, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "case_open_number": (3, 600)}
    case, other = start(ctype), start(ctype)
    for _ in range(3):
        with pytest.raises(NotFound):
            selectors.case_open(number=case.number, nik_last4="9999")
    with pytest.raises(RateLimited):  # even with the right digits now
        selectors.case_open(number=case.number, nik_last4="0001")
    assert selectors.case_open(number=other.number, nik_last4="0001") == other


def test_history_for_the_citizen_hides_staff_matters(ctype, officer):
    case = step(submitted(ctype), S.VERIFICATION, officer)
    case = step(case, S.RETURNED, officer, note="Foto KTP buram.", internal_note="cek ulang")
    services.case_assign(case=case, officer=officer, actor=officer)
    staff = selectors.case_history(case, for_citizen=False)
    citizen = selectors.case_history(case, for_citizen=True)
    assert [e.kind for e in staff] == [
        "started",
        "transition",
        "transition",
        "transition",
        "assigned",
    ]
    assert [e.kind for e in citizen] == ["started", "transition", "transition", "transition"]
    returned = citizen[-1]
    assert returned.note == "Foto KTP buram." and returned.internal_note == ""
    assert returned.actor_label == "" and staff[-2].internal_note == "cek ulang"


def test_booth_queue_overdue_first_then_by_due_date(ctype, officer):
    today = D(2026, 3, 26)
    early = submitted(ctype, now=at(2026, 3, 2))  # due Mon 9 March: overdue
    ctype.completion_days = 10
    ctype.save()
    later = submitted(ctype, now=FRIDAY)  # due in April
    ctype.completion_days = 3
    ctype.save()
    middle = submitted(ctype, now=FRIDAY)  # due Wed 25 March: overdue on 26
    step(step(submitted(ctype), S.VERIFICATION, officer), S.RETURNED, officer, note="x")
    start(ctype)  # a draft: never in the queue
    closed = step(submitted(ctype), S.VERIFICATION, officer)
    step(closed, S.REJECTED, officer, note="Bukan wewenang dinas ini.")
    elsewhere = submitted(case_type(ctype.mall))  # another booth
    view = selectors.booth_queue(user=officer, today=today)
    rows = list(view.rows)
    assert rows[:2] == [early, middle]
    assert [r.is_overdue for r in rows] == [True, True, False, False]
    assert later in rows and elsewhere not in rows
    assert view.counts[S.SUBMITTED] == 3 and view.counts[S.RETURNED] == 1
    assert view.counts[S.REJECTED] == 1 and S.DRAFT not in view.counts
    assert view.overdue_count == 2
    assert list(selectors.booth_queue(user=officer, today=today, overdue=True).rows) == [
        early,
        middle,
    ]
    only_returned = selectors.booth_queue(user=officer, status=S.RETURNED, today=today)
    assert [r.status for r in only_returned.rows] == [S.RETURNED]
    by_code = selectors.booth_queue(user=officer, service=ctype.service.code, today=today)
    assert len(list(by_code.rows)) == 4
    assert list(selectors.booth_queue(user=officer, service="nope", today=today).rows) == []
    manager = UserFactory(mall=ctype.mall, role=Role.MALL_MANAGER)
    assert elsewhere in selectors.booth_queue(user=manager, today=today).rows
    assert list(selectors.booth_queue(user=UserFactory(role=Role.OFFICER), today=today).rows) == []
    assert selectors.case_for_staff(user=officer, number=elsewhere.number) is None
    assert selectors.case_for_staff(user=manager, number=elsewhere.number) == elsewhere


def test_mall_case_figures_by_hand(mall):
    ktp = case_type(mall, completion_days=3)
    officer = officer_of(ktp)
    # A: Fri 13 March, due Wed 25, ready Tue 17 March: 2 working days, within
    a = step(submitted(ktp), S.VERIFICATION, officer)
    a = step(a, S.PROCESSING, officer)
    step(a, S.READY, officer, now=at(2026, 3, 17, 15))
    # B: Mon 2 March, due Thu 5, ready Mon 9 March: 5 working days, late
    b = step(submitted(ktp, now=at(2026, 3, 2)), S.VERIFICATION, officer, now=at(2026, 3, 2, 11))
    b = step(b, S.PROCESSING, officer, now=at(2026, 3, 3))
    b = step(b, S.READY, officer, now=at(2026, 3, 9))
    step(b, S.COMPLETED, officer, now=at(2026, 3, 10))
    # C: Mon 2 March, returned Tue 3, back Thu 5 (2 days paused; due Thu 5 -> Mon 9),
    # ready Mon 9: 5 working days less 2 paused = 3, within
    c = step(submitted(ktp, now=at(2026, 3, 2)), S.VERIFICATION, officer, now=at(2026, 3, 2, 11))
    c = step(c, S.RETURNED, officer, now=at(2026, 3, 3), note="KK")
    c = services.case_submit(case=c, channel="web", now=at(2026, 3, 5))
    assert c.due_on == D(2026, 3, 9)
    c = step(c, S.VERIFICATION, officer, now=at(2026, 3, 5, 11))
    c = step(c, S.PROCESSING, officer, now=at(2026, 3, 6))
    step(c, S.READY, officer, now=at(2026, 3, 9, 15))
    # D: still processing, submitted in February (out of the period below)
    step(submitted(ktp, now=at(2026, 2, 2)), S.VERIFICATION, officer, now=at(2026, 2, 2, 11))
    start(ktp)  # a draft is not counted
    figures = selectors.mall_case_figures(mall=mall, start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert figures.total == 3
    assert figures.counts[S.READY] == 2 and figures.counts[S.COMPLETED] == 1
    [service] = figures.services
    assert (service.total, service.finished) == (3, 3)
    assert service.median_days == 3.0  # of 2, 3 and 5
    assert service.within_standard_pct == pytest.approx(66.7)
    assert figures.median_days == 3.0 and figures.within_standard_pct == pytest.approx(66.7)
    everything = selectors.mall_case_figures(mall=mall, today=D(2026, 4, 1))
    assert everything.total == 4
    assert [case.status for case in everything.overdue] == [S.VERIFICATION]


def test_cases_for_phone_in_any_form_across_malls(ctype):
    mine = start(ctype, phone="0812 3456 7890")
    elsewhere = start(case_type(), phone="+6281234567890")
    start(ctype, phone="0813-1111-2222")
    start(ctype, phone="")
    found = selectors.cases_for_phone("62-812-3456-7890")
    assert set(found) == {mine, elsewhere}
    assert selectors.cases_for_phone("") == [] and selectors.cases_for_phone("abc") == []
    assert Case.objects.count() == 4
