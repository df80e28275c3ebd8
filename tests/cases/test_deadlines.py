"""Deadlines of applications in the mall's working days, against calendars worked out by
hand from the 2025-2027 Indonesian holidays and cuti bersama (holidays==0.109):

March 2026: Wed 18 cuti bersama (Nyepi), Thu 19 Nyepi, Fri 20 cuti bersama (Idul Fitri),
Sat 21 - Sun 22 Idul Fitri, Mon 23 and Tue 24 cuti bersama.
Christmas 2026: Thu 24 Dec cuti bersama, Fri 25 Dec. New Year 2027: Fri 1 Jan.
Lebaran 2025: Fri 28 Mar cuti bersama (Nyepi), Mon 31 Mar - Tue 1 Apr Idul Fitri, Wed 2 -
Fri 4 Apr and Mon 7 Apr cuti bersama.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mpp.bookings.models import ClosedDay
from mpp.cases.deadlines import (
    MallCalendar,
    due_date,
    escalation_day,
    extend_for_pause,
    is_overdue,
    paused_days,
    working_days_between,
)
from mpp.cases.models import Case
from mpp.catalog.hours import closed_days
from tests.factories import CaseFactory, MallFactory

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")
UTC = dt.UTC
D = dt.date


def at(y, m, d, hh=10, mm=0, tz=WIB):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Fri 13 March 2026: Mon 16 (1), Tue 17 (2), 18-24 off, Wed 25 (3), Thu 26 (4), Fri 27 (5)
        (at(2026, 3, 13), 5, D(2026, 3, 27)),
        (at(2026, 3, 13), 3, D(2026, 3, 25)),
        (at(2026, 3, 13), 2, D(2026, 3, 17)),
        # Tuesday 17 March 2026, 1 day: everything to Tuesday 24 is off -> Wednesday 25
        (at(2026, 3, 17), 1, D(2026, 3, 25)),
        # sent on a day off (Saturday 21 March, Idul Fitri): day 1 is Wednesday 25
        (at(2026, 3, 21), 1, D(2026, 3, 25)),
        # Wednesday 23 December 2026: 24 and 25 off, Mon 28 (1), Tue 29 (2), Wed 30 (3)
        (at(2026, 12, 23), 3, D(2026, 12, 30)),
        # over New Year: Thu 31 (4), Fri 1 Jan off, Mon 4 Jan 2027 (5)
        (at(2026, 12, 23), 5, D(2027, 1, 4)),
        # Thursday 27 March 2025: Fri 28 off, 31 Mar - 7 Apr off: Tue 8 (1), Wed 9 (2), Thu 10 (3)
        (at(2025, 3, 27), 3, D(2025, 4, 10)),
        # zero days: the day itself
        (at(2026, 3, 13), 0, D(2026, 3, 13)),
    ],
)
def test_due_date_by_hand(mall, start, days, due):
    assert due_date(mall=mall, start=start, days=days) == due


def test_the_day_of_submission_is_the_malls_local_day(db):
    jakarta = MallFactory(timezone="Asia/Jakarta")
    jayapura = MallFactory(timezone="Asia/Jayapura")
    # 15:30 UTC on Thursday 12 March 2026: 22:30 Thursday in Jakarta, 00:30 Friday in Jayapura
    sent = dt.datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
    # Jakarta: Fri 13 (1), Mon 16 (2), Tue 17 (3), Wed 25 (4), Thu 26 (5)
    assert due_date(mall=jakarta, start=sent, days=5) == D(2026, 3, 26)
    # Jayapura: counted from Friday: Mon 16 (1), Tue 17 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5)
    assert due_date(mall=jayapura, start=sent, days=5) == D(2026, 3, 27)
    # 20:00 UTC on Thursday is Friday 03:00 in Jakarta: counted from Friday
    assert due_date(mall=jakarta, start=dt.datetime(2026, 3, 12, 20, tzinfo=UTC), days=5) == D(
        2026, 3, 27
    )


def test_the_malls_own_closed_days_are_skipped(mall):
    ClosedDay.objects.create(mall=mall, date=D(2026, 12, 28), reason="Rapat kerja")
    other = MallFactory()
    assert closed_days(mall, D(2026, 12, 1), D(2026, 12, 31)) == {D(2026, 12, 28)}
    assert closed_days(other, D(2026, 12, 1), D(2026, 12, 31)) == set()
    # Wed 23 Dec: 24, 25 off, Mon 28 closed by the mall: Tue 29 (1), Wed 30 (2), Thu 31 (3)
    assert due_date(mall=mall, start=at(2026, 12, 23), days=3) == D(2026, 12, 31)
    assert due_date(mall=other, start=at(2026, 12, 23), days=3) == D(2026, 12, 30)
    # ... and Mon 4 Jan 2027 (4), 1 Jan being New Year
    assert due_date(mall=mall, start=at(2026, 12, 23), days=4) == D(2027, 1, 4)
    assert MallCalendar(mall).is_working_day(D(2026, 12, 28)) is False
    assert MallCalendar(other).is_working_day(D(2026, 12, 28)) is True


def test_a_pause_adds_the_working_days_it_stood_still(mall):
    due = D(2026, 3, 27)
    # returned Monday 16 March, back on Wednesday 25: Tue 17 (1), Wed 25 (2) -> 2 days
    assert paused_days(mall=mall, paused_from=at(2026, 3, 16), resumed_at=at(2026, 3, 25, 9)) == 2
    # 27 March + 2 working days: Mon 30, Tue 31
    assert extend_for_pause(
        mall=mall, due_on=due, paused_from=at(2026, 3, 16), resumed_at=at(2026, 3, 25, 9)
    ) == D(2026, 3, 31)
    # returned and answered the same day: nothing added
    assert (
        extend_for_pause(
            mall=mall, due_on=due, paused_from=at(2026, 3, 16, 9), resumed_at=at(2026, 3, 16, 15)
        )
        == due
    )
    # returned Tuesday 17, back on Monday 23 (cuti bersama): no working day passed
    assert (
        extend_for_pause(
            mall=mall, due_on=due, paused_from=at(2026, 3, 17), resumed_at=at(2026, 3, 23)
        )
        == due
    )


def test_a_pause_skips_the_malls_closed_days_too(mall):
    ClosedDay.objects.create(mall=mall, date=D(2026, 3, 31), reason="Audit")
    # 27 March + 2: Mon 30 (1), Tue 31 closed, Wed 1 April (2)
    assert extend_for_pause(
        mall=mall, due_on=D(2026, 3, 27), paused_from=at(2026, 3, 16), resumed_at=at(2026, 3, 25)
    ) == D(2026, 4, 1)


@pytest.mark.parametrize(
    ("due", "warned"),
    [
        (D(2026, 3, 25), D(2026, 3, 17)),  # the working day before Wed 25 is Tue 17
        (D(2026, 3, 30), D(2026, 3, 27)),  # Monday -> the Friday before
        (D(2026, 12, 28), D(2026, 12, 23)),  # after Christmas -> Wednesday 23
        (D(2025, 4, 8), D(2025, 3, 27)),  # after Lebaran 2025 -> Thursday 27 March
    ],
)
def test_escalation_day_is_the_working_day_before(mall, due, warned):
    assert escalation_day(mall=mall, due_on=due) == warned


def test_working_days_between(mall):
    assert working_days_between(mall=mall, start=at(2026, 3, 13), end=at(2026, 3, 27)) == 5
    assert working_days_between(mall=mall, start=at(2026, 3, 27), end=at(2026, 3, 13)) == -5
    assert working_days_between(mall=mall, start=at(2026, 3, 13), end=at(2026, 3, 13, 18)) == 0


@pytest.mark.parametrize(
    ("status", "due", "today", "overdue"),
    [
        (Case.Status.PROCESSING, D(2026, 3, 25), D(2026, 3, 26), True),
        (Case.Status.SUBMITTED, D(2026, 3, 25), D(2026, 3, 26), True),
        (Case.Status.VERIFICATION, D(2026, 3, 25), D(2026, 3, 25), False),  # due today: not yet
        (Case.Status.RETURNED, D(2026, 3, 25), D(2026, 4, 6), False),  # the clock stands still
        (Case.Status.READY, D(2026, 3, 25), D(2026, 4, 6), False),  # met
        (Case.Status.COMPLETED, D(2026, 3, 25), D(2026, 4, 6), False),
        (Case.Status.DRAFT, None, D(2026, 4, 6), False),
    ],
)
def test_is_overdue(db, status, due, today, overdue):
    case = CaseFactory(status=status, due_on=due)
    assert is_overdue(case, today) is overdue
