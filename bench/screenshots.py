"""The README screenshots: the demo mall on a busy morning, seen by Chromium.

Loads the demo into a scratch directory (SQLite), starts `mpp serve`, plays a morning
through the public API (walk-ins take numbers; officers call, start and finish them with
their API tokens from `mpp token`), then saves docs/board.png (TV, 1920x1080),
docs/kiosk.png (phone, 390x844 at 2x), docs/console.png (officer's desk, 1366x768),
docs/search.png (a search on the phone), docs/ikm.png (the mall's public IKM page),
docs/case.png (a returned application on the citizen's phone) and docs/cases-queue.png
(the officer's work queue of applications), and stops the server. Pages are shown in Indonesian.

So that the times on the board look like a morning, the server runs under libfaketime
(`apt install faketime`) from 08:05 WIB last Monday, 60 times faster: one minute of the
morning takes a second. Without faketime the pictures show the real time.

    .venv/bin/python bench/screenshots.py            # writes docs/*.png
    .venv/bin/python bench/screenshots.py --out /tmp/shots --keep   # and keeps the server

Needs Debian's /usr/bin/chromium (as the browser tests). PNGs are written as Chromium
makes them; run `optipng -o2` or `pngquant` on them when they are too large.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
MPP = str(Path(sys.executable).with_name("mpp"))
MALL = "mpp-kabupaten-majalengka"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",  # as a TV in kiosk mode: no sound button
    "--hide-scrollbars",
]
PASSWORD = "demo12345"  # the demo's staff password

# The morning, by minutes after opening: walk-ins ("issue", service, priority) and what
# officers do at their counters ("act", officer, counter number, step).
MORNING = [
    (0, "issue", "dukcapil-ktp-el-baru", "regular"),
    (1, "issue", "dukcapil-kk-perubahan", "regular"),
    (2, "issue", "polres-skck", "regular"),
    (2, "act", "petugas.dukcapil", 1, "call"),
    (3, "act", "petugas.dukcapil", 1, "start"),
    (3, "issue", "samsat-pajak-tahunan", "elderly"),
    (4, "issue", "dukcapil-akta-kelahiran", "child"),
    (4, "act", "petugas.polres", 3, "call"),
    (5, "act", "petugas.polres", 3, "start"),
    (5, "issue", "polres-sim-c-perpanjangan", "regular"),
    (6, "issue", "dukcapil-ktp-el-baru", "regular"),
    (6, "act", "petugas.samsat", 5, "call"),
    (7, "act", "petugas.samsat", 5, "start"),
    (7, "issue", "bpjskes-perubahan-data", "regular"),
    (8, "issue", "samsat-pajak-tahunan", "regular"),
    (8, "act", "petugas.dukcapil", 2, "call"),
    (9, "act", "petugas.dukcapil", 2, "start"),
    (9, "issue", "polres-skck", "regular"),
    (10, "issue", "dukcapil-kk-perubahan", "regular"),
    (10, "act", "petugas.polres", 4, "call"),
    (11, "act", "petugas.polres", 4, "start"),
    (11, "act", "petugas.dukcapil", 1, "finish"),
    (11, "issue", "imigrasi-paspor-baru", "regular"),
    (12, "act", "petugas.dukcapil", 1, "call"),
    (12, "act", "petugas.imigrasi", 7, "open"),
    (12, "issue", "dukcapil-ktp-el-baru", "regular"),
    (13, "act", "petugas.dukcapil", 1, "start"),
    (13, "issue", "polres-skck", "regular"),
    (14, "act", "petugas.polres", 3, "finish"),
    (15, "act", "petugas.polres", 3, "call"),
    (15, "act", "petugas.samsat", 5, "finish"),
    (15, "issue", "samsat-pajak-tahunan", "regular"),
    (16, "act", "petugas.polres", 3, "start"),
    (16, "act", "petugas.samsat", 5, "call"),
    (16, "issue", "dukcapil-kia", "pregnant"),
    (17, "act", "petugas.samsat", 5, "start"),
    (17, "issue", "bpn-pengecekan-sertipikat", "regular"),
    (18, "act", "petugas.bpjskes", 8, "call"),
    (18, "issue", "dukcapil-ktp-el-baru", "regular"),
    (19, "act", "petugas.bpjskes", 8, "start"),
    (19, "act", "petugas.dukcapil", 2, "finish"),
    (20, "act", "petugas.dukcapil", 2, "call"),
    (20, "issue", "polres-skck", "regular"),
    (21, "act", "petugas.dukcapil", 2, "start"),
    (21, "act", "petugas.dukcapil", 1, "finish"),
    (21, "issue", "bapenda-pbb-bayar", "regular"),
    (22, "act", "petugas.dukcapil", 1, "call"),
    (22, "issue", "dukcapil-kk-perubahan", "regular"),
    (23, "act", "petugas.dukcapil", 1, "start"),
    (23, "act", "petugas.bpn", 10, "open"),
    (24, "act", "petugas.polres", 4, "finish"),
    (24, "issue", "samsat-pajak-tahunan", "regular"),
    (25, "act", "petugas.polres", 4, "call"),
    (25, "issue", "bpjskes-pendaftaran", "regular"),
    (26, "act", "petugas.polres", 3, "finish"),
    (27, "act", "petugas.polres", 3, "call"),
    (27, "issue", "dukcapil-ktp-el-baru", "regular"),
    (28, "act", "petugas.polres", 4, "recall"),
    (28, "issue", "polres-sim-c-perpanjangan", "regular"),
    (29, "act", "petugas.dukcapil", 2, "finish"),
    (30, "issue", "dukcapil-ktp-el-baru", "disability"),
    (31, "act", "petugas.dukcapil", 2, "call"),
    (32, "issue", "dukcapil-akta-kelahiran", "regular"),
]
CONSOLE = ("petugas.dukcapil", 2)  # the console screenshot: this officer at this counter
OPENING = dt.time(8, 5)  # the mall's morning starts here (WIB) on the pictured day
JAKARTA = dt.timezone(dt.timedelta(hours=7))


def run(env: dict, *args: str) -> str:
    out = subprocess.run([MPP, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    return out.stdout.decode()


def last_monday() -> dt.date:
    today = dt.datetime.now(JAKARTA).date()
    return today - dt.timedelta(days=today.weekday() or 7)


def libfaketime() -> str | None:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    return found[0] if found else None


def start_server(env: dict, port: int, *, clock: dt.datetime | None, speed: int):
    """`mpp serve`; its clock starts at `clock` and runs `speed` times faster (libfaketime)."""
    if clock is not None:
        start = clock.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        env = {
            **env,
            "LD_PRELOAD": libfaketime(),
            "FAKETIME": f"@{start} x{speed}",
            "TZ": "UTC",  # libfaketime reads the start time in the process's zone
        }
    server = subprocess.Popen([MPP, "serve", "--port", str(port)], env=env, cwd=ROOT)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/malls", timeout=1).is_success:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


def demo_kiosk(env: dict) -> str:
    """The credential of the demo mall's registered kiosk (`mpp demo` keeps it in var/)."""
    return json.loads((Path(env["MPP_VAR_DIR"]) / "demo-devices.json").read_text())[MALL]["kiosk"]


