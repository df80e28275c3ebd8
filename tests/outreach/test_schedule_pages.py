"""The public pages "Jadwal layanan keliling": per mall by kecamatan, per kecamatan, per
village; plain HTML without script, no login, home visits without names or addresses,
readable 404s; the mall list links to them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from mpp.outreach.models import PlanStatus
from tests.factories import MallFactory
from tests.outreach.plans_world import make_plan, make_request, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world()
    home = make_request(
        world, home_visit=True, contact_name="Nenek Warsih", address="Dusun Kliwon RT 3"
    )
    make_plan(
        world,
        [
            {"day": 2, "start": dt.time(8, 30), "end": dt.time(11, 0)},
            {"day": 2, "kind": "home", "requests": [home], "start": dt.time(11, 30),
             "end": dt.time(12, 0)},
            {"day": 4, "village": 1, "services": world.services},
        ],
        status=PlanStatus.PUBLISHED,
    )  # fmt: skip
    make_plan(world, [{"day": 3, "village": 1}], first=3, days=1)  # draft
    return world


def _get(url: str):
    client = Client()
    client.cookies["django_language"] = "en"
    return client.get(url)


def test_mall_page_lists_visits_by_kecamatan_without_script(world):
    response = _get(reverse("outreach:schedule_mall", args=[world.mall.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mobile service schedule" in html
    assert "<script" not in html
    assert "Lemahsugih" in html and "Kecamatan Dua" in html
    assert html.index("Kecamatan Dua") < html.index("Lemahsugih")  # by name
    assert html.count('data-visit-kind="village"') == 2
    assert html.count('data-visit-kind="home"') == 1
    assert "08:30–11:00" in html and "KTP-el" in html and "Akta Kelahiran" in html
    assert world.day(3).isoformat() not in html  # the draft's day
    for secret in ("Warsih", "Kliwon", "0812", "JB-"):
        assert secret not in html
    assert reverse("outreach:schedule_district", args=[world.mall.code, "32.10.02"]) in html
    assert reverse("outreach:schedule_village", args=[world.mall.code, "32.10.01.2001"]) in html
    assert reverse("outreach:request_new", args=[world.mall.code]) in html  # ask for a visit


def test_district_and_village_pages(world):
    district = _get(reverse("outreach:schedule_district", args=[world.mall.code, "32.10.02"]))
    assert district.status_code == 200
    html = district.content.decode()
    assert "Sukamaju" in html and "Cipasung" not in html
    village = _get(reverse("outreach:schedule_village", args=[world.mall.code, "32.10.01.2001"]))
    html = village.content.decode()
    assert village.status_code == 200
    assert html.count("data-visit-kind=") == 2 and "Sukamaju" not in html
    assert reverse("outreach:schedule_district", args=[world.mall.code, "32.10.01"]) in html


def test_a_village_without_visits_says_so(world):
    from tests.factories import village

    village("32.10.03.2003", "Sindang", "Kecamatan Tiga")
    response = _get(reverse("outreach:schedule_village", args=[world.mall.code, "32.10.03.2003"]))
    assert response.status_code == 200
    assert 'data-testid="no-visits"' in response.content.decode()


@pytest.mark.parametrize(
    "name,args",
    [
        ("schedule_mall", ["no-such-mall"]),
        ("schedule_mall", ["bad code!"]),
        ("schedule_district", [None, "99.99.99"]),  # outside the mall's kabupaten
        ("schedule_district", [None, "32.10.77"]),  # no such kecamatan
        ("schedule_district", [None, "32.10.01.2001"]),  # a village on the kecamatan page
        ("schedule_village", [None, "32.10.01"]),
        ("schedule_village", [None, "../../etc"]),
    ],
)
def test_unknown_places_are_a_readable_404(world, name, args):
    args = [a if a is not None else world.mall.code for a in args]
    try:
        url = reverse(f"outreach:{name}", args=args)
    except Exception:
        url = f"/keliling/{args[0]}/desa/{args[-1]}/"
    response = _get(url)
    assert response.status_code == 404
    assert "<html" in response.content.decode()


def test_another_mall_shows_nothing_of_this_one(world):
    other = MallFactory()
    html = _get(reverse("outreach:schedule_mall", args=[other.code])).content.decode()
    assert "Cipasung" not in html and 'data-testid="no-visits"' in html


def test_the_mall_list_and_the_mall_page_link_to_the_schedule(world):
    link = reverse("outreach:schedule_mall", args=[world.mall.code])
    assert link in _get(reverse("web:home")).content.decode()
    assert link in _get(reverse("mall-home", args=[world.mall.code])).content.decode()
