"""The demand pages: the citizen's two-step form (no JavaScript), the thanks and
tracking pages, the agent's form, the manager's demand tables, a request's page with
its location correction, and a village's meeting point."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.outreach.models import OutreachRequest, VillagePoint
from tests.factories import (
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    UserFactory,
    village,
)

pytestmark = pytest.mark.django_db

EN = {"django_language": "en"}


@pytest.fixture
def offering():
    village()
    village("32.10.01.2002", "Bangbayang")
    village("32.10.02.2001", "Desa Lain", "Bantarujeg")
    return OfferingFactory()


@pytest.fixture
def en(client):
    client.cookies.load(EN)
    return client


def _form(offering, **extra):
    return {
        "kecamatan": "32.10.01",
        "village": "32.10.01.2001",
        "services": [offering.service.code],
        "people": "3",
        "contact_phone": "0812 3456 7890",
        **extra,
    }


def test_citizen_files_in_two_steps_and_follows_the_request(en, offering):
    url = reverse("outreach:request_new", args=[offering.mall.code])
    step1 = en.get(url)
    assert step1.status_code == 200
    page = step1.content.decode()
    assert 'name="kecamatan"' in page and "Lemahsugih" in page and "<script" not in page
    step2 = en.get(url, {"kecamatan": "32.10.01"})
    page = step2.content.decode()
    assert step2.status_code == 200
    assert "Cipasung" in page and "Bangbayang" in page and "Desa Lain" not in page
    assert offering.service.name in page
    response = en.post(url, _form(offering, home_visit="on", needs=["elderly"]))
    assert response.status_code == 302
    done = en.get(response["Location"])
    code = re.search(r'data-testid="tracking-code">(JB-[A-Z0-9]{6})<', done.content.decode())
    assert code, done.content.decode()
    req = OutreachRequest.objects.get(code=code.group(1))
    assert req.source == "web" and req.home_visit and req.needs == ["elderly"]
    assert code.group(1) not in response["Location"]
    again = en.get(response["Location"])  # shown once
    assert code.group(1) not in again.content.decode()
    track = en.post(reverse("outreach:request_track"), {"code": code.group(1).lower()})
    assert track.status_code == 200
    page = track.content.decode()
    assert 'data-status="received"' in page and "Cipasung" in page
    assert "3456" not in page


def test_bad_input_shows_readable_messages(en, offering):
    url = reverse("outreach:request_new", args=[offering.mall.code])
    response = en.post(url, _form(offering, contact_phone="12345", people="0", services=[]))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Please correct the fields marked below." in page
    assert page.count('class="cp-errors"') >= 2
    assert not OutreachRequest.objects.exists()
    response = en.post(url, _form(offering, contact_phone="12345"))
    assert response.status_code == 422
    assert "Indonesian mobile number" in response.content.decode()
    response = en.post(url, _form(offering, village="32.10.02.2001"))  # not this kecamatan
    assert response.status_code == 422
    response = en.get(url, {"kecamatan": "99.99.99"})
    assert response.status_code == 422 and "cp-errors" in response.content.decode()
    response = en.post(reverse("outreach:request_track"), {"code": "JB-AAAAAA"})
    assert response.status_code == 404 and "could not find" in response.content.decode()
    response = en.post(reverse("outreach:request_track"), {"code": ""})
    assert response.status_code == 422
    assert en.get(reverse("outreach:request_new", args=["no-mall"])).status_code == 404


def test_kiosk_link_and_kiosk_source(en, offering):
    url = reverse("outreach:request_new", args=[offering.mall.code])
    response = en.post(url + "?kanal=kiosk", _form(offering, kanal="kiosk"))
    assert response.status_code == 302 and "kanal=kiosk" in response["Location"]
    assert OutreachRequest.objects.get().source == "kiosk"
    done = en.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in done


def test_agent_files_only_for_their_villages(client, offering):
    mall = offering.mall
    agent = UserFactory(role=Role.VILLAGE_AGENT, mall=mall, region=village().parent)
    client.force_login(agent)
    url = reverse("outreach:agent_request_new")
    page = client.get(url).content.decode()
    assert "Cipasung" in page and "Bangbayang" in page and "Desa Lain" not in page
    refused = client.post(url, _form(offering, village="32.10.02.2001"))
    assert refused.status_code == 422
    assert not OutreachRequest.objects.exists()
    response = client.post(url, _form(offering))
    assert response.status_code == 302
    req = OutreachRequest.objects.get()
    assert req.source == "agent" and req.filed_by == agent
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "+6281234567890" not in detail.content.decode()  # masked for agents
    assert client.get(reverse("outreach:demand")).status_code == 403
    assert client.get(reverse("admin:index")).status_code in (302, 403)
    other = OutreachRequestFactory(mall=mall, village=village("32.10.02.2001"))
    assert client.get(reverse("outreach:request_detail", args=[other.pk])).status_code == 403


def test_manager_sees_demand_and_corrects_locations(client, offering):
    mall = offering.mall
    OutreachRequestFactory(mall=mall, people=4, services=[offering.service])
    req = OutreachRequestFactory(
        mall=mall, people=2, home_visit=True, needs=["bedridden"], services=[offering.service]
    )
    OutreachRequestFactory(mall=MallFactory(), people=50, services=[offering.service])
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    client.force_login(manager)
    client.cookies.load(EN)
    response = client.get(reverse("outreach:demand"))
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(r'data-village="32.10.01.2001".*?</tr>', page, re.S).group(0)
    assert '<td data-testid="people">6</td>' in row
    district = re.search(r'data-district="32.10.01".*?</tr>', page, re.S).group(0)
    assert "Jawa Barat" in district and '<td data-testid="people">6</td>' in district
    filtered = client.get(reverse("outreach:demand"), {"kecamatan": "32.10.02"})
    assert 'data-village="32.10.01.2001"' not in filtered.content.decode()
    junk = client.get(reverse("outreach:demand"), {"status": "nope", "kecamatan": "x"})
    assert junk.status_code == 200
    detail = client.get(reverse("outreach:request_detail", args=[req.pk]))
    assert "+6281234567890" in detail.content.decode() or "081234567890" in detail.content.decode()
    locate = reverse("outreach:request_locate", args=[req.pk])
    bad = client.post(locate, {"where": "point", "lat": "abc", "lon": "108"})
    assert bad.status_code == 422 and "cp-errors" in bad.content.decode()
    ok = client.post(locate, {"where": "point", "lat": "-6.9", "lon": "108.1"})
    assert ok.status_code == 302
    req.refresh_from_db()
    assert float(req.lat) == -6.9
    client.post(locate, {"where": "village"})
    req.refresh_from_db()
    assert req.lat is None
    point_url = reverse("outreach:village_point", args=["32.10.01.2001"])
    assert client.get(point_url).status_code == 200
    bad = client.post(point_url, {"opens_at": "14:00", "closes_at": "08:00"})
    assert bad.status_code == 422 and "open before" in bad.content.decode()
    saved = client.post(
        point_url,
        {"lat": "-7.05", "lon": "108.171", "meeting_place": "Balai Desa", "opens_at": "08:00"},
    )
    assert saved.status_code == 422  # both hall hours or neither
    saved = client.post(point_url, {"lat": "-7.05", "lon": "108.171", "meeting_place": "Balai"})
    assert saved.status_code == 302
    assert VillagePoint.objects.get(village_id="32.10.01.2001").meeting_place == "Balai"
    assert client.get(reverse("outreach:village_point", args=["99"])).status_code == 404
    cancel = client.post(reverse("outreach:request_cancel", args=[req.pk]))
    assert cancel.status_code == 302
    req.refresh_from_db()
    assert req.status == "cancelled"


def test_officer_reads_but_does_not_plan(client, offering):
    req = OutreachRequestFactory(mall=offering.mall, services=[offering.service])
    officer = UserFactory(role=Role.OFFICER, mall=offering.mall)
    client.force_login(officer)
    detail = client.get(reverse("outreach:request_detail", args=[req.pk]))
    assert detail.status_code == 200 and "request_locate" not in detail.content.decode()
    assert "/location/" not in detail.content.decode()
    locate = client.post(reverse("outreach:request_locate", args=[req.pk]), {"where": "village"})
    assert locate.status_code == 403
    assert client.get(reverse("outreach:demand")).status_code == 403
    assert client.get(reverse("outreach:village_point", args=["32.10.01.2001"])).status_code == 403


def test_anonymous_staff_pages_go_to_sign_in(client, offering):
    for url in (
        reverse("outreach:demand"),
        reverse("outreach:agent_request_new"),
        reverse("outreach:request_detail", args=[1]),
        reverse("outreach:village_point", args=["x"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("web:login") in response["Location"]


def test_the_form_loads_the_malls_villages_on_first_use(en):
    from mpp.core.models import Region

    mall = MallFactory()
    assert not Region.objects.filter(level=3).exists()
    page = en.get(reverse("outreach:request_new", args=[mall.code])).content.decode()
    assert 'value="32.10.01"' in page and "Lemahsugih" in page
    step2 = en.get(reverse("outreach:request_new", args=[mall.code]), {"kecamatan": "32.10.01"})
    assert 'value="32.10.01.2001"' in step2.content.decode()
    assert VillagePoint.objects.filter(village__code__startswith="32.10.").count() > 300
