"""An application in a real browser on a 360 px phone, with and without JavaScript: apply
with two documents, get it back as incomplete, add the missing document and send it
again, follow the status, download the product, answer the survey; axe-core on each page.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database in a thread (the `server_url` fixture), like tests/web/test_booking_browser.py:
the data is written before the browser starts, the officer's steps are taken through the
services in `off_loop`. Elements are found by ids, names and data-* attributes, never by
their text, so the test holds in Indonesian (the language it runs in) and in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mpp.cases.documents import document_add
from mpp.cases.models import Case, CaseDocument
from mpp.cases.services import case_transition
from mpp.surveys.models import SurveyInvitation
from tests.browser import axe_report, axe_violations, chromium, off_loop, open_page
from tests.factories import (
    CaseFieldFactory,
    CaseTypeFactory,
    DocumentRequirementFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
NIK = "3210014107900001"  # Majalengka, born 1 July 1990
MOBILE = "0812 3456 7890"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
    b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PRODUCT = b"%PDF-1.4\n1 0 obj<</Title (Akta)>>endobj\ntrailer<<>>\n%%EOF\n"
CASE_URL = re.compile(r"/cases/(?P<number>[0-9A-Z]{10})/$")
SCORES = (4, 4, 3, 4, 4, 3, 4, 3, 4)


@dataclass
class World:
    mall_code: str
    service: str
    officer_id: int
    files: dict[str, Path]


@pytest.fixture
def world(transactional_db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    mall = MallFactory()
    offering = OfferingFactory(
        booth__mall=mall, service__name="Akta Kelahiran", service__code="akta-lahir"
    )
    case_type = CaseTypeFactory(offering=offering, completion_days=5)
    CaseFieldFactory(case_type=case_type, key="child_name", label="Nama anak")
    DocumentRequirementFactory(case_type=case_type, code="ktp", name="KTP-el orang tua")
    DocumentRequirementFactory(case_type=case_type, code="kk", name="Kartu Keluarga")
    officer = UserFactory(mall=mall, booth=offering.booth)
    files = {}
    for name, content in (("ktp.pdf", PDF), ("kk.png", PNG), ("kk-baru.pdf", PDF)):
        files[name] = tmp_path / name
        files[name].write_bytes(content)
    return World(mall.code, offering.service.code, officer.pk, files)


@pytest.fixture
def browser(world, server_url) -> Browser:
    """Chromium, started after the test data is written and closed before the server stops."""
    with chromium() as browser:
        yield browser


def checked(page: Page, where: str) -> None:
    """axe-core finds nothing serious, and nothing is wider than the phone. (Not without
    JavaScript: page.evaluate never returns there; the pages are the same HTML.)"""
    if not page.js:
        return
    violations = axe_violations(page)
    assert not violations, axe_report(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), where


def click(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def officer_steps(case_number: str, officer_id: int, *steps) -> None:
    """The officer's steps at the counter (the staff pages are another test's)."""
    from mpp.accounts.models import User

    def run():
        officer = User.objects.get(pk=officer_id)
        case = Case.objects.get(number=case_number)
        for step in steps:
            if step == "output":
                document_add(
                    case=case,
                    upload=_upload("akta.pdf", PRODUCT),
                    kind=CaseDocument.Kind.OUTPUT,
                    channel="counter",
                    actor=officer,
                    actor_kind="officer",
                )
                continue
            to, missing = step if isinstance(step, tuple) else (step, None)
            case = case_transition(
                case=case,
                to=to,
                channel="counter",
                actor=officer,
                actor_kind="officer",
                missing=missing,
            )

    off_loop(run)


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def apply(phone: Page, world: World) -> str:
    """From the mall's list to a sent application; returns its number."""
    checked(phone, "apply list")
    click(phone, f'[data-service="{world.service}"] a')
    checked(phone, "apply start")
    phone.locator("#cs-name").fill("Siti Aminah")
    phone.locator("#cs-nik").fill(NIK)
    phone.locator("#cs-phone").fill(MOBILE)
    phone.locator("input[name=consent]").check()
    click(phone, "[data-testid=start]")

    number = phone.locator("[data-testid=case-number]").get_attribute("data-number")
    assert NIK not in phone.url and NIK not in phone.content()
    checked(phone, "form")
    click(phone, "[data-testid=next]")  # nothing answered: the form says what is missing
    expect(phone.locator(".has-error")).to_have_count(1)
    phone.locator("input[name=child_name]").fill("Budi Santoso")
    click(phone, "[data-testid=next]")

    checked(phone, "documents")
    photo = phone.locator("#photo-kk")
    expect(photo).to_have_attribute("capture", "environment")
    phone.locator("#doc-ktp").set_input_files(world.files["ktp.pdf"])
    phone.locator("#doc-kk").set_input_files(world.files["kk.png"])
    click(phone, "[data-testid=next]")

    checked(phone, "review")
    expect(phone.locator("[data-testid=documents] li")).to_have_count(2)
    expect(phone.locator("[data-testid=missing]")).to_have_count(0)
    click(phone, "[data-testid=submit]")
    assert CASE_URL.search(phone.url).group("number") == number
    expect(phone.locator("[data-testid=case-status]")).to_have_attribute("data-status", "submitted")
    checked(phone, "case submitted")
    return number


