"""A morning at the mall in a real browser: kiosk, display board, officer console, phone page.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against uvicorn
serving the test database in a thread (the `server_url` fixture). A citizen takes a
number at the kiosk while the TV board is already open; an officer calls it with the
keyboard; the board shows and announces it and the citizen's phone follows, all without
reloading. Elements are found by ids, names and data-* attributes, never by their text,
so the tests hold in Indonesian and in English.

No skipping: when Chromium is missing these tests fail (scripts/test installs it).

Playwright's sync API keeps an asyncio loop running in this thread, where Django refuses
ORM calls; the database is therefore set up before the browser starts, and read back
afterwards through `off_loop` (a worker thread with its own connection).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from mpp.queueing import fanout, speech
from mpp.queueing.models import Priority, Source, Ticket
from tests.browser import chromium, off_loop
from tests.factories import (
    CounterFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
    device_credential,
    kiosk_cookie,
)
from tests.queueing.test_speech import NUMBER_CASES, SENTENCE_CASES, TICKET_CASES

pytestmark = pytest.mark.browser

PASSWORD = "rahasia123"  # UserFactory's
LIVE_MS = 2000  # a board or phone must follow the queue within this, without a reload
TICKET_URL = re.compile(r"/t/(?P<secret>[A-Za-z0-9_-]{20,32})/print/")

KIOSK = {"viewport": {"width": 1080, "height": 1920}}
TV = {"viewport": {"width": 1920, "height": 1080}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 768}}


@dataclass
class World:
    mall_code: str
    mall_id: int
    service: str  # the service the citizen takes
    other_service: str  # of a second booth, so the kiosk has a choice
    counter_id: int
    counter_number: int
    officer: str
    kiosk: dict  # browser state of the mall's enrolled kiosk (mpp.devices)


@pytest.fixture
def world(transactional_db) -> World:
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    other = OfferingFactory(booth__mall=mall)
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering], number=3)
    officer = UserFactory(mall=mall, booth=offering.booth)
    return World(
        mall_code=mall.code,
        mall_id=mall.pk,
        service=offering.service.code,
        other_service=other.service.code,
        counter_id=counter.pk,
        counter_number=counter.number,
        officer=officer.username,
        kiosk=kiosk_cookie("http://127.0.0.1/", device_credential(mall)),
    )


@pytest.fixture
def browser(world, server_url) -> Browser:
    """Chromium, started after the test data is written and closed before the server stops."""
    with chromium() as browser:
        yield browser


def open_page(browser: Browser, url: str, **options) -> Page:
    options.setdefault("bypass_csp", True)  # wait_for_function uses eval(): CSP forbids it
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # checked at the end: no script may fail on any page
    page.goto(url)
    return page


def mark(page: Page) -> None:
    """A flag that only survives as long as the page is not reloaded."""
    page.evaluate("window.__marker = 1")


def still_marked(page: Page) -> bool:
    return page.evaluate("window.__marker === 1")


def wait_for_subscribers(mall_id: int, count: int, within: float = 5.0) -> None:
    """Until `count` pages follow the mall's board stream (the server runs in this process)."""
    deadline = time.monotonic() + within
    while len(fanout._local._subs.get(mall_id, ())) < count:
        assert time.monotonic() < deadline, "pages did not connect to the board stream"
        time.sleep(0.05)


def enable_board_sound(board: Page) -> None:
    """What a person does once at a TV without the autoplay flag: click the sound button."""
    if board.evaluate("window.MPPBoard.state().sound"):
        return
    board.locator("#board-sound").click()
    board.wait_for_function("window.MPPBoard.state().sound === true", timeout=LIVE_MS)


def kiosk_take_ticket(kiosk: Page, world: World, priority: str) -> tuple[str, str]:
    """Tap the service, choose who it is for, print. Returns (ticket page secret, number)."""
    kiosk.locator(f'[data-testid=service][data-service="{world.service}"]').click()
    option = kiosk.locator("label.prio-option", has=kiosk.locator(f'input[value="{priority}"]'))
    option.click()
    expect(kiosk.locator(f'input[name=priority][value="{priority}"]')).to_be_checked()
    kiosk.locator("[data-testid=issue]").click()
    kiosk.wait_for_url(TICKET_URL)
    secret = TICKET_URL.search(kiosk.url).group("secret")
    number = kiosk.locator(".slip-number").inner_text().strip()
    return secret, number


def press_key(console: Page, key: str) -> None:
    """One console key: the action is a form POST, the console comes back redrawn."""
    with console.expect_navigation():
        console.keyboard.press(key)


