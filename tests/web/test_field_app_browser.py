"""The crew's field app in a real browser, offline for real (issue 14, "Checks").

Headless Chromium (/usr/bin/chromium via Playwright) with a persistent profile in a
temporary folder, so a browser restart keeps IndexedDB, the service worker and its
copies, against uvicorn serving the test database in a thread (wrapped to count the
requests that reach it):

1. online: the shell loads, the service worker keeps it, the route is downloaded;
   axe-core finds nothing serious on the shell;
2. the connection is cut (context.set_offline: a fetch from the page fails, and the
   server sees no request until it comes back); 100 services with 3 photos each;
3. the browser is closed and started again offline: the shell comes from the service
   worker, the 100 records are still there; 100 more;
4. back online: the app sends by itself; the connection is cut again half-way through
   the photos, then restored, and the app finishes by itself;
5. the server holds exactly 200 records and 600 complete files whose bytes match the
   photos given to the browser (sha256), nothing twice, and no file was sent again
   from the start after the break;
6. a record edited on two devices: the second edit is flagged a conflict, both kept.

Elements are found by ids and data-* attributes, never by their text, so the test
holds in Indonesian (the language it runs in) and in English. The site's
Content-Security-Policy stays on (no bypass): a violation fails the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, axe_report, axe_violations, off_loop
from tests.factories import OfferingFactory, UserFactory, VehicleFactory, village

pytestmark = pytest.mark.browser

RECORDS = 200
PHOTOS = 3
CHUNK = 256 * 1024
CUT_AFTER_CHUNKS = 300  # about half of the ~606 chunks
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
SHELL = "/lapangan/"


class Server:
    """uvicorn serving the application in a thread (like tests/live_server.py), counting
    the requests that reach it, and able to go away and come back on the same port:
    while it is down nothing answers, whatever the browser's network emulation does."""

    def __init__(self, app):
        self.app = app
        self.hits: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.url = ""
        self._server = None
        self._thread = None
        self._sock = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            with self.lock:
                self.hits.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)

    def count(self, method: str | None = None, prefix: str = "") -> int:
        with self.lock:
            return sum(
                1 for m, p in self.hits if (method is None or m == method) and p.startswith(prefix)
            )

    def start(self) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self, lifespan="off", log_level="warning", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        _wait_for(lambda: self._server.started, 10, "uvicorn to start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        assert not self._thread.is_alive(), "uvicorn did not stop"


@dataclass
class World:
    mall_id: int
    officer_id: int
    vehicle_id: int
    services: list[str]
    photos: list[list[dict]] = field(default_factory=list)  # per record: 3 files


def _jpeg(rng: random.Random, side: int) -> bytes:
    from PIL import Image

    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _photos(seed: int = 14) -> list[list[dict]]:
    """600 distinct JPEGs of 30-70 KB (noise), three of them of several chunks."""
    rng = random.Random(seed)
    records = []
    for i in range(RECORDS):
        files = []
        for j in range(PHOTOS):
            side = 1000 if (j == 0 and i in (0, 99, 150)) else rng.randint(250, 320)
            files.append(
                {
                    "name": f"dok-{i:03d}-{j}.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": _jpeg(rng, side),
                }
            )
        records.append(files)
    return records


@pytest.fixture
def world(transactional_db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ktp = OfferingFactory(service__code="ktp-el", service__name="KTP Elektronik")
    mall = ktp.mall
    kk = OfferingFactory(booth=ktp.booth, service__code="kk", service__name="Kartu Keluarga")
    officer = UserFactory(username="kru.satu", mall=mall, booth=ktp.booth)
    vehicle = VehicleFactory(mall=mall, offerings=[ktp, kk], crew=[officer])
    return World(mall.pk, officer.pk, vehicle.pk, ["ktp-el", "kk"], _photos())


@pytest.fixture
def server(world, settings):
    settings.REDIS_URL = ""
    from mpp.asgi import application

    running = Server(application)
    running.start()
    yield running
    running.stop()


def _plan_for(world: World, day: dt.date) -> None:
    """A published plan of the van on the browser's day: a village stop and a home visit."""
    from mpp.outreach.models import OutreachRequest, Plan, PlanStatus, Vehicle, Visit

    vehicle = Vehicle.objects.get(pk=world.vehicle_id)
    now = timezone.now()
    plan = Plan.objects.create(
        mall_id=world.mall_id,
        starts_on=day,
        ends_on=day,
        status=PlanStatus.PUBLISHED,
        created_at=now,
        published_at=now,
    )
    desa = village()
    home = OutreachRequest.objects.create(
        code="JB-RUMAH1",
        mall_id=world.mall_id,
        village=desa,
        people=1,
        home_visit=True,
        needs=["bedridden"],
        contact_phone="081234567890",
        address="Blok Cikaso RT 02 RW 03",
        source="agent",
        status="scheduled",
        created_at=now,
    )
    stops = (
        (1, Visit.Kind.VILLAGE, dt.time(9), dt.time(12), 180, None),
        (2, Visit.Kind.HOME, dt.time(13), dt.time(14), 1, home),
    )
    for order, kind, start, end, people, request in stops:
        visit = Visit.objects.create(
            plan=plan,
            vehicle=vehicle,
            date=day,
            order=order,
            kind=kind,
            village=desa,
            start=start,
            end=end,
            people=people,
        )
        visit.services.set([o.service for o in vehicle.offerings.all()])
        if request is not None:
            visit.requests.add(request)


def _session(user_id: int) -> str:
    from mpp.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client.cookies["sessionid"].value


def _launch(p, profile: str, *, offline: bool) -> BrowserContext:
    context = p.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        offline=offline,
        **PHONE,
    )
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    return context


def _page(context: BrowserContext) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _open_shell(page: Page, url: str):
    response = page.goto(url + SHELL)
    app = page.locator("#field-app")
    expect(app).to_have_attribute("data-loaded", "1")
    return response


def _count(page: Page, state: str):
    return page.locator(f'[data-count="{state}"]')


def _record_services(page: Page, world: World, first: int, last: int) -> None:
    """Record services first..last-1 at the village stop, three photos each. The form
    stays open for the next person (the service and the outcome change now and then);
    Save waits for the previous record to be stored (its button is disabled meanwhile)."""
    page.locator('#stops [data-action="service"]').first.click()
    expect(page.locator("#record-form")).to_be_visible()
    for i in range(first, last):
        if i % 40 == 0 or i == first:
            page.locator("#f-service").select_option(world.services[i // 40 % 2])
            outcome = ("done", "incomplete", "referred")[i // 40 % 3]
            page.locator(f'input[name=outcome][value="{outcome}"]').check()
        page.locator("#f-note").fill(f"Layanan #{i}")
        page.locator("[data-testid=photos]").set_input_files(world.photos[i])
        if i == first:
            expect(page.locator("[data-testid=photo-list] li")).to_have_count(PHOTOS)
        page.locator("[data-testid=save]").click()
        if i % 25 == 24:
            expect(_count(page, "waiting")).to_have_text(str(i + 1))
    expect(_count(page, "waiting")).to_have_text(str(last))
    expect(page.locator("[data-testid=form-error]")).to_be_hidden()
    page.locator("[data-testid=cancel]").click()


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _server_state(world: World) -> dict:
    from mpp.outreach.models import FieldAttachment, FieldRecord, SyncConflict

    records = list(FieldRecord.objects.all())
    files = list(FieldAttachment.objects.all())
    stored = {}
    for f in files:
        if f.complete:
            with f.file.open("rb") as handle:
                stored[str(f.pk)] = hashlib.sha256(handle.read()).hexdigest()
    return {
        "records": len(records),
        "ids": len({r.pk for r in records}),
        "roots": len({r.root_id for r in records}),
        "firsts": sum(1 for r in records if r.previous_id is None and r.root_id == r.pk),
        "notes": sorted(r.payload.get("note", "") for r in records),
        "files": len(files),
        "complete": sum(1 for f in files if f.complete),
        "announced": {str(f.pk): f.sha256 for f in files},
        "stored": stored,
        "conflicts": SyncConflict.objects.count(),
    }


def _csp_clean(page: Page, where: str) -> None:
    assert page.evaluate("window.__csp") == [], where
    assert page.js_errors == [], where


def test_two_hundred_services_offline_across_a_restart(world, server, tmp_path):
    profile = str(tmp_path / "profile")
    session = off_loop(_session, world.officer_id)
    expires = time.time() + 86400
    cookie = {"name": "sessionid", "value": session, "url": server.url, "expires": expires}
    with sync_playwright() as p:
        # 1. Online: shell, service worker, route.
        context = _launch(p, profile, offline=False)
        page = _page(context)
        day = dt.date.fromisoformat(
            page.evaluate(
                "(() => { const d = new Date(); return d.getFullYear() + '-' + "
                "String(d.getMonth() + 1).padStart(2, '0') + '-' + "
                "String(d.getDate()).padStart(2, '0'); })()"
            )
        )
        off_loop(_plan_for, world, day)
        context.add_cookies([cookie])
        _open_shell(page, server.url)
        expect(page.locator("[data-testid=offline-ready]")).to_have_attribute("data-ready", "1")
        expect(page.locator("#stops > li")).to_have_count(2)
        expect(page.locator("#field-app")).to_have_attribute("data-sync", "idle")
        expect(page.locator("[data-testid=standards] details")).to_have_count(2)
        violations = axe_violations(page)
        assert not violations, axe_report("field app", violations)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # 2. Offline for real: the page's fetches fail and reach no server.
        context.set_offline(True)
        before = server.count()
        failed = page.evaluate(
            "fetch('/lapangan/data/?days=1').then(r => 'answered ' + r.status, () => 'failed')"
        )
        assert failed == "failed"
        expect(page.locator("#field-app")).to_have_attribute("data-online", "0")
        _record_services(page, world, 0, RECORDS // 2)
        _csp_clean(page, "before the restart")
        assert server.count() == before, server.hits[before:]
        context.close()

        # 3. The browser starts again with no network: the shell from the service worker.
        # The server goes away too: Chromium applies the emulated offline state to a
        # service worker starting with the browser a moment late.
        server.stop()
        context = _launch(p, profile, offline=True)
        page = _page(context)
        response = _open_shell(page, server.url)
        assert response is not None and response.from_service_worker
        expect(_count(page, "waiting")).to_have_text(str(RECORDS // 2))
        expect(page.locator("#stops > li")).to_have_count(2)
        expect(page.locator("#field-app")).to_have_attribute("data-sync", "offline")
        _record_services(page, world, RECORDS // 2, RECORDS)
        expect(page.locator("#field-app")).to_have_attribute("data-total", str(RECORDS))
        assert server.count() == before, server.hits[before:]
        assert off_loop(_server_state, world)["records"] == 0
        _csp_clean(page, "after the restart")

        # 4. Back online: the app sends by itself; cut again half-way through the photos.
        server.start()
        context.set_offline(False)
        _wait_for(
            lambda: server.count("PUT", "/lapangan/sync/files/") >= CUT_AFTER_CHUNKS,
            120,
            f"{CUT_AFTER_CHUNKS} chunks",
        )
        context.set_offline(True)
        app = page.locator("#field-app")
        expect(app).to_have_attribute("data-sync", "offline", timeout=30_000)
        seen = server.count()
        half = off_loop(_server_state, world)
        assert half["records"] == RECORDS
        assert RECORDS * PHOTOS // 4 < half["complete"] < RECORDS * PHOTOS
        expect(_count(page, "waiting")).not_to_have_text("0")
        assert server.count() == seen, server.hits[seen:]
        context.set_offline(False)
        expect(_count(page, "sent")).to_have_text(str(RECORDS), timeout=120_000)
        expect(_count(page, "waiting")).to_have_text("0")
        expect(_count(page, "error")).to_have_text("0")
        expect(_count(page, "conflict")).to_have_text("0")
        expect(app).to_have_attribute("data-sync", "idle")
        _csp_clean(page, "after the sync")

        # 5. Exactly 200 records and 600 files, the photos' very bytes, nothing twice.
        state = off_loop(_server_state, world)
        assert state["records"] == state["ids"] == state["roots"] == state["firsts"] == RECORDS
        assert state["notes"] == sorted(f"Layanan #{i}" for i in range(RECORDS))
        assert state["files"] == state["complete"] == RECORDS * PHOTOS
        given = {hashlib.sha256(f["buffer"]).hexdigest() for files in world.photos for f in files}
        assert len(given) == RECORDS * PHOTOS
        assert set(state["announced"].values()) == given
        assert state["stored"] == state["announced"]
        assert state["conflicts"] == 0
        chunks = sum(-(-len(f["buffer"]) // CHUNK) for files in world.photos for f in files)
        # Resumed, not restarted: at most the chunks in flight at the cut were sent twice.
        assert chunks <= server.count("PUT", "/lapangan/sync/files/") <= chunks + 4
        assert off_loop(_service_figures, world) == RECORDS

        # 6. One record edited on two devices: the second edit is a conflict, both kept.
        edited = page.locator('#record-list [data-kind="service"]').last  # the first one
        record_id = edited.get_attribute("data-id")
        copy = page.evaluate("id => window.MPPFieldDB.getRecord(id)", record_id)
        other_browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tablet_context = other_browser.new_context(**PHONE)
        tablet_context.add_init_script(WATCH)
        tablet_context.set_default_timeout(15_000)
        tablet_context.add_cookies([cookie])
        tablet = _page(tablet_context)
        _open_shell(tablet, server.url)
        expect(tablet.locator("#field-app")).to_have_attribute("data-sync", "idle")
        tablet.evaluate(PUT_RECORD, copy)  # the same record on the second device
        _open_shell(tablet, server.url)
        expect(tablet.locator(f'[data-id="{record_id}"]')).to_have_attribute("data-state", "sent")

        _edit(page, record_id, people="5")
        expect(_count(page, "sent")).to_have_text(str(RECORDS + 1), timeout=30_000)
        _edit(tablet, record_id, people="7")
        expect(_count(tablet, "conflict")).to_have_text("1", timeout=30_000)
        conflict = off_loop(_conflict_of, record_id)
        assert conflict["kind"] == "two_edits"
        assert conflict["people"] == {5, 7}
        assert conflict["statuses"] == {"conflict"}
        assert conflict["previous"] == {record_id}
        assert conflict["original_kept"]
        _csp_clean(tablet, "the second device")
        tablet_context.close()
        other_browser.close()
        context.close()


PUT_RECORD = """record => new Promise((resolve, reject) => {
  const open = indexedDB.open("mpp-lapangan");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const t = open.result.transaction(["records"], "readwrite");
    t.objectStore("records").put(Object.assign(record, {attachments: []}));
    t.oncomplete = () => resolve(true);
    t.onerror = () => reject(t.error);
  };
})"""


def _edit(page: Page, record_id: str, *, people: str) -> None:
    page.locator(f'[data-action="edit"][data-record="{record_id}"]').click()
    expect(page.locator("#record-form")).to_be_visible()
    expect(page.locator("#form-edit")).to_be_visible()
    page.locator("#f-people").fill(people)
    page.locator("[data-testid=save]").click()
    expect(page.locator("#record-form")).to_be_hidden()
    expect(page.locator(f'[data-id="{record_id}"] [data-action="edit"]')).to_be_hidden()


def _service_figures(world: World) -> int:
    """Finished mobile tickets: what the mall's figures and the survey count."""
    from mpp.queueing.models import Source, Ticket

    return Ticket.objects.filter(mall_id=world.mall_id, source=Source.MOBILE).count()


def _conflict_of(record_id: str) -> dict:
    from mpp.outreach.models import FieldRecord, SyncConflict

    conflict = SyncConflict.objects.get()
    both = [conflict.record, conflict.other]
    return {
        "kind": conflict.kind,
        "people": {r.payload["people"] for r in both},
        "statuses": {r.status for r in both},
        "previous": {str(r.previous_id) for r in both},
        "original_kept": FieldRecord.objects.filter(pk=record_id).exists(),
    }
