"""Where a booking's time goes, in-process: `booking_create` against the bare SQL.

Loads the demo into a scratch database (SQLite file or PostgreSQL), gives one service a
large quota, then in ONE process books N distinct people with
`bookings.services.booking_create` (the function the API and the pages call) and,
for the baseline, runs the bare booking transaction (the slot's conditional UPDATE +
the booking's INSERT, on the same Django connection) N times. Prints per booking:
milliseconds, SQL statements, and the ratio bare/app. No HTTP, no threads: this is
the floor the HTTP benchmark (bench/booking_rush.py) stands on.

    .venv/bin/python bench/booking_path.py --db sqlite -n 1000
    .venv/bin/python bench/booking_path.py --db postgres -n 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.booking_rush import make_niks, phone  # noqa: E402
from bench.scratch import scratch_demo  # noqa: E402
from bench.tickets import MALL  # noqa: E402

SERVICE = "dukcapil-ktp-el-baru"


def prepare(db: str) -> None:
    scratch_demo(db, name="mpp_bench_path")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument(
        "--profile", choices=["service", "api"], help="print cProfile's top functions of one loop"
    )
    args = ap.parse_args()
    prepare(args.db)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from mpp.bookings.calendar import bookable_dates
    from mpp.bookings.models import BookingPolicy, Slot
    from mpp.bookings.services import booking_create, slots_ensure
    from mpp.catalog.models import Mall, Offering

    mall = Mall.objects.get(code=MALL)
    offering = Offering.objects.get(mall=mall, service__code=SERVICE)
    policy, _ = BookingPolicy.objects.get_or_create(offering=offering)
    policy.window_days, policy.window_opens_at = 14, dt.time(0, 0)
    policy.online_per_slot, policy.is_enabled = args.n * 2, True
    policy.save()
    now = timezone.now()
    date = bookable_dates(policy, now)[-1]
    slots = slots_ensure(offering_id=offering.pk, date=date)
    starts = [f"{s.starts_at:%H:%M}" for s in slots]
    rng = random.Random(7)
    niks = make_niks(args.n + 2, rng)

    def book(i: int):
        return booking_create(
            mall=mall, service_code=SERVICE, date=date, slot_start=starts[i % len(starts)],
            nik=niks[i], name="Warga Uji", phone=phone(rng), channel="api",
        )  # fmt: skip

    book(args.n)  # warm-up (the day's slots are made, configuration read)
    with CaptureQueriesContext(connection) as ctx:
        book(args.n + 1)  # the statements of one booking
    statements = len(ctx.captured_queries)

    profiler = None
    if args.profile == "service":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    app_ms = []
    for i in range(args.n):
        t0 = time.perf_counter()
        book(i)
        app_ms.append((time.perf_counter() - t0) * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)

    # The same booking through the API handler (Django's test client: middleware, ninja,
    # rate limits, rendering; no network, no ASGI server).
    from django.test import Client

    client = Client(REMOTE_ADDR="127.0.0.1")
    http_niks = make_niks(args.n * 2, random.Random(8))[args.n :]
    api_ms = []
    statuses = []
    if args.profile == "api":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for i in range(args.n):
        body = {"service": SERVICE, "date": date.isoformat(), "slot": starts[i % len(starts)],
                "nik": http_niks[i], "name": "Warga Uji", "phone": phone(rng)}  # fmt: skip
        t0 = time.perf_counter()
        response = client.post(
            f"/api/v1/malls/{MALL}/bookings", body, content_type="application/json",
            REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        )  # fmt: skip
        api_ms.append((time.perf_counter() - t0) * 1000)
        statuses.append(response.status_code)
    if profiler is not None and args.profile == "api":
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)

    slot_ids = [s.pk for s in slots]
    cols = (
        "id, code, mall_id, offering_id, service_id, slot_id, date, nik_digest, "
        "nik_masked, name, phone, email, channel, status, reschedule_count, created_at, "
        "otp_digest, otp_attempts, otp_sends, nik_tail_digest, proof_failures"
    )
    marks = ", ".join(["%s"] * 21)
    insert = f"INSERT INTO bookings_booking ({cols}) VALUES ({marks})"
    update = (
        "UPDATE bookings_slot SET online_booked = online_booked + 1 "
        "WHERE id = %s AND online_booked < online_capacity"
    )
    sql_ms = []
    for i in range(args.n):
        slot_id = slot_ids[i % len(slot_ids)]
        row = [uuid.uuid4().hex if args.db == "sqlite" else uuid.uuid4(),
               uuid.uuid4().hex[:8].upper(), mall.pk, offering.pk, offering.service_id,
               slot_id, date, uuid.uuid4().hex + uuid.uuid4().hex, "************0001",
               "Warga Uji", "+6281200000000", "", "api", "booked", 0, timezone.now(),
               uuid.uuid4().hex * 2, 0, 1, uuid.uuid4().hex * 2, 0]  # fmt: skip
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(update, [slot_id])
            if cur.rowcount == 1:
                cur.execute(insert, row)
        sql_ms.append((time.perf_counter() - t0) * 1000)

    booked = sum(Slot.objects.filter(offering=offering, date=date).values_list(
        "online_booked", flat=True))  # fmt: skip
    app, sql = statistics.mean(app_ms), statistics.mean(sql_ms)
    print(f"db={args.db} n={args.n} slots={len(slots)} seats taken={booked}")
    print(f"booking_create: {app:.2f} ms mean, p50 {statistics.median(app_ms):.2f} ms, "
          f"{statements} SQL statements per booking")  # fmt: skip
    api = statistics.mean(api_ms)
    print(f"POST /api/v1/malls/{{mall}}/bookings in-process: {api:.2f} ms mean, "
          f"p50 {statistics.median(api_ms):.2f} ms, answers {dict(Counter(statuses))}")  # fmt: skip
    print(f"bare SQL transaction: {sql:.2f} ms mean, p50 {statistics.median(sql_ms):.2f} ms")
    print(f"ratio bare/booking_create = {sql / app:.3f}, bare/API handler = {sql / api:.3f}")


if __name__ == "__main__":
    main()
