"""Links from the queue to complaints: the citizen's ticket page opens the mall's
complaint form about that ticket and its service, and the officer console opens the
form for recording a complaint at the counter."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mpp.complaints.models import Complaint
from mpp.queueing import services as q

pytestmark = pytest.mark.django_db


def english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def link(page: str, testid: str) -> tuple[str, str]:
    """The href and text of the link marked data-testid=`testid`."""
    found = re.search(rf'<a\b[^>]*\bhref="([^"]+)"[^>]*data-testid="{testid}"[^>]*>(.*?)</a>', page)
    assert found, testid
    return html.unescape(found.group(1)), found.group(2)


def test_ticket_page_links_to_the_complaint_form_prefilled(mall, offering):
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    client = english()
    page = client.get(reverse("ticket", args=[ticket.secret])).content.decode()
    href, text = link(page, "ticket-complaint")
    assert text == "Complain about this service"
    url = urlsplit(href)
    assert url.path == reverse("complaint-new", args=[mall.code])
    # Only the ticket's random id and the service code travel: nothing personal.
    assert parse_qs(url.query) == {"layanan": [offering.service.code], "tiket": [str(ticket.pk)]}

    form = client.get(href)
    assert form.status_code == 200
    body = form.content.decode()
    assert f'<input type="hidden" name="ticket_ref" value="{ticket.pk}">' in body
    assert f'<option value="{offering.service.code}" selected>' in body
    assert body.count(" selected>") == 1

    filed = client.post(
        href,
        {
            "category": "time",
            "service": offering.service.code,
            "ticket_ref": str(ticket.pk),
            "description": "Nomor saya dilewati padahal saya menunggu di depan loket.",
        },
    )
    assert filed.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.ticket_ref, complaint.service_id) == (ticket.pk, offering.service_id)
    assert (complaint.mall_id, complaint.booth_id) == (mall.pk, offering.booth_id)


def test_a_finished_tickets_page_keeps_the_link(mall, offering, counter, officer):
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    assert q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk).pk == ticket.pk
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    page = english().get(reverse("ticket", args=[ticket.secret])).content.decode()
    assert 'data-status="done"' in page
    href, _text = link(page, "ticket-complaint")
    assert f"tiket={ticket.pk}" in href


def test_console_links_to_recording_a_complaint_at_the_counter(mall, counter, officer):
    client = english()
    client.force_login(officer)
    page = client.get(reverse("console-counter", args=[counter.pk])).content.decode()
    href, text = link(page, "complaint-counter-link")
    assert text == "Record a complaint"
    assert href == reverse("complaint-counter", args=[mall.code])

    form = client.get(href)
    assert form.status_code == 200
    body = form.content.decode()
    assert "<h1" in body and "Record a complaint" in body
    assert f'action="{href}"' in body
    assert english().get(href).status_code == 302  # staff only: a citizen is sent to log in
