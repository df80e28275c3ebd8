"""A public consultation in a real browser, from draft to published outcome.

The manager (desktop) writes and publishes a topic; a citizen on a 390 px phone votes and
comments; the manager approves the comment, closes the topic and publishes the outcome
with one change; the citizen then sees the outcome, the change and their comment.
Headless Chromium against uvicorn serving the test database in a thread (`server_url`),
like tests/web/test_booking_browser.py: data is written before the browser starts and read
back with `off_loop`. Elements are found by ids, names and data-* attributes, never by
their text, so the test holds in Indonesian and in English.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mpp.accounts.models import Role
from mpp.consultation.models import Comment, Topic, TopicChange, Vote
from tests.browser import chromium, off_loop, open_page
from tests.factories import MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PASSWORD = "rahasia123"
COMMENT = "Setuju, fotokopi KK selama ini membuat warga bolak-balik ke luar gedung."
CHANGE = "Fotokopi KK dihapus dari persyaratan"


@pytest.fixture
def world(transactional_db):
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall, service__name="Perekaman KTP-el baru")
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    return {"mall": mall.code, "service": offering.service_id, "manager": manager.username}


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a 390 px phone ({width} px)"


def test_a_consultation_from_draft_to_outcome(world, server_url, browser):
    base = f"{server_url}/m/{world['mall']}/konsultasi"

    # The manager signs in, writes a draft and publishes it.
    desk = open_page(browser, f"{base}/kelola/", **DESKTOP)
    desk.locator("#id_username").fill(world["manager"])
    desk.locator("#id_password").fill(PASSWORD)
    desk.locator("form.stack-form button[type=submit]").click()
    desk.locator("[data-testid=new-topic]").click()
    desk.locator("#id_title").fill("Rancangan standar pelayanan perekaman KTP-el")
    desk.locator("#id_kind").select_option("service_standard")
    desk.locator("#id_service").select_option(str(world["service"]))
    desk.locator("#id_body").fill("Kami mengusulkan fotokopi KK tidak lagi diminta. Setuju?")
    desk.locator("[data-testid=save]").click()
    expect(desk.locator("[data-testid=manage-status]")).to_have_attribute("data-status", "draft")
    day = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    desk.locator("[data-testid=publish-form] input[name=closes_on]").fill(day)
    desk.locator("[data-testid=publish]").click()
    expect(desk.locator("[data-testid=manage-status]")).to_have_attribute("data-status", "open")
    topic_id = off_loop(lambda: Topic.objects.get().pk)

    # A citizen on a phone finds it from the mall's page, votes and comments.
    phone = open_page(browser, f"{server_url}/m/{world['mall']}/", **PHONE)
    phone.locator("[data-testid=consultation-link]").click()
    no_sideways_scroll(phone)
    phone.locator(f"[data-topic='{topic_id}'] .cs-card-title a").click()
    expect(phone.locator("[data-testid=topic-status] [data-status]")).to_have_attribute(
        "data-status", "open"
    )
    no_sideways_scroll(phone)
    phone.locator("label.cs-stance", has=phone.locator("input[value=agree]")).click()
    phone.locator("[data-testid=vote-submit]").click()
    expect(phone.locator("[data-testid=my-stance]")).to_have_attribute("data-stance", "agree")
    expect(phone.locator("[data-stance=agree][data-count]")).to_have_attribute("data-count", "1")
    phone.locator("#id_display_name").fill("Ibu Yati")
    phone.locator("#id_body").fill(COMMENT)
    phone.locator("[data-testid=comment-submit]").click()
    mine = phone.locator("[data-testid=my-comments] [data-status=pending]")
    expect(mine).to_contain_text(COMMENT)
    expect(phone.locator("[data-testid=comment]")).to_have_count(0)  # not shown before moderation
    no_sideways_scroll(phone)

    # The manager approves it, closes the topic and publishes the outcome with one change.
    desk.goto(f"{base}/kelola/")
    pending = desk.locator("[data-testid=pending-comment]")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(COMMENT)
    pending.locator("textarea[name=reply]").fill("Terima kasih, Bu Yati.")
    pending.locator("[data-testid=approve]").click()
    expect(desk.locator("[data-testid=pending-comment]")).to_have_count(0)
    desk.goto(f"{base}/kelola/{topic_id}/")
    desk.locator("[data-testid=close]").click()
    expect(desk.locator("[data-testid=manage-status]")).to_have_attribute("data-status", "closed")
    desk.locator("#id_outcome").fill("Usulan disetujui: 1 dari 1 suara setuju.")
    desk.locator("#id_change_1").fill(CHANGE)
    desk.locator("#id_service_1").select_option(str(world["service"]))
    desk.locator("[data-testid=conclude]").click()
    expect(desk.locator("[data-testid=manage-status]")).to_have_attribute(
        "data-status", "concluded"
    )

    # The citizen sees the outcome, the change and their comment with the mall's reply.
    phone.reload()
    expect(phone.locator("[data-testid=outcome]")).to_contain_text("Usulan disetujui")
    expect(phone.locator("[data-testid=change]")).to_have_text(re.compile(re.escape(CHANGE)))
    comment = phone.locator("[data-testid=comment]")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(COMMENT)
    expect(comment.locator("[data-testid=reply]")).to_contain_text("Terima kasih, Bu Yati.")
    assert phone.locator("[data-testid=vote-form]").count() == 0
    no_sideways_scroll(phone)

    for page in (desk, phone):
        assert page.js_errors == [], (page.url, page.js_errors)
    topic = off_loop(lambda: Topic.objects.get(pk=topic_id))
    assert (
        topic.status == "concluded"
        and timezone.localtime(topic.closes_at).date().isoformat() == day
    )
    assert off_loop(lambda: list(Vote.objects.values_list("stance", flat=True))) == ["agree"]
    assert off_loop(lambda: list(Comment.objects.values_list("status", flat=True))) == ["approved"]
    assert off_loop(lambda: list(TopicChange.objects.values_list("description", flat=True))) == [
        CHANGE
    ]