def answer_returned(phone: Page, world: World) -> None:
    phone.reload()
    status = phone.locator("[data-testid=case-status]")
    expect(status).to_have_attribute("data-status", "returned")
    expect(phone.locator("[data-testid=missing-note]")).to_be_visible()
    asked = phone.locator('[data-requirement="kk"] [data-testid=asked-again]')
    expect(asked).to_be_visible()
    expect(phone.locator('[data-testid=upload-form] [data-requirement="ktp"]')).to_have_count(0)
    checked(phone, "case returned")
    phone.locator("#doc-kk").set_input_files(world.files["kk-baru.pdf"])
    click(phone, "[data-testid=upload]")
    expect(status).to_have_attribute("data-status", "returned")
    expect(phone.locator("[data-testid=sent]")).to_contain_text("kk-baru.pdf")
    click(phone, "[data-testid=resubmit]")
    click(phone, "[data-testid=submit]")
    expect(status).to_have_attribute("data-status", "submitted")


def follow_to_the_end(phone: Page, world: World, number: str) -> None:
    officer_steps(number, world.officer_id, "verification", "processing", "output", "ready")
    phone.reload()
    expect(phone.locator("[data-testid=case-status]")).to_have_attribute("data-status", "ready")
    with phone.expect_download() as info:
        phone.locator("[data-testid=download]").click()
    assert Path(info.value.path()).read_bytes() == PRODUCT
    expect(phone.locator("[data-testid=survey]")).to_have_count(0)
    officer_steps(number, world.officer_id, "completed")
    phone.reload()
    expect(phone.locator("[data-testid=case-status]")).to_have_attribute("data-status", "completed")
    history = phone.locator("[data-testid=history] li[data-status]")
    channels = [history.nth(i).get_attribute("data-channel") for i in range(history.count())]
    assert "web" in channels and "counter" in channels
    checked(phone, "case completed")
    click(phone, "[data-testid=survey-link]")
    for i, score in enumerate(SCORES, start=1):
        phone.locator(f'[data-element="U{i}"] label.sv-score-{score}').click()
    phone.locator('label:has(input[name=sex][value="P"])').click()
    phone.locator("input[name=age]").fill("29")
    phone.locator('label:has(input[name=education][value="s1"])').click()
    phone.locator('label:has(input[name=occupation][value="swasta"])').click()
    click(phone, "[data-testid=survey-submit]")
    expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    case_id = off_loop(lambda: str(Case.objects.get(number=number).pk))
    used = off_loop(lambda: SurveyInvitation.objects.get(kind="case", transaction_id=case_id).used)
    assert used


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_apply_return_resubmit_download_and_survey(world, server_url, browser, js):
    phone = open_page(
        browser, f"{server_url}/m/{world.mall_code}/apply/", java_script_enabled=js, **PHONE
    )
    phone.js = js
    number = apply(phone, world)
    officer_steps(
        number,
        world.officer_id,
        "verification",
        ("returned", {"documents": ["kk"], "note": "Foto KK buram, kirim ulang."}),
    )
    answer_returned(phone, world)

    # Another phone follows the status with the number and the NIK's last four digits.
    other = open_page(browser, f"{server_url}/cases/open/", java_script_enabled=js, **PHONE)
    other.js = js
    checked(other, "open")
    other.locator("#cs-number").fill(f"{number[:2]}-{number[2:6]}-{number[6:]}")
    other.locator("#cs-last4").fill(NIK[-4:])
    click(other, "[data-testid=open]")
    assert CASE_URL.search(other.url).group("number") == number
    expect(other.locator("[data-testid=case-status]")).to_have_attribute("data-status", "submitted")

    follow_to_the_end(phone, world, number)
    assert phone.js_errors == [] and other.js_errors == []
