"""axe-core on every page a citizen or a staff member opens: no serious or critical finding.

The world is the demo's (`mpp demo`: MPP Kabupaten Majalengka with its catalogue, booking
policies, complaints, consultation topics and three months of survey answers) at 10:00
of a working day, plus what only a moving day has: open counters, a called ticket and a
waiting line, a booking, a survey invitation. Each page is opened in headless Chromium at
the size it is used at (citizen pages on a 360 px phone, the kiosk portrait, the board on
a 1920 px TV, staff pages on a desk screen), axe-core (npm package, tests/browser.py) runs
in it, and every serious or critical violation of every page is listed in one failure:

    /m/<mall>/board/ (board, 1920x1080): [serious] color-contrast: Elements must meet ...
        at li[data-counter="1"] > .counter-state: <span class="counter-state">Tutup</span>

Pages are opened in Indonesian, the language citizens see. A page that does not answer
200 is reported as well (a page that cannot open cannot be checked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page

from mpp.accounts.models import Role, User
from mpp.bookings.demo import booking_demo_load
from mpp.bookings.services import booking_create
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Counter, Mall, Service
from mpp.complaints.demo import complaint_demo_load
from mpp.complaints.models import Complaint
from mpp.consultation.demo import consultation_demo_load
from mpp.consultation.models import Topic
from mpp.devices.enrolment import COOKIE_NAME
from mpp.devices.services import device_register
from mpp.queueing import services as queue
from mpp.search.services import search_index_rebuild
from mpp.surveys.demo import survey_demo_load
from tests.browser import axe_report, axe_violations, chromium
from tests.clock import Clock, working_day_ahead
from tests.factories import SurveyInvitationFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KIOSK = {"viewport": {"width": 1080, "height": 1920}, "has_touch": True}
TV = {"viewport": {"width": 1920, "height": 1080}}
DESK = {"viewport": {"width": 1366, "height": 768}}
SIZES = {"phone": PHONE, "kiosk": KIOSK, "tv": TV, "desk": DESK}

SERVICE = "dukcapil-ktp-el-baru"  # bookable in the demo, served at booth A (counters 1 and 2)
VALID_NIK = "3210014107900001"  # Majalengka, born 1 July 1990 (a woman: day + 40)


@dataclass
class World:
    mall: str
    service: str
    ticket_url: str
    booking_code: str
    survey_token: str
    complaint_id: int
    complaint_code: str
    topic_id: int
    counter_id: int
    mall_pk: int
    service_pk: int
    sessions: dict[str, str] = field(default_factory=dict)  # username -> sessionid
    devices: dict[str, str] = field(default_factory=dict)  # screen size -> device credential


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def world(transactional_db, settings) -> Iterator[World]:
    """`mpp demo`'s data at 10:00 of a working day, with a queue going on."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Its own clock, not the `clock` fixture: nothing here depends on the day, so the
    # CI pass with the clock moved (-m clock) need not run it again.
    clock = Clock()
    now = clock.working_day(dt.time(10))
    try:
        yield _world_load(now)
    finally:
        clock.stop()


def _world_load(now: dt.datetime) -> World:
    demo_load()
    booking_demo_load()
    search_index_rebuild()
    complaint_demo_load()
    consultation_demo_load()
    survey_demo_load()
    mall = Mall.objects.get(code=DEMO_MALL)

    # Counter 1 serves a called ticket, counter 3 is open and idle, the rest are closed;
    # a line waits (long enough for the console's waiting list to scroll).
    officer = User.objects.get(username="petugas.dukcapil")
    counter = Counter.objects.get(mall=mall, number=1)
    other = Counter.objects.get(mall=mall, number=3)
    queue.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    queue.counter_open(
        counter_id=other.pk, officer_id=User.objects.get(username="petugas.polres").pk
    )
    tickets = [queue.ticket_issue(mall=mall, service_code=SERVICE) for _ in range(25)]
    queue.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)

    booking = booking_create(
        mall=mall,
        service_code=SERVICE,
        date=working_day_ahead(1, now.date()),
        slot_start="09:00",  # the demo mall opens at 08:00 on working days, 60-minute slots
        nik=VALID_NIK,
        name="Siti Aminah",
        phone="081234567890",
        channel="web",
    )
    invitation = SurveyInvitationFactory(
        offering=counter.booth.offerings.get(service__code=SERVICE)
    )
    complaint = Complaint.objects.filter(mall=mall).order_by("-received_at").first()
    world = World(
        mall=mall.code,
        service=SERVICE,
        ticket_url=reverse("ticket", kwargs={"secret": tickets[-1].secret}),
        booking_code=booking.code,
        survey_token=invitation.token,
        complaint_id=complaint.pk,
        complaint_code=complaint.code,
        topic_id=Topic.objects.filter(mall=mall).order_by("pk").first().pk,
        counter_id=counter.pk,
        mall_pk=mall.pk,
        service_pk=Service.objects.get(code=SERVICE).pk,
    )
    # The kiosk and the board are registered devices (mpp.devices): their screens hold
    # the credential in a cookie.
    for size, kind in (("kiosk", "kiosk"), ("tv", "board")):
        world.devices[size] = device_register(mall=mall, kind=kind, name=f"axe {kind}")[1]
    for username in ("petugas.dukcapil", "manajer", "admin"):
        world.sessions[username] = _session(User.objects.get(username=username))
    assert User.objects.get(username="admin").role == Role.NATIONAL_ADMIN
    return world


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def _open(browser: Browser, base: str, size: str, user: str | None, world: World) -> Page:
    context = browser.new_context(
        locale="id-ID", timezone_id="Asia/Jakarta", bypass_csp=True, **SIZES[size]
    )
    context.set_default_timeout(10_000)
    if user:
        context.add_cookies([{"name": "sessionid", "value": world.sessions[user], "url": base}])
    elif size in world.devices:
        context.add_cookies([{"name": COOKIE_NAME, "value": world.devices[size], "url": base}])
    return context.new_page()


