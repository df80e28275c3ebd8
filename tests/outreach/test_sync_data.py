"""GET /lapangan/data/: the crew's stops for one or several days (published plans only),
the requests behind them with masked phones, and the standards of the services on board."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mpp.outreach.models import Plan, Visit
from tests.factories import OutreachRequestFactory, village
from tests.outreach.sync_helpers import signed_in, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


def visit_on(world, plan, day, order, kind="village", **kwargs) -> Visit:
    visit = Visit.objects.create(
        plan=plan,
        vehicle=world.vehicle,
        date=day,
        order=order,
        kind=kind,
        village=world.visit.village,
        start="13:00",
        end="13:45",
        people=1,
        **kwargs,
    )
    visit.services.set([world.offering.service])
    return visit


def test_the_days_route_with_requests_and_standards(world):
    today = world.mall.today()
    home = visit_on(world, world.visit.plan, today, 2, kind="home")
    group = OutreachRequestFactory(mall=world.mall, people=9, services=[world.offering.service])
    elder = OutreachRequestFactory(
        mall=world.mall,
        people=1,
        home_visit=True,
        needs=["elderly"],
        address="Blok Sabtu RT 02",
        contact_phone="081298765432",
    )
    world.visit.requests.set([group])
    home.requests.set([elder])
    draft = Plan.objects.create(
        mall=world.mall, starts_on=today, ends_on=today, created_at=timezone.now()
    )
    visit_on(world, draft, today, 1)  # a draft's visits are not the crew's route

    response = signed_in(world.crew).get(reverse("outreach:field_data"))

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"name": "Asep Kru"}
    assert body["vehicle"] == {"id": world.vehicle.pk, "name": world.vehicle.name}
    assert body["date"] == today.isoformat() and body["dates"] == [today.isoformat()]
    assert [s["visit_id"] for s in body["stops"]] == [world.visit.pk, home.pk]
    first, second = body["stops"]
    assert first["kind"] == "village" and first["village_code"] == village().code
    assert first["village_name"] == "Cipasung" and first["people"] == 12
    assert (first["start"], first["end"]) == ("09:00", "11:00")
    assert first["services"] == [
        {"code": world.offering.service.code, "name": world.offering.service.name}
    ]
    assert first["requests"] == [
        {
            "code": group.code,
            "people": 9,
            "needs": [],
            "home_visit": False,
            "address": "",
            "phone_masked": "0812****7890",
        }
    ]
    assert second["requests"][0]["address"] == "Blok Sabtu RT 02"
    assert second["requests"][0]["phone_masked"] == "0812****5432"
    assert "081298765432" not in response.content.decode()
    standard = body["services"][0]
    assert standard["code"] == world.offering.service.code
    assert standard["requirements"] == ["KTP-el asli"]
    assert standard["duration"] == "1 hari kerja" and standard["cost"] == 0
    assert body["offerings"][0]["service_code"] == world.offering.service.code


def test_several_days_at_once_and_bad_parameters(world):
    today = world.mall.today()
    later = visit_on(world, world.visit.plan, today + dt.timedelta(days=2), 1)
    beyond = visit_on(world, world.visit.plan, today + dt.timedelta(days=3), 1)
    client = signed_in(world.crew)

    three = client.get(reverse("outreach:field_data"), {"days": 3}).json()
    assert three["dates"] == [(today + dt.timedelta(days=i)).isoformat() for i in range(3)]
    assert [s["visit_id"] for s in three["stops"]] == [world.visit.pk, later.pk]
    assert three["stops"][1]["date"] == later.date.isoformat()
    from_day = client.get(reverse("outreach:field_data"), {"date": beyond.date.isoformat()}).json()
    assert [s["visit_id"] for s in from_day["stops"]] == [beyond.pk]
    for params, code in (({"days": 8}, "invalid_days"), ({"date": "05-03-2027"}, "invalid_date")):
        response = client.get(reverse("outreach:field_data"), params)
        assert response.status_code == 422 and response.json()["code"] == code