def morning(api: httpx.Client, env: dict, *, seconds_per_minute: float) -> None:
    """Play MORNING against the API, one fake minute every `seconds_per_minute` real seconds."""
    kiosk = {"X-Device-Key": demo_kiosk(env)}  # tickets come from a registered kiosk
    counters = {c["number"]: c["id"] for c in api.get(f"/malls/{MALL}/counters").json()}
    tokens: dict[str, str] = {}
    at_counter: dict[int, str] = {}  # counter number -> its current ticket id
    began = time.monotonic()
    for minute, kind, *what in MORNING:
        time.sleep(max(0.0, began + minute * seconds_per_minute - time.monotonic()))
        if kind == "issue":
            service, priority = what
            body = {"service": service, "priority": priority}
            r = api.post(f"/malls/{MALL}/tickets", json=body, headers=kiosk)
            r.raise_for_status()
            continue
        officer, number, step = what
        if officer not in tokens:
            tokens[officer] = run(env, "token", officer, "--name", "screenshots").split()[-1]
        auth = {"Authorization": f"Bearer {tokens[officer]}"}
        if step == "open":
            r = api.post(f"/counters/{counters[number]}/open", headers=auth)
        elif step == "call":
            r = api.post(f"/counters/{counters[number]}/call-next", headers=auth)
            if r.status_code == 200:
                at_counter[number] = r.json()["id"]
        else:
            r = api.post(f"/tickets/{at_counter[number]}/{step}", headers=auth)
        r.raise_for_status()


