"""A booth's survey answers of a day, counted once the day has ended: the only survey
event agencies' systems hear of (webhook type "survey.submitted").

Why a digest and not an event per answer: docs/survey-privacy.md forbids any event at
the moment an answer is given, because it would sit in the log right after the
ticket.finished it follows and join the anonymous answer to its transaction. So this
periodic job (every hour, in `mpp worker`) looks at the days that have ENDED in each
mall's own time zone, at most LOOKBACK_DAYS back, and writes for each booth and day
ONE event "survey.submitted" (subject "survey_day", id "<booth id>:<date>") with the
number of answers and the day's IKM for that booth. Nothing else of an answer (scores,
profile, comment, channel, service) is in it.

A booth's day with fewer than privacy.MIN_ANSWERS (5) answers is not reported at all,
then or later: the same k-anonymity rule as the reports. A day is reported once: the
job looks for the event before writing it, in its own transaction (and PeriodicRun lets
one worker run it per period).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from mpp.catalog.models import Mall
from mpp.core.events import event_record
from mpp.core.models import Event
from mpp.surveys import ikm, privacy
from mpp.surveys.models import SurveyResponse
from mpp.surveys.selectors import index_of

KIND = "survey.submitted"
SUBJECT_TYPE = "survey_day"
EVERY_SECONDS = 3600
LOOKBACK_DAYS = 7
CHUNK = 500  # subject ids per look-up of events already written


def subject_id(booth_id: int, day: dt.date) -> str:
    return f"{booth_id}:{day.isoformat()}"


def _ended_days(rows, zones: dict[int, ZoneInfo], now: dt.datetime):
    """The rows whose day has ended in their mall's time zone, within the look-back."""
    for row in rows:
        zone = zones.get(row["mall_id"])
        if zone is None:
            continue
        today = now.astimezone(zone).date()
        if today - dt.timedelta(days=LOOKBACK_DAYS) <= row["submitted_on"] < today:
            yield row


def survey_digest(*, now: dt.datetime | None = None) -> int:
    """Write the "survey.submitted" events due at `now`; how many were written."""
    now = now or timezone.now()
    zones = {pk: ZoneInfo(name) for pk, name in Mall.objects.values_list("pk", "timezone")}
    # Every mall's window lies within these UTC-ish bounds; _ended_days narrows per mall.
    utc_today = now.astimezone(dt.UTC).date()
    rows = (
        SurveyResponse.objects.filter(
            booth__isnull=False,
            submitted_on__gte=utc_today - dt.timedelta(days=LOOKBACK_DAYS + 1),
            submitted_on__lte=utc_today + dt.timedelta(days=1),
        )
        .values("mall_id", "booth_id", "submitted_on")
        .annotate(n=Count("pk"), **{f"sum_{e.field}": Sum(e.field) for e in ikm.ELEMENTS})
        .filter(n__gte=privacy.MIN_ANSWERS)  # smaller days are never reported
        .order_by("submitted_on", "mall_id", "booth_id")
    )
    written = 0
    with transaction.atomic():
        due = {
            subject_id(r["booth_id"], r["submitted_on"]): r for r in _ended_days(rows, zones, now)
        }
        keys, done = list(due), set()
        for start in range(0, len(keys), CHUNK):
            done.update(
                Event.objects.filter(kind=KIND, subject_id__in=keys[start : start + CHUNK])
                .values_list("subject_id", flat=True)
                .order_by()
            )
        for key, row in due.items():
            if key in done:
                continue
            n = row["n"]
            totals = {e.code: int(row[f"sum_{e.field}"] or 0) for e in ikm.ELEMENTS}
            _exact, rounded, _mutu, _nrrs = index_of(totals, n)
            event_record(
                kind=KIND,
                subject_type=SUBJECT_TYPE,
                subject_id=key,
                mall_id=row["mall_id"],
                data={
                    "booth_id": row["booth_id"],
                    "date": row["submitted_on"].isoformat(),
                    "responses": n,
                    "ikm": float(rounded),
                },
                occurred_at=now,
            )
            written += 1
    return written


def survey_digest_job() -> int:
    """The periodic job (no arguments: the time is now)."""
    return survey_digest()