# (page label, axe rule) -> why it is allowed; empty: every page passes every rule. The
# screens that go back by themselves (survey tablet, kiosk) do it with web/reload.js and a
# <noscript> refresh, never a forced <meta http-equiv="refresh">.
EXEMPT: dict[tuple[str, str], str] = {}


def _check(page: Page, where: str, found: list[str], *, status: int | None) -> None:
    if status is not None and status != 200:
        found.append(f"{where}: answered {status}, not 200")
        return
    page.wait_for_load_state("load")
    label = where.partition("(")[2].partition(",")[0]
    violations = [v for v in axe_violations(page) if (label, v["id"]) not in EXEMPT]
    report = axe_report(where, violations)
    if report:
        found.append(report)


def _visit(browser, base, world, pages, found) -> None:
    """pages: (label, path, size, user); each opened in its own context, checked."""
    for label, path, size, user in pages:
        page = _open(browser, base, size, user, world)
        try:
            response = page.goto(base + path)
            where = f"{path} ({label}, {size})"
            _check(page, where, found, status=response.status if response else None)
        finally:
            page.context.close()


def test_citizen_pages_have_no_serious_accessibility_violations(browser, server_url, world):
    m, s = world.mall, world.service
    pages = [
        ("home", "/", "phone", None),
        ("home", "/", "desk", None),
        ("mall", f"/m/{m}/", "phone", None),
        ("mall", f"/m/{m}/", "desk", None),
        ("mall, filtered", f"/m/{m}/?q=ktp", "phone", None),
        ("service", f"/m/{m}/layanan/{s}/", "phone", None),
        ("kiosk", f"/m/{m}/kiosk/", "kiosk", None),
        ("kiosk confirm", f"/m/{m}/kiosk/{s}/", "kiosk", None),
        ("kiosk check-in", f"/m/{m}/check-in/", "kiosk", None),
        ("ticket", world.ticket_url, "phone", None),
        ("queue from the phone", f"/m/{m}/phone/", "phone", None),
        ("queue from the phone: service", f"/m/{m}/phone/{s}/", "phone", None),
        ("board", f"/m/{m}/board/", "tv", None),
        ("booking: days", f"/m/{m}/layanan/{s}/pesan/", "phone", None),
        ("booking: look-up", "/booking/", "phone", None),
        ("booking", f"/booking/{world.booking_code}/", "phone", None),
        ("complaint form", f"/m/{m}/pengaduan/", "phone", None),
        ("complaint tracking", "/pengaduan/lacak/", "phone", None),
        ("survey", f"/survei/{world.survey_token}/", "phone", None),
        ("consultation", f"/m/{m}/konsultasi/", "phone", None),
        ("consultation topic", f"/m/{m}/konsultasi/{world.topic_id}/", "phone", None),
        ("search in the mall", f"/m/{m}/cari/?q=bikin+ktp+hilang", "phone", None),
        ("search everywhere", "/cari/?q=daftar+bpjs&near=32", "phone", None),
        ("places of a service", f"/cari/{s}/tempat/", "phone", None),
        ("assistant", f"/m/{m}/asisten/", "phone", None),
        ("assistant on a service", f"/m/{m}/asisten/{s}/", "phone", None),
        ("IKM of the mall", f"/m/{m}/ikm/", "phone", None),
        ("IKM of all malls", "/ikm/", "desk", None),
        ("staff login", "/accounts/login/", "phone", None),
    ]
    found: list[str] = []
    _visit(browser, server_url, world, pages, found)
    _booking_steps(browser, server_url, world, found)
    _forms_with_errors(browser, server_url, world, found)
    assert not found, "axe-core found serious/critical violations:\n" + "\n".join(found)


