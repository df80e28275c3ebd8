"""The kiosk pages: service list by booth, the no-JS issue flow, and readable refusals."""

import json
import re
import uuid

import pytest
import segno
from django.conf import settings
from django.test import Client

from mpp.catalog.models import Mall
from mpp.core import formkeys
from mpp.core.idempotency import (
    idempotency_claim,
    idempotency_complete,
    request_fingerprint,
    scope_digest,
)
from mpp.core.models import IdempotencyRecord
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Source, Ticket
from tests.dead_redis import redis_down  # noqa: F401
from tests.factories import BoothFactory, OfferingFactory, ServiceFactory, device_credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(mall):
    """The mall's enrolled kiosk (mpp.devices) switched to English, so assertions do not
    depend on the translations."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.cookies["mpp_device"] = device_credential(mall)
    return client


def kiosk_url(mall):
    return f"/m/{mall.code}/kiosk/"


def confirm_url(mall, code):
    return f"/m/{mall.code}/kiosk/{code}/"


def booth_sections(html: str) -> dict[str, str]:
    """Each booth's section of the kiosk page, keyed by the booth's ticket letter."""
    parts = html.split('<section class="booth"')[1:]
    out = {}
    for part in parts:
        letter = re.search(r'<span class="letter"[^>]*>(\w+)</span>', part).group(1)
        out[letter] = part.split("</section>")[0]
    return out


def qr_cells(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by a segno path (absolute M, then relative m/h/v moves)."""
    d = re.search(r'\sd="([^"]+)"', svg).group(1)
    cells, x, y = set(), 0.0, 0.0
    for op, a, b in re.findall(r"([MmHhVv])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        elif op == "h":
            for i in range(int(float(a))):
                cells.add((int(x) + i, int(y)))
            x += float(a)
    return cells


def matrix_cells(url: str, border: int) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="m", micro=False).matrix
    return {
        (col + border, row + border)
        for row, line in enumerate(matrix)
        for col, dark in enumerate(line)
        if dark
    }


def test_kiosk_lists_active_services_grouped_by_booth(en, mall):
    ktp = BoothFactory(mall=mall, ticket_prefix="A", name="Gerai Dukcapil", sort_order=1)
    tax = BoothFactory(mall=mall, ticket_prefix="B", name="Gerai Pajak", sort_order=2)
    OfferingFactory(booth=ktp, service__name="KTP-el baru", service__completion_time="1 jam")
    OfferingFactory(booth=ktp, service__name="Kartu Identitas Anak")
    OfferingFactory(booth=tax, service__name="Cetak NPWP", service__fee=50000)
    OfferingFactory(booth=tax, service__name="Layanan Tutup", is_active=False)
    BoothFactory(mall=mall, ticket_prefix="C", name="Gerai Kosong")

    response = en.get(kiosk_url(mall))

    assert response.status_code == 200
    html = response.content.decode()
    sections = booth_sections(html)
    assert list(sections) == ["A", "B"]  # in booth order; a booth without services is left out
    assert "Gerai Dukcapil" in sections["A"]
    assert "KTP-el baru" in sections["A"] and "Kartu Identitas Anak" in sections["A"]
    assert "Cetak NPWP" not in sections["A"]
    assert "Cetak NPWP" in sections["B"] and "Rp\u00a050.000" in sections["B"]
    assert "Free" in sections["A"] and "1 jam" in sections["A"]
    assert "Layanan Tutup" not in html
    ktp_code = ktp.offerings.get(service__name="KTP-el baru").service.code
    assert f'href="{confirm_url(mall, ktp_code)}"' in html


def test_confirm_page_offers_the_five_priority_groups(en, offering):
    response = en.get(confirm_url(offering.mall, offering.service.code))
    assert response.status_code == 200
    html = response.content.decode()
    values = re.findall(r'name="priority" value="(\w+)"', html)
    assert values == list(Priority.values)
    assert html.count('<svg class="pictogram"') == len(Priority.values)
    assert re.search(r'value="regular"\s+checked', html)
    assert offering.service.name in html and "KTP-el asli" in html  # requirement listed