def returned_case(base: str, env: dict) -> str:
    """The number of the demo's returned application (read with the manager's token)."""
    token = run(env, "token", "manajer", "--name", "screenshots").split()[-1]
    answer = httpx.get(
        f"{base}/api/v1/cases",
        params={"status": "returned"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.json()["items"][0]["number"]


def shoot(base: str, out: Path, kiosk: str, case_number: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        opts = {"locale": "id-ID", "timezone_id": "Asia/Jakarta"}

        tv = browser.new_page(viewport={"width": 1920, "height": 1080}, **opts)
        tv.goto(f"{base}/m/{MALL}/board/")
        tv.wait_for_function("window.MPPBoard && window.MPPBoard.state().sound")
        tv.wait_for_timeout(2500)  # the newest call's flash has faded
        tv.screenshot(path=out / "board.png")

        phone = browser.new_page(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            **opts,
        )
        phone.context.add_cookies([{"name": "mpp_device", "value": kiosk, "url": base}])
        phone.goto(f"{base}/m/{MALL}/kiosk/")  # the screen of an enrolled kiosk
        phone.screenshot(path=out / "kiosk.png")
        phone.goto(f"{base}/m/{MALL}/cari/?q=bikin+ktp+hilang")
        phone.screenshot(path=out / "search.png")
        phone.goto(f"{base}/cases/open/")  # the demo's returned case (NIK ...0005)
        phone.fill("input[name=number]", case_number)
        phone.fill("input[name=nik_last4]", "0005")
        with phone.expect_navigation():
            phone.click("[data-testid=open]")
        phone.screenshot(path=out / "case.png")

        report = browser.new_page(viewport={"width": 1366, "height": 1000}, **opts)
        report.goto(f"{base}/m/{MALL}/ikm/")
        report.screenshot(path=out / "ikm.png")

        officer, number = CONSOLE
        desk = browser.new_page(viewport={"width": 1366, "height": 768}, **opts)
        desk.goto(f"{base}/accounts/login/")
        desk.fill("input[name=username]", officer)
        desk.fill("input[name=password]", PASSWORD)
        with desk.expect_navigation():
            desk.press("input[name=password]", "Enter")
        counters = httpx.get(f"{base}/api/v1/malls/{MALL}/counters").json()
        counter = next(c["id"] for c in counters if c["number"] == number)
        desk.goto(f"{base}/console/{counter}/")
        desk.wait_for_selector("#console-live:not([hidden])")
        desk.screenshot(path=out / "console.png")
        desk.goto(f"{base}/staff/cases/")
        desk.screenshot(path=out / "cases-queue.png")
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("--port", type=int, default=8123)
    ap.add_argument("--var", help="scratch directory (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="leave the server running")
    ap.add_argument(
        "--speed",
        type=int,
        default=60,
        help="the server's clock runs this much faster, from 08:05 WIB last Monday "
        "(libfaketime; 0: real time and no waiting between steps)",
    )
    args = ap.parse_args()

    env = {**os.environ, "MPP_VAR_DIR": args.var or tempfile.mkdtemp(prefix="mpp-shot-")}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    run(env, "demo", "--no-serve")
    clock = None
    if args.speed and libfaketime():
        clock = dt.datetime.combine(last_monday(), OPENING, tzinfo=JAKARTA)
    elif args.speed:
        print("libfaketime not found (apt install faketime): the pictures show the real time")
    server = start_server(env, args.port, clock=clock, speed=args.speed)
    base = f"http://127.0.0.1:{args.port}"
    try:
        # A new connection per request: a sped-up server drops idle ones in milliseconds.
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=f"{base}/api/v1", timeout=10, limits=limits) as api:
            morning(api, env, seconds_per_minute=60 / args.speed if clock else 0)
        args.out.mkdir(parents=True, exist_ok=True)
        shoot(base, args.out, demo_kiosk(env), returned_case(base, env))
    finally:
        if not args.keep:
            server.terminate()
            server.wait(timeout=20)
    for name in ("board", "kiosk", "console", "search", "ikm", "case", "cases-queue"):
        path = args.out / f"{name}.png"
        print(f"{path}: {path.stat().st_size // 1024} KB")
    if args.keep:
        print(f"server still running on {base} (pid {server.pid})")
        print(f"MPP_VAR_DIR={env['MPP_VAR_DIR']}")


if __name__ == "__main__":
    main()