def _booking_steps(browser, base, world, found) -> None:
    """Booking: from the days to the times of the first open day, then the data form."""
    page = _open(browser, base, "phone", None, world)
    try:
        page.goto(f"{base}/m/{world.mall}/layanan/{world.service}/pesan/")
        page.locator("a[href*='tanggal=']").first.click()
        page.wait_for_load_state("load")
        _check(page, f"{page.url} (booking: times, phone)", found, status=None)
        page.locator("input[type=radio]:not([disabled])").first.check()
        page.locator("main form [type=submit]").last.click()
        page.wait_for_load_state("load")
        _check(page, f"{page.url} (booking: the citizen's data, phone)", found, status=None)
    finally:
        page.context.close()


def _forms_with_errors(browser, base, world, found) -> None:
    """Forms sent empty or wrong: their error messages must be as readable as the form."""
    page = _open(browser, base, "phone", None, world)
    try:
        page.goto(f"{base}/pengaduan/lacak/")
        page.locator("input[name=code]").fill("XXXXX")
        page.locator("main form [type=submit]").first.click()
        _check(
            page, "/pengaduan/lacak/ (complaint tracking, wrong code, phone)", found, status=None
        )
        page.goto(f"{base}/m/{world.mall}/pengaduan/")
        page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
        page.locator("main form [type=submit]").last.click()
        _check(page, f"/m/{world.mall}/pengaduan/ (complaint form, sent empty)", found, status=None)
    finally:
        page.context.close()


def test_staff_pages_have_no_serious_accessibility_violations(browser, server_url, world):
    m, c, topic = world.mall, world.counter_id, world.topic_id
    admin_mall = f"/admin/catalog/mall/{world.mall_pk}/change/"
    admin_service = f"/admin/catalog/service/{world.service_pk}/change/"
    pages = [
        ("console", "/console/", "desk", "petugas.dukcapil"),
        ("console of a counter", f"/console/{c}/", "desk", "petugas.dukcapil"),
        ("survey tablet", f"/console/{c}/survei/", "desk", "petugas.dukcapil"),
        ("officer check-in", f"/m/{m}/check-in/petugas/", "desk", "petugas.dukcapil"),
        ("complaint at the counter", f"/m/{m}/pengaduan/petugas/", "desk", "petugas.dukcapil"),
        ("today", f"/m/{m}/today/", "desk", "manajer"),
        ("today", f"/m/{m}/today/", "tv", "manajer"),
        ("complaints desk", f"/m/{m}/pengaduan/kelola/", "desk", "manajer"),
        ("complaints desk", f"/m/{m}/pengaduan/kelola/", "tv", "manajer"),
        ("complaint", f"/m/{m}/pengaduan/kelola/{world.complaint_id}/", "desk", "manajer"),
        ("IKM report", f"/m/{m}/ikm/laporan/", "desk", "manajer"),
        ("words the search does not know", f"/m/{m}/cari/kata-baru/", "desk", "manajer"),
        ("consultation desk", f"/m/{m}/konsultasi/kelola/", "desk", "manajer"),
        ("consultation topic desk", f"/m/{m}/konsultasi/kelola/{topic}/", "desk", "manajer"),
        ("new consultation topic", f"/m/{m}/konsultasi/kelola/baru/", "desk", "manajer"),
        ("admin", "/admin/", "desk", "admin"),
        ("admin: malls", "/admin/catalog/mall/", "desk", "admin"),
        ("admin: change a mall", admin_mall, "desk", "admin"),
        ("admin: change a service", admin_service, "desk", "admin"),
    ]
    found: list[str] = []
    _visit(browser, server_url, world, pages, found)
    _api_docs(browser, server_url, world, found)
    assert not found, "axe-core found serious/critical violations:\n" + "\n".join(found)


def _api_docs(browser, base, world, found) -> None:
    """/api/v1/docs once Swagger UI has drawn the operations (it builds them in script)."""
    page = _open(browser, base, "desk", None, world)
    try:
        response = page.goto(f"{base}/api/v1/docs")
        page.locator(".opblock").first.wait_for()
        _check(page, "/api/v1/docs (API docs, desk)", found, status=response.status)
    finally:
        page.context.close()
