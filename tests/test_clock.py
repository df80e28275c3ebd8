"""The test clock (tests/clock.py): moved time reaches child processes, working-day helpers
count holidays and cuti bersama, and a moved clock keeps running."""

import datetime as dt
import subprocess
import sys
import time

from mpp.core import workdays
from tests import clock as test_clock
from tests.parallel import ROOT

CHILD = "import time; print(time.time())"


def child_time(env) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return float(out.stdout)


def test_a_child_process_shares_the_moved_clock(clock):
    moved = clock.move_to("2027-03-05T23:59:50+07:00")
    seen = child_time(test_clock.subprocess_env())
    assert 0 <= seen - moved.timestamp() < 30  # started after the move, on the moved clock
    assert abs(seen - test_clock.real_time()) > 3600  # not the real clock


def test_the_moved_clock_ticks_unless_frozen(clock):
    clock.move_to("2026-12-24T23:59:59+07:00")
    time.sleep(1.1)
    assert clock.today() == dt.date(2026, 12, 25)  # ticked past midnight in Jakarta
    clock.move_to("2026-12-24T23:59:59+07:00", tick=False)
    time.sleep(1.1)
    assert clock.today() == dt.date(2026, 12, 24)


def test_working_day_helpers_skip_holidays_and_cuti_bersama(clock):
    clock.move_to("2027-03-05T23:59:50+07:00")  # Friday before Nyepi and Idul Fitri
    assert test_clock.working_day_ahead(1) == dt.date(2027, 3, 16)
    assert test_clock.working_day_before(1, dt.date(2027, 3, 16)) == dt.date(2027, 3, 5)
    assert test_clock.day_off_ahead() == dt.date(2027, 3, 8)  # Nyepi, a Monday
    clock.move_to("2026-12-28T10:00:00+07:00")  # after Christmas and its cuti bersama
    received = test_clock.working_days_ago(6)
    assert workdays.working_days_between(received, clock.now()) == 6
    assert received.date() == dt.date(2026, 12, 16)


def test_midday_keeps_the_date_and_working_day_skips_days_off(clock):
    clock.move_to("2026-12-25T23:59:58+07:00")  # Christmas
    assert clock.midday() == dt.datetime(2026, 12, 25, 10, tzinfo=test_clock.JAKARTA)
    assert clock.working_day().date() == dt.date(2026, 12, 28)
    assert test_clock.seconds_to_midnight() > 13 * 3600
