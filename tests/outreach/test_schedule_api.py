"""GET /api/v1/malls/{mall}/outreach/schedule: exactly the contract's keys, published
plans only, home visits without names or addresses, today..+14 days by default, at most
62 days, 422 for bad dates, 404 for an unknown mall, an ETag and 304."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from mpp.outreach.models import PlanStatus, Visit
from mpp.outreach.schedule import schedule_published
from tests.outreach.plans_world import make_plan, make_request, make_world

pytestmark = pytest.mark.django_db

KEYS = {"date", "village_code", "village_name", "kind", "start", "end", "services"}


def _url(world, **query) -> str:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/malls/{world.mall.code}/outreach/schedule" + (f"?{qs}" if qs else "")


@pytest.fixture
def world():
    world = make_world()
    home = make_request(
        world, home_visit=True, needs=["bedridden"], contact_name="Pak Darto",
        address="Gang Melati 7", contact_phone="081298765432",
    )  # fmt: skip
    make_plan(
        world,
        [
            {"day": 3, "village": 1, "start": dt.time(13, 0), "end": dt.time(14, 0),
             "services": world.services},
            {"day": 2, "start": dt.time(10, 0), "end": dt.time(10, 45), "kind": "home",
             "requests": [home]},
            {"day": 2, "start": dt.time(8, 30), "end": dt.time(9, 45)},
            {"day": 20, "village": 1},
        ],
        days=25,
        status=PlanStatus.PUBLISHED,
    )  # fmt: skip
    make_plan(world, [{"day": 5, "village": 1}], first=5, days=1)  # a draft: never shown
    make_plan(world, [{"day": 6}], first=6, days=1, status=PlanStatus.SUPERSEDED)
    return world


def test_shape_order_and_defaults(world):
    response = Client().get(_url(world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert all(set(row) == KEYS for row in body)
    assert body == [
        {
            "date": world.day(2).isoformat(),
            "village_code": "32.10.01.2001",
            "village_name": "Cipasung",
            "kind": "village",
            "start": "08:30",
            "end": "09:45",
            "services": ["ktp-el"],
        },
        {
            "date": world.day(2).isoformat(),
            "village_code": "32.10.01.2001",
            "village_name": "Cipasung",
            "kind": "home",
            "start": "10:00",
            "end": "10:45",
            "services": ["ktp-el"],
        },
        {
            "date": world.day(3).isoformat(),
            "village_code": "32.10.02.2002",
            "village_name": "Sukamaju",
            "kind": "village",
            "start": "13:00",
            "end": "14:00",
            "services": ["akta-lahir", "ktp-el"],
        },
    ]  # day 20 is past the default 14 days; drafts and superseded plans never show
    text = response.content.decode()
    for secret in ("Darto", "Melati", "0812", "bedridden", "JB-"):
        assert secret not in text


def test_range_and_the_selector_agree(world):
    start, end = world.day(0), world.day(30)
    body = Client().get(_url(world, **{"from": start, "to": end})).json()
    assert [row["date"] for row in body][-1] == world.day(20).isoformat()
    assert body == schedule_published(mall=world.mall, date_from=start, date_to=end)
    only = Client().get(_url(world, **{"from": world.day(3), "to": world.day(3)})).json()
    assert [row["village_code"] for row in only] == ["32.10.02.2002"]
    assert Visit.objects.filter(plan__mall=world.mall).count() == 6


@pytest.mark.parametrize(
    "query,code",
    [
        ({"from": "2027-13-01"}, "invalid_date"),
        ({"from": "kemarin"}, "invalid_date"),
        ({"to": "2027-02-30"}, "invalid_date"),
        ({"from": "20270301"}, "invalid_date"),
        ({"from": "9999-12-31"}, "invalid_date"),  # no overflow adding the default 14 days
        ({"to": "0001-01-01"}, "invalid_date"),
        ({"from": "2027-03-10", "to": "2027-03-01"}, "invalid_range"),
        ({"from": "2027-03-01", "to": "2027-05-03"}, "invalid_range"),  # 63 days apart
        ({"from": "2027-03-01-extra-long-value"}, "validation_error"),
    ],
)
def test_bad_dates_are_422_with_code_and_message(world, query, code):
    response = Client().get(_url(world, **query))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code and body["message"]


def test_62_days_is_the_most(world):
    response = Client().get(_url(world, **{"from": "2027-03-01", "to": "2027-05-02"}))
    assert response.status_code == 200


def test_unknown_mall_is_404(world):
    response = Client().get("/api/v1/malls/no-such-mall/outreach/schedule")
    assert response.status_code == 404
    assert response.json()["code"] == "mall_not_found"


def test_cacheable_with_etag_and_304(world):
    first = Client().get(_url(world))
    assert first["Cache-Control"] == "public, max-age=300"
    etag = first["ETag"]
    again = Client().get(_url(world), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    other = Client().get(_url(world, to=world.day(30)), HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag
