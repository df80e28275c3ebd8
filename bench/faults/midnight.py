"""Fault injection for the end of the queue day: the clock at 23:59:5x in each time zone.

A served app (uvicorn on mpp.asgi:application, in a subprocess) whose clock is moved
with time-machine by a small launcher (this file with --launch: the server process
reads its "now" from a file this script writes, and keeps ticking from there), a
scratch database (SQLite or PostgreSQL), three malls in WIT (Asia/Jayapura), WITA
(Asia/Makassar) and WIB (Asia/Jakarta), and no `mpp worker` at all: the day must end
without the periodic expiry job.

For each zone in turn, the server's clock goes to 23:59:56 in that mall's zone. Before
midnight: tickets are issued, two are called and one is being served at the two
counters (left open, as an officer does who goes home). Then clients keep issuing
tickets and officers keep calling, starting and finishing while the clock runs over
midnight. After 00:00:02 local time, checked through the API (and the database):
- no ticket of the old day is waiting or at a counter or on the board, and every
  one of them reads as finished, no-show or expired on its API and its page;
- both counters are callable (call-next answers 200 with a ticket of the new day,
  never 409 counter_busy with an old one);
- numbers restart: the new day's numbers are A-001.. without gaps or repeats;
- nothing lost: every ticket a client got (201) is in the database, and none of the
  old day is left in limbo (still open: the citizen is neither served nor told the
  day is over); every old day ticket expired has exactly one expiry event, by the
  system;
- nothing duplicated: no ticket called twice, no number given twice in a day;
- 0 answers 5xx (and no connection error).

    .venv/bin/python bench/faults/midnight.py [--short] [--db sqlite|postgres]
    .venv/bin/python -m bench.faults.midnight --short
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.faults.common import scratch_env  # noqa: E402
from bench.tickets import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, this folder is first on sys.path: a sibling part (redis.py) would
# shadow the real package. The repository root takes its place.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

PART = "midnight"
MPP = str(Path(sys.executable).with_name("mpp"))
ZONES = (("Asia/Jayapura", "WIT"), ("Asia/Makassar", "WITA"), ("Asia/Jakarta", "WIB"))
OLD_DAY = dt.date(2026, 12, 6)  # the server's day before midnight (any day works)
NEW_DAY = OLD_DAY + dt.timedelta(days=1)
FINAL = {"done", "no_show", "expired"}
OPEN = {"waiting", "called", "serving"}


def write_clock(path: Path, moment: dt.datetime) -> None:
    """Tell the server its new "now" (atomically: it never reads half a line)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(moment.isoformat())
    os.replace(tmp, path)


def launch(port: int, clock_file: Path) -> None:
    """The server process: time-machine from the clock file, then uvicorn."""
    import time_machine

    seen = clock_file.read_text().strip()
    traveller = time_machine.travel(dt.datetime.fromisoformat(seen), tick=True).start()
    time.time()  # the moved clock runs from now

    def follow() -> None:
        nonlocal seen
        while True:
            text = clock_file.read_text().strip()
            if text and text != seen:
                traveller.move_to(dt.datetime.fromisoformat(text))
                seen = text
            time.sleep(0.01)

    threading.Thread(target=follow, daemon=True).start()
    import uvicorn

    uvicorn.run("mpp.asgi:application", host="127.0.0.1", port=port, log_level="warning")


def prepare(db: str, name: str) -> dict:
    """A scratch database, migrated; returns the environment for the server (Redis off:
    in-process fan-out, one server process)."""
    return scratch_env(db, name=name, load=["migrate", "--no-input"])


class Tally:
    """Every answer the clients got, and what the checks found."""

    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.errors = 0  # 5xx and connection errors
        self.issued: dict[str, str] = {}  # ticket id -> mall code
        self.called: list[str] = []  # ticket ids call-next answered
        self.failures: list[str] = []
        self.checks = 0

    def check(self, ok: bool, what: str) -> None:
        self.checks += 1
        if not ok:
            self.failures.append(what)
            if len(self.failures) <= 20:
                print(f"  FAIL {what}", flush=True)
            elif len(self.failures) == 21:
                print("  (more failures not shown)", flush=True)

    def note(self, response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.errors += 1
            print(f"  5xx {response.request.url}: {response.text[:200]}", flush=True)


async def request(client, tally: Tally, method: str, url: str, **kwargs):
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a transport error counts like a 500
        tally.errors += 1
        print(f"  error {method} {url}: {exc!r}", flush=True)
        return None
    tally.note(response)
    return response


async def issue(client, tally: Tally, place: dict) -> dict | None:
    r = await request(
        client,
        tally,
        "POST",
        f"/api/v1/malls/{place['mall']}/tickets",
        json=place["body"],
        headers=place["kiosk"],  # a registered kiosk of the mall (mpp.devices)
    )
    if r is not None and r.status_code == 201:
        body = r.json()
        tally.issued[body["id"]] = place["mall"]
        return body
    return None


async def act(client, tally: Tally, place: dict, path: str):
    return await request(client, tally, "POST", f"/api/v1/{path}", headers=place["auth"])


async def call_next(client, tally: Tally, place: dict, counter_id: int):
    r = await act(client, tally, place, f"counters/{counter_id}/call-next")
    if r is not None and r.status_code == 200:
        tally.called.append(r.json()["id"])
    return r


async def server_now(client, place: dict) -> dt.datetime:
    r = await client.get(f"/api/v1/malls/{place['mall']}/board")
    return dt.datetime.fromisoformat(r.json()["generated_at"]).astimezone(place["tz"])


async def move_clock(client, clock_file: Path, place: dict, moment: dt.datetime) -> None:
    write_clock(clock_file, moment)
    for _ in range(200):
        now = await server_now(client, place)
        if abs((now - moment).total_seconds()) < 1.0:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("the server's clock did not move")


async def officer_loop(client, tally, place, counter_id, until: dt.datetime) -> None:
    """Call, start and finish at one counter until the server's clock passes `until`.

    Before midnight the counter may be busy with the ticket left at it (409); from half a
    second after midnight (read just before the call) it never may: that ticket is old.
    """
    midnight = dt.datetime.combine(NEW_DAY, dt.time(0, 0, 0, 500_000), place["tz"])
    while (now := await server_now(client, place)) < until:
        r = await call_next(client, tally, place, counter_id)
        if r is not None and r.status_code == 409 and now >= midnight:
            tally.check(False, f"{place['zone']}: counter busy after midnight: {r.text[:120]}")
        if r is None or r.status_code != 200:
            await asyncio.sleep(0.05)  # 204 nobody waits, 409 busy (the old day's ticket)
            continue
        ticket = r.json()["id"]
        await act(client, tally, place, f"tickets/{ticket}/start")
        await act(client, tally, place, f"tickets/{ticket}/finish")


async def kiosk_loop(client, tally, place, until: dt.datetime) -> None:
    while await server_now(client, place) < until:
        await issue(client, tally, place)
        await asyncio.sleep(0.03)


async def zone_round(client, tally: Tally, clock_file: Path, place: dict, *, kiosks: int) -> None:
    tz = place["tz"]
    print(f"-- {place['zone']} ({place['mall']}): clock at 23:59:56 {place['zone']}", flush=True)
    await move_clock(
        client, clock_file, place, dt.datetime.combine(OLD_DAY, dt.time(23, 59, 56), tz)
    )
    # Before midnight: six tickets, one called, one being served, the rest waiting.
    for _ in range(6):
        await issue(client, tally, place)
    c1, c2 = place["counters"]
    serving = await call_next(client, tally, place, c1)
    await act(client, tally, place, f"tickets/{serving.json()['id']}/start")
    await call_next(client, tally, place, c2)
    board = (await client.get(f"/api/v1/malls/{place['mall']}/board")).json()
    tally.check(board["date"] == OLD_DAY.isoformat(), f"{place['zone']}: board of the old day")
    tally.check(
        sum(1 for row in board["now_serving"] if row["ticket"]) == 2,
        f"{place['zone']}: two tickets at counters before midnight",
    )
    # Over midnight: kiosks issue and officers work until 00:00:02 local.
    until = dt.datetime.combine(NEW_DAY, dt.time(0, 0, 2), tz)
    await asyncio.gather(
        *(kiosk_loop(client, tally, place, until) for _ in range(kiosks)),
        *(officer_loop(client, tally, place, c, until) for c in place["counters"]),
    )
    # After midnight: two new tickets, and both counters must call one of them.
    fresh = [await issue(client, tally, place) for _ in range(2)]
    for counter_id in place["counters"]:
        r = await act(client, tally, place, f"counters/{counter_id}/call-next")
        if r is not None and r.status_code == 409:  # finish what this counter holds today
            current = place_current(place, counter_id)
            if current:
                await act(client, tally, place, f"tickets/{current}/start")
                await act(client, tally, place, f"tickets/{current}/finish")
            r = await act(client, tally, place, f"counters/{counter_id}/call-next")
        ok = r is not None and r.status_code == 200
        if ok:
            tally.called.append(r.json()["id"])
        tally.check(ok, f"{place['zone']}: counter {counter_id} callable after midnight")
        if ok:
            tally.check(
                ticket_day(r.json()["id"]) == NEW_DAY,
                f"{place['zone']}: counter {counter_id} called a ticket of the new day",
            )
    tally.check(all(fresh), f"{place['zone']}: tickets issued after midnight")
    await check_after(client, tally, place)


def place_current(place: dict, counter_id: int) -> str | None:
    from mpp.queueing.models import Ticket

    t = Ticket.objects.filter(
        counter_id=counter_id, service_date=NEW_DAY, status__in=["called", "serving"]
    ).first()
    return str(t.pk) if t else None


def ticket_day(ticket_id: str) -> dt.date | None:
    from mpp.queueing.models import Ticket

    return Ticket.objects.filter(pk=ticket_id).values_list("service_date", flat=True).first()


async def check_after(client, tally: Tally, place: dict) -> None:
    from mpp.core.models import Event
    from mpp.queueing.models import Ticket

    zone, mall = place["zone"], place["mall"]
    tickets = Ticket.objects.filter(mall__code=mall)
    old = tickets.filter(service_date=OLD_DAY)
    new = tickets.filter(service_date=NEW_DAY)
    tally.check(not old.filter(status__in=OPEN).exists(), f"{zone}: no old ticket left open")
    # The board: only the new day's tickets, and the new day's waiting count.
    board = (await client.get(f"/api/v1/malls/{mall}/board")).json()
    tally.check(board["date"] == NEW_DAY.isoformat(), f"{zone}: board of the new day")
    at_counters = {(t.counter_id, t.number) for t in new.filter(status__in=["called", "serving"])}
    shown = {(row["counter_id"], row["ticket"]) for row in board["now_serving"] if row["ticket"]}
    tally.check(shown == at_counters, f"{zone}: board shows the new day's counters {shown}")
    waiting = new.filter(status="waiting").count()
    tally.check(board["waiting_total"] == waiting, f"{zone}: board waiting {waiting}")
    # Every old ticket reads as over, through the API and on its page.
    for ticket in old:
        body = (await client.get(f"/api/v1/tickets/{ticket.pk}")).json()
        tally.check(
            body["status"] in FINAL and body["position"] == 0,
            f"{zone}: old ticket {ticket.number} reads {body['status']}",
        )
    sample = old.filter(status="expired").first()
    if sample is not None:
        url = f"/t/{sample.secret}/status/"  # the ticket page is addressed by its secret
        page = (await client.get(url, cookies={"django_language": "en"})).text
        tally.check('data-status="expired"' in page, f"{zone}: old ticket page says expired")
    # Numbers restart and never repeat.
    seqs = sorted(new.values_list("seq", flat=True))
    tally.check(seqs == list(range(1, len(seqs) + 1)), f"{zone}: new day numbered 1..{len(seqs)}")
    for day_tickets in (old, new):
        numbers = list(day_tickets.values_list("number", flat=True))
        tally.check(len(numbers) == len(set(numbers)), f"{zone}: no number twice in a day")
    # Each expiry recorded once, by the system.
    old_ids = [str(pk) for pk in old.values_list("pk", flat=True)]
    events = Event.objects.filter(kind="ticket.expired", subject_id__in=old_ids)
    expired = Counter(events.values_list("subject_id", "actor_id"))
    tally.check(
        all(n == 1 for n in expired.values()) and all(actor is None for _, actor in expired),
        f"{zone}: each expiry recorded once by the system",
    )
    tally.check(
        len(expired) == old.filter(status="expired").count(), f"{zone}: every expiry recorded"
    )


def setup_places(env: dict) -> list[dict]:
    """Three malls (one per time zone), each with a booth A, a service, two counters and a
    mall manager's API token."""
    from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

    from mpp.accounts.models import Role
    from mpp.accounts.services import token_create
    from mpp.devices.services import device_register

    places = []
    for zone_name, zone in ZONES:
        mall = MallFactory(code=f"mpp-midnight-{zone.lower()}", timezone=zone_name)
        offering = OfferingFactory(booth__mall=mall, booth__ticket_prefix="A")
        counters = [
            CounterFactory(mall=mall, booth=offering.booth, serves=[offering], number=n)
            for n in (1, 2)
        ]
        user = UserFactory(username=f"manager-{zone.lower()}", role=Role.MALL_MANAGER, mall=mall)
        token = token_create(username=user.username)
        kiosk = device_register(mall=mall, kind="kiosk", name="Kiosk")[1]
        places.append(
            {
                "zone": zone,
                "tz": ZoneInfo(zone_name),
                "mall": mall.code,
                "body": {"service": offering.service.code},
                "counters": [c.pk for c in counters],
                "auth": {"Authorization": f"Bearer {token}"},
                "kiosk": {"X-Device-Key": kiosk},
            }
        )
    return places


async def run(base: str, clock_file: Path, places: list[dict], tally: Tally, kiosks: int) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for place in places:
            await zone_round(client, tally, clock_file, place, kiosks=kiosks)


def main() -> None:  # noqa: PLR0915 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short form CI runs (< 90 s)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--name", default="mpp_faults_midnight", help="scratch PostgreSQL database")
    parser.add_argument("--launch", type=int, help=argparse.SUPPRESS)  # the server, on this port
    parser.add_argument("--clock-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.launch:
        launch(args.launch, Path(args.clock_file))
        return

    started = time.monotonic()
    env = prepare(args.db, args.name)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    # This process only reads the database between its requests, from its event loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    places = setup_places(env)
    clock_file = Path(env["MPP_VAR_DIR"]) / "clock"
    write_clock(clock_file, dt.datetime.combine(OLD_DAY, dt.time(12), places[0]["tz"]))
    port = free_port()
    log = open(Path(env["MPP_VAR_DIR"]) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.faults.midnight",
            "--launch",
            str(port),
            "--clock-file",
            str(clock_file),
        ],
        env={
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            # one kiosk credential per mall, many loops on it: no per-kiosk limit here
            "MPP_RATE_DEVICE_TICKETS": "0",
        },
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    tally = Tally()
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(f"{base}/api/v1/malls/{places[0]['mall']}/board", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        print(f"server on {base} ({args.db}), no worker; zones {', '.join(z for _, z in ZONES)}")
        asyncio.run(run(base, clock_file, places, tally, kiosks=2 if args.short else 6))
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    from mpp.queueing.models import Ticket

    # Nothing lost: every ticket a client got is stored; the old day's are over.
    stored = {
        str(pk): (day, status)
        for pk, day, status in Ticket.objects.filter(pk__in=list(tally.issued)).values_list(
            "pk", "service_date", "status"
        )
    }
    lost = sum(1 for pk in tally.issued if pk not in stored)
    lost += sum(1 for day, status in stored.values() if day == OLD_DAY and status not in FINAL)
    duplicated = len(tally.called) - len(set(tally.called))
    old = Ticket.objects.filter(service_date=OLD_DAY).count()
    new = Ticket.objects.filter(service_date=NEW_DAY).count()
    print(
        f"issued {len(tally.issued)} tickets ({old} before midnight, {new} after), "
        f"{len(tally.called)} calls; answers {dict(sorted(tally.statuses.items()))}; "
        f"{tally.checks} checks, {len(tally.failures)} failed; {time.monotonic() - started:.0f} s"
    )
    print(
        f"faults {PART}: 3 time zones over midnight without a worker (old day over, counters "
        f"callable, numbers restart, {tally.checks} checks); "
        f"lost {lost}, duplicated {duplicated}, 500s {tally.errors}"
    )
    if lost or duplicated or tally.errors or tally.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