def test_no_js_flow_issues_exactly_one_ticket_and_prints_it(mall, offering):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserts the English msgids
    browser.cookies["mpp_device"] = device_credential(mall)  # the mall's enrolled kiosk
    start = browser.get(kiosk_url(mall)).content.decode()
    link = re.search(r'href="(/m/[^"]+/kiosk/[^"]+/)"', start).group(1)
    form_page = browser.get(link).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', form_page).group(1)
    action = re.search(r'<form method="post" class="issue-form" action="([^"]+)"', form_page)

    response = browser.post(
        action.group(1),
        {"csrfmiddlewaretoken": csrf, "nonce": nonce, "priority": Priority.ELDERLY},
    )

    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.priority, ticket.offering_id) == (
        Source.KIOSK,
        Priority.ELDERLY,
        offering.pk,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/t/{ticket.secret}/print/?autoprint=1"

    printed = browser.get(response["Location"])
    assert printed.status_code == 200
    html = printed.content.decode()
    assert f'<p class="slip-number">{ticket.number}</p>' in html
    assert mall.name in html and offering.service.name in html and "Elderly" in html
    assert "data-autoprint" in html
    svg = re.search(r'<svg viewBox="[^"]+" class="qr">.*?</svg>', html, re.S).group(0)
    assert qr_cells(svg) == matrix_cells(f"http://testserver/t/{ticket.secret}/", border=2)


def test_a_second_submit_of_the_same_form_returns_the_same_ticket(en, offering):
    form = {"nonce": uuid.uuid4().hex, "priority": "regular"}
    first = en.post(confirm_url(offering.mall, offering.service.code), form)
    again = en.post(confirm_url(offering.mall, offering.service.code), form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Ticket.objects.count() == 1
    other = en.post(confirm_url(offering.mall, offering.service.code), {"nonce": uuid.uuid4().hex})
    assert other["Location"] != first["Location"]
    assert Ticket.objects.count() == 2


def test_unknown_service_gives_a_readable_message_and_no_ticket(en, mall, offering):
    page = en.get(confirm_url(mall, "no-such-service"))
    assert page.status_code == 404
    assert "This service is not offered at this mall." in page.content.decode()

    nonce = uuid.uuid4().hex
    posted = en.post(confirm_url(mall, "no-such-service"), {"nonce": nonce})
    assert posted.status_code == 404
    html = posted.content.decode()
    assert "No ticket was printed" in html and "no-such-service" in html
    assert Ticket.objects.count() == 0
    # the failed nonce does not block a retry with a valid service
    retry = en.post(confirm_url(mall, offering.service.code), {"nonce": nonce})
    assert retry.status_code == 302 and Ticket.objects.count() == 1


def test_bad_priority_is_refused_without_a_ticket(en, offering):
    response = en.post(confirm_url(offering.mall, offering.service.code), {"priority": "vip"})
    assert response.status_code == 422
    assert "Unknown priority group." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_closed_mall_says_so_and_issues_nothing(en, mall, offering):
    mall.status = Mall.Status.CLOSED
    mall.save()
    start = en.get(kiosk_url(mall))
    assert start.status_code == 200
    assert "not giving out queue numbers" in start.content.decode()
    assert en.get(confirm_url(mall, offering.service.code)).status_code == 200

    posted = en.post(confirm_url(mall, offering.service.code), {"priority": "regular"})
    assert posted.status_code == 409
    assert "This mall is not operating." in posted.content.decode()
    assert Ticket.objects.count() == 0


def test_unknown_mall_is_a_404_page(en, db):
    response = en.get("/m/no-such-mall/kiosk/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert en.post("/m/no-such-mall/kiosk/x/").status_code == 404


def test_service_with_a_fee_shows_it_in_rupiah_on_confirm(en, mall):
    booth = BoothFactory(mall=mall)
    OfferingFactory(booth=booth, service=ServiceFactory(agency=booth.agency, fee=1250000))
    code = booth.offerings.get().service.code
    assert "Rp\u00a01.250.000" in en.get(confirm_url(mall, code)).content.decode()


def test_an_amount_set_per_case_is_not_shown_as_free(en, mall):
    """PBB, BPHTB, a PLN connection: no fixed fee, yet not free (Service.fee_varies)."""
    booth = BoothFactory(mall=mall)
    pbb = ServiceFactory(agency=booth.agency, fee=0, fee_varies=True)
    nikah = ServiceFactory(agency=booth.agency, fee=30000, fee_varies=True)
    OfferingFactory(booth=booth, service=pbb)
    OfferingFactory(booth=booth, service=nikah)
    html = en.get(confirm_url(mall, pbb.code)).content.decode()
    assert "Set per case" in html and "Free" not in html
    html = en.get(confirm_url(mall, nikah.code)).content.decode()
    assert "From Rp\u00a030.000" in html


# One mechanism for retries: the form's nonce is an idempotency key in the database -----


@pytest.mark.usefixtures("redis_down")
def test_double_submit_with_a_dead_cache_issues_once(en, offering):
    """The nonce used to live in the cache (Redis): with Redis down, a kiosk that resent
    its form got a second ticket, or a 500."""
    en.raise_request_exception = False
    form = {"nonce": uuid.uuid4().hex, "priority": "regular"}
    first = en.post(confirm_url(offering.mall, offering.service.code), form)
    again = en.post(confirm_url(offering.mall, offering.service.code), form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Ticket.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1  # kept in the database, not the cache


def test_a_second_tap_on_another_priority_still_gives_the_first_ticket(en, offering):
    nonce = uuid.uuid4().hex
    first = en.post(confirm_url(offering.mall, offering.service.code), {"nonce": nonce})
    again = en.post(
        confirm_url(offering.mall, offering.service.code), {"nonce": nonce, "priority": "elderly"}
    )
    assert first["Location"] == again["Location"]
    assert Ticket.objects.get().priority == Priority.REGULAR


def test_a_resend_while_the_first_is_running_waits_then_gets_its_ticket(en, offering, monkeypatch):
    """The second submit of a form whose first request is still being served does not
    issue: it waits for the first (here: gives up quickly), then gets its ticket."""
    monkeypatch.setattr(formkeys, "WAIT_SECONDS", 0.3)
    mall, code, nonce = offering.mall, offering.service.code, uuid.uuid4().hex
    scope = scope_digest("POST", f"form:kiosk:{mall.pk}", "anon")
    fingerprint = request_fingerprint(json.dumps({"service": code}).encode())
    outcome, record = idempotency_claim(scope=scope, key=nonce, fingerprint=fingerprint)
    assert outcome == "new"  # the first request, still running

    waiting = en.post(confirm_url(mall, code), {"nonce": nonce})
    assert waiting.status_code == 409
    assert "still being processed" in waiting.content.decode()
    assert Ticket.objects.count() == 0

    ticket = q.ticket_issue(mall=mall, service_code=code)  # the first request finishes
    idempotency_complete(
        record=record, status_code=200, response=json.dumps({"ticket": ticket.secret})
    )
    done = en.post(confirm_url(mall, code), {"nonce": nonce})
    assert done.status_code == 302 and done["Location"] == f"/t/{ticket.secret}/print/?autoprint=1"
    assert Ticket.objects.count() == 1
