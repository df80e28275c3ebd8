"""The test clock: move "now" for one test or for the whole run, and count working days.

Why: tests that involve a day, an hour or a deadline broke on their own when the real
date moved on (a "future" day became the past, a week held a holiday, a test straddled
midnight in Jakarta). Such tests take their clock from the `clock` fixture
(tests/conftest.py) and compute expected dates from core.workdays, and CI runs them a
second time with the whole session's clock moved:

    MPP_TEST_NOW=2027-03-26T23:59:50+07:00 .venv/bin/pytest -m clock

MPP_TEST_NOW moves the clock of the test process (time-machine, ticking) at session
start and back to the same instant at the start of every test, so a failure shows again
when the test is run alone. Subprocesses started by tests follow it through
`subprocess_env()`: it passes the offset between the moved and the real clock
(MPP_TEST_CLOCK_SHIFT) and puts tests/clock_site on PYTHONPATH, whose sitecustomize
moves the child's clock by the same offset before anything else runs, so parent and
children agree on the time to the millisecond (worker processes start at an agreed
epoch second). Threads (the live server) share the process and its clock;
time.monotonic() is never moved.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

from mpp.core import workdays

ENV_NOW = "MPP_TEST_NOW"
ENV_SHIFT = "MPP_TEST_CLOCK_SHIFT"
SITE_DIR = Path(__file__).resolve().parent / "clock_site"
JAKARTA = ZoneInfo("Asia/Jakarta")


def parse_instant(value: str | dt.datetime) -> dt.datetime:
    """An aware datetime from an ISO string or datetime; naive means Jakarta time."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JAKARTA)
    return moment


def real_time() -> float:
    """The real epoch seconds, whatever the moved clock says."""
    return time_machine.escape_hatch.time.time()


def shift_seconds() -> float:
    """How far the moved clock is ahead of the real one (0.0 when not moved)."""
    if not time_machine.escape_hatch.is_travelling():
        return 0.0
    return time.time() - real_time()


def subprocess_env(base: dict | None = None) -> dict:
    """`base` (default os.environ) plus what makes a child process share this clock."""
    env = dict(os.environ if base is None else base)
    env.pop(ENV_NOW, None)  # the child follows the offset, not the session's start
    shift = shift_seconds()
    if shift:
        env[ENV_SHIFT] = repr(shift)
        paths = [str(SITE_DIR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop(ENV_SHIFT, None)
    return env


class Clock:
    """Moves "now" (time-machine) for one test; stops when the test ends.

    tick=True (default): time runs on from the instant, as the real one does, so code
    that waits or measures still works; tick=False freezes it.
    """

    def __init__(self) -> None:
        self._travels: list[time_machine.travel] = []

    def move_to(self, when: str | dt.datetime, *, tick: bool = True) -> dt.datetime:
        """Go to `when` (ISO string or datetime; naive = Jakarta). Returns it, aware."""
        moment = parse_instant(when)
        travel = time_machine.travel(moment.timestamp(), tick=tick)
        travel.start()
        time.time()  # the moved clock runs from now, not from its first reading
        self._travels.append(travel)
        return moment

    def midday(self, tz=JAKARTA) -> dt.datetime:
        """10:00 of today in `tz`: for a test that would fail if it straddled midnight
        (a ticket issued on one day and read on the next), keeping today's date."""
        return self.move_to(dt.datetime.combine(self.today(tz), dt.time(10), tzinfo=tz))

    def working_day(self, at: dt.time = dt.time(10), tz=JAKARTA) -> dt.datetime:
        """`at` (local) today if today is a working day, else on the next one: for a test
        of what a mall offers "today", which it does not on a holiday."""
        day = self.today(tz)
        if not workdays.is_working_day(day):
            day = workdays.working_day_after(day, 1)
        return self.move_to(dt.datetime.combine(day, at, tzinfo=tz))

    def shift(self, delta: dt.timedelta) -> dt.datetime:
        """Jump forward (or back) by `delta` from now."""
        return self.move_to(self.now() + delta)

    def now(self, tz=JAKARTA) -> dt.datetime:
        return dt.datetime.now(tz)

    def today(self, tz=JAKARTA) -> dt.date:
        return self.now(tz).date()

    def stop(self) -> None:
        while self._travels:
            self._travels.pop().stop()


def today(tz=JAKARTA) -> dt.date:
    """Today in `tz` on the (possibly moved) clock."""
    return dt.datetime.now(tz).date()


def working_day_ahead(n: int = 1, start: dt.date | None = None) -> dt.date:
    """The n-th working day after `start` (default today in Jakarta)."""
    return workdays.working_day_after(start or today(), n)


def working_day_before(n: int = 1, start: dt.date | None = None) -> dt.date:
    """The n-th working day before `start` (default today in Jakarta)."""
    day = start or today()
    while n > 0:
        day -= dt.timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return day


def working_days_ago(n: int, at: dt.time = dt.time(10), tz=JAKARTA) -> dt.datetime:
    """`at` (local) on the n-th working day before today: received then, a deadline of
    n - 1 working days has passed by today, whatever holidays lie between."""
    return dt.datetime.combine(working_day_before(n, today(tz)), at, tzinfo=tz)


def day_off_ahead(start: dt.date | None = None, *, weekday: bool = True) -> dt.date:
    """The next national holiday or cuti bersama after `start` (on a weekday, by default)."""
    day = start or today()
    for _ in range(workdays.MAX_DAYS):
        day += dt.timedelta(days=1)
        if not workdays.is_working_day(day) and (not weekday or day.weekday() < 5):
            return day
    raise LookupError("no day off in ten years")


def seconds_to_midnight(tz=JAKARTA) -> float:
    """Seconds until the next local midnight in `tz` on the (possibly moved) clock."""
    now = dt.datetime.now(tz)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return (midnight - now).total_seconds()
