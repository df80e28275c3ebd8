"""The complaint pages with Django's test client: the citizen's form (phone and kiosk),
the confirmation shown once, the tracking page, the counter form, the manager's list
with overdue flags and filters, one complaint with its steps as buttons. Indonesian by
default, English with the language cookie."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mpp.complaints.models import Complaint
from mpp.complaints.services import complaint_act
from mpp.complaints.validation import code_grouped
from tests.clock import working_days_ago
from tests.complaints.conftest import file_one
from tests.factories import device_credential

pytestmark = pytest.mark.django_db

EN = {settings.LANGUAGE_COOKIE_NAME: "en"}


@pytest.fixture
def client():
    return Client()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(world, **extra) -> dict:
    data = {
        "category": "time",
        "service": world.offering_a.service.code,
        "description": "Antrean sangat lama, tiga jam belum dipanggil.",
        "name": "Siti Aminah",
        "phone": "",
        "email": "",
    }
    data.update(extra)
    return data


# The citizen's form ------------------------------------------------------------------


def test_form_is_indonesian_by_default_and_english_on_request(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    page = client.get(url)
    assert page.status_code == 200 and page["Content-Language"] == "id"
    html = page.content.decode()
    assert world.offering_a.service.name in html and 'enctype="multipart/form-data"' in html
    assert 'name="category"' in html and 'value="fees"' in html
    english(client)
    html = client.get(url).content.decode()
    assert "Make a complaint" in html and "Send the complaint" in html
    assert "Fees or illegal charges (pungli)" in html


def test_unknown_mall_is_a_404(client, db):
    assert client.get(reverse("complaint-new", args=["tidak-ada"])).status_code == 404


def test_filing_on_the_web_shows_the_code_once(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    response = client.post(url, form_data(world))
    done = reverse("complaint-done", args=[world.mall.code])
    assert response.status_code == 302 and response["Location"] == done
    complaint = Complaint.objects.get()
    assert complaint.channel == "web" and complaint.booth == world.booth_a
    assert complaint.code not in response["Location"]
    page = english(client).get(done)
    assert code_grouped(complaint.code) in page.content.decode()
    assert "Your complaint is sent" in page.content.decode()
    again = client.get(done).content.decode()  # shown once: a kiosk is shared
    assert complaint.code not in again and code_grouped(complaint.code) not in again


def test_form_errors_are_shown_next_to_the_fields_and_nothing_is_written(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    bad = form_data(world, category="", description="x", phone="7777", service="tidak-ada")
    page = english(client).post(url, bad)
    assert page.status_code == 422
    html = page.content.decode()
    assert "Please correct what is marked in red." in html
    assert 'id="cp-category-error"' in html and 'id="cp-description-error"' in html
    assert 'id="cp-phone-error"' in html and 'id="cp-service-error"' in html
    assert "7777" not in re.findall(r'id="cp-phone-error">(.*?)</ul>', html, re.S)[0]
    assert Complaint.objects.count() == 0


def test_a_contact_needs_consent(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    page = english(client).post(url, form_data(world, phone="0812 3456 7890"))
    assert page.status_code == 422 and 'id="cp-consent-error"' in page.content.decode()
    ok = client.post(url, form_data(world, phone="0812 3456 7890", consent="on"))
    assert ok.status_code == 302
    assert Complaint.objects.get().phone == "+6281234567890"


def test_anonymous_and_prefilled_from_a_ticket_link(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    ticket = "8a3f1c2e-0000-4000-8000-000000000001"
    page = client.get(f"{url}?tiket={ticket}&layanan={world.offering_b.service.code}")
    html = page.content.decode()
    assert f'value="{ticket}"' in html
    assert f'value="{world.offering_b.service.code}" selected' in html
    data = form_data(world, anonymous="on", ticket_ref=ticket, service="")
    client.post(url, data)
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.name == "" and str(complaint.ticket_ref) == ticket
    assert complaint.booth is None


def test_kiosk_form_has_no_attachment_and_returns_to_the_kiosk(client, world):
    url = reverse("complaint-kiosk", args=[world.mall.code])
    html = client.get(url).content.decode()
    assert 'type="file"' not in html and "cp-kiosk" in html
    assert reverse("kiosk", args=[world.mall.code]) in html
    response = client.post(url, form_data(world))
    assert response["Location"].endswith("/pengaduan/terkirim/?kiosk=1")
    done = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in done and Complaint.objects.get().channel == "kiosk"
    client.cookies["mpp_device"] = device_credential(world.mall)  # an enrolled kiosk
    kiosk = client.get(reverse("kiosk", args=[world.mall.code])).content.decode()
    assert url in kiosk  # the kiosk's start screen links to the complaint form


def test_too_many_complaints_from_one_address(client, world, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "complaint_ip": (1, 600)}
    url = reverse("complaint-new", args=[world.mall.code])
    assert client.post(url, form_data(world)).status_code == 302
    refused = client.post(url, form_data(world))
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Complaint.objects.count() == 1


# The tracking page ---------------------------------------------------------------------


def test_tracking_shows_status_history_and_deadlines_without_personal_data(client, world):
    complaint = file_one(world, name="Budi Santoso", phone="081234567890")
    complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="verify")
    complaint_act(
        complaint_id=complaint.pk,
        actor=world.officer_a,
        action="note",
        note="Catatan internal rahasia",
    )
    complaint_act(
        complaint_id=complaint.pk,
        actor=world.officer_a,
        action="answer",
        message="Loket tambahan sudah dibuka.",
    )
    url = reverse("complaint-track")
    assert client.get(url).status_code == 200
    page = english(client).post(url, {"code": code_grouped(complaint.code).lower()})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="answered"' in html and "Loket tambahan sudah dibuka." in html
    assert "First response by" in html and "Answer by" in html
    for secret in ("Budi", "0812", "Catatan internal", "tiga jam", world.officer_a.username):
        assert secret not in html


def test_tracking_unknown_or_malformed_code(client, world):
    url = reverse("complaint-track")
    missing = client.post(url, {"code": "ABCDE-FGHJK"})
    assert missing.status_code == 404 and 'data-testid="not-found"' in missing.content.decode()
    malformed = client.post(url, {"code": "hello"})
    assert malformed.status_code == 422


# Staff pages --------------------------------------------------------------------------


def test_counter_form_needs_a_staff_login_of_the_mall(client, world):
    url = reverse("complaint-counter", args=[world.mall.code])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(world.other_manager)
    assert client.get(url).status_code == 403
    client.force_login(world.officer_a)
    assert client.get(url).status_code == 200
    response = client.post(
        url, form_data(world, description="Warga mengeluh AC rusak di ruang tunggu.")
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == "counter" and complaint.recorded_by == world.officer_a


def make_overdue(world):
    """One complaint received 6 working days ago (both deadlines, 3 and 5 working days,
    past), one today."""
    old = file_one(world, now=working_days_ago(6))
    new = file_one(world, service_code=world.offering_b.service.code)
    return old, new


@pytest.mark.clock
def test_manager_list_flags_overdue_and_filters(client, world):
    old, new = make_overdue(world)
    client.force_login(world.manager)
    url = reverse("complaint-manage", args=[world.mall.code])
    html = english(client).get(url).content.decode()
    assert f'data-complaint="{old.pk}" class="is-late"' in html
    assert f'data-complaint="{new.pk}">' in html
    assert 'data-flag="first"' in html and 'data-flag="answer"' in html
    assert re.search(r'data-figure="overdue">1<', html)
    only_late = client.get(url, {"overdue": "on"}).content.decode()
    assert (
        f'data-complaint="{old.pk}"' in only_late and f'data-complaint="{new.pk}"' not in only_late
    )
    booth_b = client.get(url, {"booth": world.booth_b.pk}).content.decode()
    assert f'data-complaint="{new.pk}"' in booth_b and f'data-complaint="{old.pk}"' not in booth_b
    rubbish = client.get(url, {"status": "nope", "booth": "x"})
    assert rubbish.status_code == 200  # a wrong filter is ignored, never a 500


@pytest.mark.clock
def test_booth_staff_see_their_booths_list_only(client, world):
    old, new = make_overdue(world)
    client.force_login(world.officer_b)
    html = client.get(reverse("complaint-manage", args=[world.mall.code])).content.decode()
    assert f'data-complaint="{new.pk}"' in html and f'data-complaint="{old.pk}"' not in html
    detail = reverse("complaint-detail", args=[world.mall.code, old.pk])
    assert client.get(detail).status_code == 404
    client.force_login(world.other_manager)
    assert client.get(detail).status_code == 403


@pytest.mark.clock
def test_today_page_shows_the_overdue_count_with_a_link(client, world):
    make_overdue(world)
    client.force_login(world.manager)
    html = client.get(reverse("today", args=[world.mall.code])).content.decode()
    assert 'data-figure="complaints_overdue">1<' in html
    assert reverse("complaint-manage", args=[world.mall.code]) + "?overdue=on" in html


def test_detail_offers_the_allowed_steps_and_takes_them(client, world):
    complaint = file_one(world, phone="081234567890", name="Siti Aminah")
    client.force_login(world.manager)
    url = reverse("complaint-detail", args=[world.mall.code, complaint.pk])
    html = english(client).get(url).content.decode()
    steps = set(re.findall(r'data-step="(\w+)"', html))
    assert steps == {"verify", "forward", "reject", "note"}
    assert "0812****7890" in html and "+6281234567890" not in html
    assert client.post(url, {"action": "verify"}).status_code == 302
    refused = client.post(url, {"action": "verify"})
    assert refused.status_code == 409 and 'data-testid="error"' in refused.content.decode()
    missing = client.post(url, {"action": "answer", "message": ""})
    assert missing.status_code == 422
    client.post(url, {"action": "answer", "message": "Sudah kami tindak lanjuti."})
    assert Complaint.objects.get().status == "answered"
    assert client.post(url, {"action": "fly"}).status_code == 404


def test_officer_sees_fewer_buttons_and_masked_contact_only(client, world):
    complaint = file_one(world, phone="081234567890", name="Siti Aminah")
    client.force_login(world.officer_a)
    url = reverse("complaint-detail", args=[world.mall.code, complaint.pk])
    html = client.get(url).content.decode()
    assert set(re.findall(r'data-step="(\w+)"', html)) == {"verify", "note"}
    assert 'data-testid="reveal"' not in html
    assert client.post(url, {"action": "reveal"}).status_code == 403


def test_manager_reveals_the_contact_and_it_is_recorded(client, world):
    from mpp.core.models import Event

    complaint = file_one(world, phone="081234567890", name="Siti Aminah")
    client.force_login(world.manager)
    url = reverse("complaint-detail", args=[world.mall.code, complaint.pk])
    html = client.post(url, {"action": "reveal"}).content.decode()
    assert "+6281234567890" in html
    event = Event.objects.get(kind="complaint.contact_viewed")
    assert event.actor_id == world.manager.pk and "0812" not in str(event.data)


def test_nul_bytes_and_junk_are_refused_not_500(client, world):
    url = reverse("complaint-new", args=[world.mall.code])
    junk = form_data(world, description="Antrean\x00 lama sekali hari ini", name="Bu\x00di")
    junk.update(service="a\x00b", incident_date="\x00", ticket_ref="\x00", booking_ref="\x00")
    assert client.post(url, junk).status_code == 422
    assert client.post(reverse("complaint-track"), {"code": "\x00" * 10}).status_code == 422
    complaint = file_one(world)
    client.force_login(world.manager)
    detail = reverse("complaint-detail", args=[world.mall.code, complaint.pk])
    forward = {"action": "forward", "booth": "\x00", "track": "\x00"}
    assert client.post(detail, forward).status_code == 422
    assert client.post(detail, {"action": "note", "note": "a\x00"}).status_code == 422
    manage = reverse("complaint-manage", args=[world.mall.code])
    assert client.get(manage, {"booth": "\x00", "page": "\x00"}).status_code == 200
    assert Complaint.objects.count() == 1


def test_admin_is_read_only_and_scoped(client, world):
    from mpp.accounts.services import staff_groups_ensure, staff_sync_permissions

    staff_groups_ensure()  # post_migrate sets the groups before complaints' permissions exist
    mine = file_one(world)
    other = file_one(world, service_code=world.offering_b.service.code)
    for user in (world.manager, world.supervisor_a):
        staff_sync_permissions(user=user)
    client.force_login(world.supervisor_a)
    listing = client.get("/admin/complaints/complaint/").content.decode()
    assert mine.code in listing and other.code not in listing
    page = client.get(f"/admin/complaints/complaint/{mine.pk}/change/")
    assert page.status_code == 200 and "+62" not in page.content.decode()
    assert client.get(f"/admin/complaints/complaint/{other.pk}/change/").status_code in (302, 404)
    client.force_login(world.manager)
    assert other.code in client.get("/admin/complaints/complaint/").content.decode()
    assert client.get("/admin/complaints/complaint/add/").status_code == 403


def test_a_pungli_complaint_from_the_web_reaches_the_manager_not_the_booth(client, world):
    response = client.post(
        reverse("complaint-new", args=[world.mall.code]),
        form_data(world, category="fees", description="Petugas loket meminta uang Rp50.000."),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.booth is None and complaint.about_booth == world.booth_a
    client.force_login(world.officer_a)
    manage = reverse("complaint-manage", args=[world.mall.code])
    assert f'data-complaint="{complaint.pk}"' not in client.get(manage).content.decode()
    detail = reverse("complaint-detail", args=[world.mall.code, complaint.pk])
    assert client.get(detail).status_code == 404
    client.force_login(world.manager)
    html = english(client).get(detail).content.decode()
    assert f'data-testid="about-booth">{world.booth_a.name}<' in html


def test_the_admin_has_no_search_by_tracking_code(client, world):
    from mpp.complaints.admin import ComplaintAdmin

    assert "code" not in ComplaintAdmin.search_fields  # ?q=<code> would be in the logs
