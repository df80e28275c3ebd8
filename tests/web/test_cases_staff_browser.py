"""An officer works applications in a real browser, with the keyboard: the work queue
(move, tick, start verification in bulk, open), returning a case with its checklist,
and a case from verification to completed with the product attached. axe-core checks
the queue and the case page (desk screen and a 360 px phone).

Headless Chromium (Debian's, through Playwright; tests/browser.py) against uvicorn on
the test database. Elements are found by ids and data-* attributes, never by their
text, so the test holds in Indonesian. The data is written before the browser starts
and read back through `off_loop`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from mpp.cases import documents, services
from mpp.cases.models import Case, CaseDocument, Channel
from tests.browser import axe_report, axe_violations, chromium, off_loop
from tests.factories import (
    CaseFieldFactory,
    CaseTypeFactory,
    DocumentRequirementFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESK = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@dataclass
class World:
    session: str  # the officer's session cookie
    overdue: str  # case numbers: submitted, past due
    fresh: str  # submitted
    other: str  # submitted, another booth's (not in the queue)
    checking: str  # in verification, to be returned
    finishing: str  # in verification, to be completed


def _submitted(case_type, requirement, name: str) -> Case:
    case = services.case_start(
        case_type=case_type,
        channel=Channel.WEB,
        applicant_name=name,
        nik="3210011505900001",
        answers={"alamat": "Jl. Siliwangi 1"} if requirement else {},
    )
    if requirement is not None:
        documents.document_add(
            case=case,
            upload=SimpleUploadedFile("ktp.pdf", PDF, "application/pdf"),
            requirement=requirement,
            channel=Channel.WEB,
            actor_kind="citizen",
        )
    return services.case_submit(case=case, channel=Channel.WEB)


@pytest.fixture
def world(transactional_db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    case_type = CaseTypeFactory(offering=offering, delivery="file")
    CaseFieldFactory(case_type=case_type, key="alamat", label="Alamat")
    ktp = DocumentRequirementFactory(case_type=case_type, code="ktp", name="KTP-el")
    DocumentRequirementFactory(
        case_type=case_type, code="kk", name="Kartu Keluarga", required=False
    )
    other_type = CaseTypeFactory(offering=OfferingFactory(booth__mall=mall))
    officer = UserFactory(mall=mall, booth=offering.booth)

    fresh = _submitted(case_type, ktp, "Budi Santoso")
    overdue = _submitted(case_type, ktp, "Citra Lestari")
    Case.objects.filter(pk=overdue.pk).update(due_on=dt.date(2020, 1, 6))
    other = _submitted(other_type, None, "Dedi Kurnia")
    cases = []
    for name in ("Eka Putri", "Fajar Nugroho"):
        case = _submitted(case_type, ktp, name)
        services.case_transition(
            case=case, to="verification", channel=Channel.COUNTER, actor=officer,
            actor_kind="officer",
        )  # fmt: skip
        cases.append(case)
    client = Client()
    client.force_login(officer)
    return World(
        session=client.cookies["sessionid"].value,
        overdue=overdue.number,
        fresh=fresh.number,
        other=other.number,
        checking=cases[0].number,
        finishing=cases[1].number,
    )


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def _officer_page(browser: Browser, base: str, world: World, path: str, size=DESK) -> Page:
    context = browser.new_context(
        locale="id-ID", timezone_id="Asia/Jakarta", bypass_csp=True, **size
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": world.session, "url": base}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(base + path)
    return page


def _status(number: str) -> str:
    return off_loop(lambda: Case.objects.get(number=number).status)


def _axe(page: Page, where: str) -> None:
    page.wait_for_load_state("load")
    report = axe_report(where, axe_violations(page))
    assert not report, report


def _key(page: Page, key: str) -> None:
    """A key that sends a form: wait for the page that comes back."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_queue_with_keys_bulk_start_verification_then_open(world, server_url, browser):
    page = _officer_page(browser, server_url, world, "/staff/cases/")
    rows = page.locator("#case-queue tr[data-row]")
    numbers = rows.evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert world.other not in numbers  # another booth's
    assert numbers[0] == world.overdue  # overdue first
    assert set(numbers) == {world.overdue, world.fresh, world.checking, world.finishing}
    expect(rows.first).to_have_class("is-overdue")
    _axe(page, "/staff/cases/ (desk)")
    phone = _officer_page(browser, server_url, world, "/staff/cases/", PHONE)
    _axe(phone, "/staff/cases/ (phone)")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    phone.context.close()

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("x")  # tick the overdue one
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    page.keyboard.press("j")
    second = rows.nth(1).get_attribute("data-number")
    page.keyboard.press("x")
    ticked = page.locator("#case-queue input[name=case]:checked")
    expect(ticked).to_have_count(2 if second == world.fresh else 1)
    _key(page, "v")
    assert _status(world.overdue) == Case.Status.VERIFICATION
    assert _status(world.fresh) == (
        Case.Status.VERIFICATION if second == world.fresh else Case.Status.SUBMITTED
    )
    expect(page.locator(".messages .msg-success")).to_have_count(1)

    # Enter opens the current row.
    page.keyboard.press("j")
    number = page.locator("#case-queue tr.is-current").get_attribute("data-number")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("[data-testid=case-number]")).to_contain_text(number)
    assert page.js_errors == []


def test_return_a_case_with_its_checklist(world, server_url, browser):
    page = _officer_page(browser, server_url, world, f"/staff/cases/{world.checking}/")
    expect(page.locator("[data-testid=case-status]")).to_have_attribute(
        "data-status", "verification"
    )
    _axe(page, "/staff/cases/<number>/ (desk)")
    page.keyboard.press("r")  # opens the checklist and puts the cursor in it
    expect(page.locator("#return")).to_have_attribute("open", "")
    expect(page.locator("#missing-ktp")).to_be_focused()
    page.locator("#missing-kk").check()
    page.locator("#return-note").fill("Lampirkan Kartu Keluarga terbaru.")
    with page.expect_navigation():
        page.locator("[data-testid=return-submit]").click()
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "returned")
    case = off_loop(lambda: Case.objects.get(number=world.checking))
    assert case.missing == {"documents": ["kk"], "note": "Lampirkan Kartu Keluarga terbaru."}
    assert page.js_errors == []


def test_verify_attach_the_product_ready_and_complete(world, server_url, browser):
    page = _officer_page(browser, server_url, world, f"/staff/cases/{world.finishing}/")
    _key(page, "p")  # verified: send for processing
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "processing")
    # The product is a file: attached with the counter's file input, then "ready".
    assert page.locator("#upload-file").get_attribute("capture") == "environment"
    page.locator("#upload-file").set_input_files(
        {"name": "akta.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#kind-output").check()
    with page.expect_navigation():
        page.locator("#upload button[type=submit]").click()
    expect(page.locator("li[data-kind=output]")).to_have_count(1)
    _key(page, "d")
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "ready")
    _key(page, "c")
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "completed")
    case = off_loop(lambda: Case.objects.get(number=world.finishing))
    assert case.status == Case.Status.COMPLETED
    kinds = off_loop(lambda: sorted(case.documents.values_list("kind", flat=True)))
    assert kinds == [CaseDocument.Kind.OUTPUT, CaseDocument.Kind.SUBMITTED]
    assert page.js_errors == []

    # The case page on a 360 px phone: readable, nothing wider than the screen.
    phone = _officer_page(browser, server_url, world, f"/staff/cases/{world.finishing}/", PHONE)
    _axe(phone, "/staff/cases/<number>/ (phone)")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