def test_a_ticket_from_kiosk_to_finish_in_a_browser(world, server_url, browser):
    base = server_url
    # The TV board is on before the first citizen arrives.
    board = open_page(browser, f"{base}/m/{world.mall_code}/board/", **TV)
    expect(board.locator("#board-waiting-total")).to_have_text("0")
    mark(board)
    enable_board_sound(board)
    wait_for_subscribers(world.mall_id, 1)

    # a) The citizen at the kiosk (portrait touch screen).
    kiosk = open_page(
        browser, f"{base}/m/{world.mall_code}/kiosk/", storage_state=world.kiosk, **KIOSK
    )
    expect(kiosk.locator(f'[data-service="{world.other_service}"]')).to_be_visible()
    ticket_id, number = kiosk_take_ticket(kiosk, world, Priority.ELDERLY)
    assert re.fullmatch(r"[A-Z]{1,2}-001", number), number
    assert kiosk.locator(".slip-qr svg").count() == 1

    # b) The board shows the new waiting count, without a reload.
    board.wait_for_function(
        "document.getElementById('board-waiting-total').textContent.trim() === '1'",
        timeout=LIVE_MS,
    )
    prefix = number.split("-")[0]
    expect(board.locator("#board-waiting .waiting-prefix")).to_have_text([prefix])

    # The citizen opens the ticket on their phone (the slip's QR code).
    phone = open_page(browser, f"{base}/t/{ticket_id}/", **PHONE)
    expect(phone.locator("[data-testid=ticket-number]")).to_have_text(number)
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute("data-status", "waiting")
    mark(phone)

    # c) The officer logs in, picks the counter and calls with the keyboard.
    console = open_page(browser, f"{base}/accounts/login/", **DESK)
    console.locator("input[name=username]").fill(world.officer)
    console.locator("input[name=password]").fill(PASSWORD)
    with console.expect_navigation():
        console.locator("input[name=password]").press("Enter")
    assert console.url.endswith("/console/"), console.url
    console.locator(f'a[href="/console/{world.counter_id}/"]').click()
    console.wait_for_url(f"**/console/{world.counter_id}/")
    expect(console.locator("[data-key=N]")).to_be_enabled()
    wait_for_subscribers(world.mall_id, 3)  # board, phone and console follow the stream

    press_key(console, "N")
    board.wait_for_function(
        "(n) => { const h = document.querySelector('#board-hero .hero-number');"
        " return h && h.textContent.trim() === n; }",
        arg=number,
        timeout=LIVE_MS,
    )
    card = board.locator(f'#board-counters [data-counter="{world.counter_id}"]')
    expect(card.locator(".counter-ticket")).to_have_text(number)
    expect(card).to_have_class(re.compile(r"\bis-called\b"))

    # ...and reads it out in Indonesian, exactly as the Python twin says it.
    board.wait_for_function("window.MPPBoard.said.length > 0", timeout=10_000)
    said = board.evaluate("window.MPPBoard.said")
    sentence = speech.call_sentence(number, world.counter_number)
    assert sentence.startswith("Nomor antrean ") and ", silakan ke loket tiga" in sentence
    assert said == [
        {"number": number, "counter": world.counter_number, "voice": said[0]["voice"],
         "text": sentence}
    ]  # fmt: skip
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute(
        "data-status",
        "called",
        timeout=LIVE_MS + 1000,  # the phone waits up to 1 s on purpose
    )

    # d) Start, then finish: the phone shows the end without a reload.
    press_key(console, "S")
    expect(console.locator("[data-key=F]")).to_be_enabled()
    press_key(console, "F")
    expect(console.locator("[data-key=N]")).to_be_disabled()  # nobody else waits
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute(
        "data-status", "done", timeout=LIVE_MS + 1000
    )
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute("data-final", "1")
    expect(card).to_have_class(re.compile(r"\bis-free\b"), timeout=LIVE_MS)

    assert still_marked(board), "the board reloaded"
    assert still_marked(phone), "the phone page reloaded"
    for page in (board, kiosk, phone, console):
        assert page.js_errors == [], (page.url, page.js_errors)

    ticket = off_loop(lambda: Ticket.objects.select_related("counter").get(secret=ticket_id))
    assert ticket.number == number
    assert ticket.status == Ticket.Status.DONE
    assert ticket.priority == Priority.ELDERLY and ticket.source == Source.KIOSK
    assert ticket.counter.number == world.counter_number
    assert ticket.officer_id is not None
    assert ticket.issued_at <= ticket.called_at <= ticket.started_at <= ticket.finished_at


def test_kiosk_and_ticket_pages_work_without_javascript(world, server_url, browser):
    kiosk = open_page(
        browser,
        f"{server_url}/m/{world.mall_code}/kiosk/",
        java_script_enabled=False,
        storage_state=world.kiosk,
        **KIOSK,
    )
    assert kiosk.evaluate("1 + 1") == 2  # Playwright's own scripts still run...
    assert kiosk.evaluate("typeof window.MPPSpeech") == "undefined"  # ...the page's do not
    ticket_id, number = kiosk_take_ticket(kiosk, world, Priority.REGULAR)
    assert number.endswith("-001")
    # Without the script the slip page does not go back to the kiosk by itself: a link does.
    kiosk.locator(".print-actions a.btn-done").click()
    kiosk.wait_for_url(f"**/m/{world.mall_code}/kiosk/")

    phone = open_page(browser, f"{server_url}/t/{ticket_id}/", java_script_enabled=False, **PHONE)
    expect(phone.locator("[data-testid=ticket-number]")).to_have_text(number)
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute("data-status", "waiting")
    # It refreshes itself instead (a <noscript> meta refresh).
    assert '<meta http-equiv="refresh" content="30">' in phone.content()

    ticket = off_loop(lambda: Ticket.objects.get(secret=ticket_id))
    assert (ticket.number, ticket.status, ticket.source) == (number, "waiting", Source.KIOSK)
    assert off_loop(Ticket.objects.count) == 1


def test_board_speech_functions_match_python(world, server_url, browser):
    board = open_page(browser, f"{server_url}/m/{world.mall_code}/board/", **TV)
    for n, words in NUMBER_CASES:
        assert board.evaluate("(n) => window.MPPSpeech.numberWords(n)", n) == words
        assert speech.number_words(n) == words
    for number, words in TICKET_CASES:
        assert board.evaluate("(t) => window.MPPSpeech.ticketWords(t)", number) == words
    for number, counter, sentence in SENTENCE_CASES:
        js_words = board.evaluate("([t, c]) => window.MPPSpeech.callWords(t, c)", [number, counter])
        assert js_words == speech.call_words(number, counter)
        assert (
            board.evaluate("([t, c]) => window.MPPSpeech.callSentence(t, c)", [number, counter])
            == speech.call_sentence(number, counter)
            == sentence
        )
    assert board.js_errors == []
