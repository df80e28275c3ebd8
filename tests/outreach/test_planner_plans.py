"""Making a plan from a mall's rows (outreach.plans.plan_create) and the manager's rules
(plan_rule_add, plan_rule_remove), on the real database with the real solver (under a
second each). Dates come from the mall's calendar, never a fixed "today"."""

from __future__ import annotations

import datetime as dt

import pytest

from mpp.accounts.models import Role
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.models import Event
from mpp.outreach import plans
from mpp.outreach.models import PlanRule, PlanStatus, RequestStatus, Unserved, Visit
from mpp.outreach.plan_input import working_days
from tests.factories import (
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    UserFactory,
    VehicleFactory,
    village,
)

pytestmark = pytest.mark.django_db
SECONDS = 0.5
DAYS = 21  # three weeks: enough working days even around Nyepi and Idul Fitri


@pytest.fixture
def world():
    mall = MallFactory()
    ktp = OfferingFactory(booth__mall=mall, service__code="ktp-el")
    akta = OfferingFactory(booth__mall=mall, service__code="akta-lahir")
    paspor = OfferingFactory(booth__mall=mall, service__code="paspor")
    van = VehicleFactory(mall=mall, offerings=[ktp, akta])
    villages = {
        "a": village(),  # Cipasung, about 25 km from the depot
        "b": village("32.10.02.2002", "Sukamaju", "Kecamatan Dua", lat=-6.9, lon=108.3),
        "c": village("32.10.03.2003", "Tanpa Titik", "Kecamatan Tiga", lat=None),
        "d": village("32.10.04.2004", "Jauh Dari Aturan", "Kecamatan Empat", lat=-6.85, lon=108.25),
    }
    starts_on = mall.today() + dt.timedelta(days=1)
    days = working_days(mall, starts_on, starts_on + dt.timedelta(days=DAYS - 1))
    assert len(days) >= 3
    return {
        "mall": mall,
        "ktp": ktp.service,
        "akta": akta.service,
        "paspor": paspor.service,
        "van": van,
        "v": villages,
        "starts_on": starts_on,
        "days": days,
        "manager": UserFactory(role=Role.MALL_MANAGER, mall=mall),
    }


def _request(world, key, service="ktp", **kwargs):
    return OutreachRequestFactory(
        mall=world["mall"], village=world["v"][key], services=[world[service]], **kwargs
    )


def _plan(world, **kwargs):
    values = {"mall": world["mall"], "starts_on": world["starts_on"], "days": DAYS}
    return plans.plan_create(**{**values, "seconds": SECONDS, **kwargs})


def test_plan_create_stores_a_draft_with_visits_and_the_unserved_with_reasons(world):
    a1 = _request(world, "a", people=3)
    a2 = _request(world, "a", people=4, service="akta")
    b_home = _request(world, "b", people=1, home_visit=True, needs=["elderly"], service="akta")
    no_point = _request(world, "c")
    excluded = _request(world, "d")
    not_carried = _request(world, "a", service="paspor")
    plans.plan_rule_add(
        mall=world["mall"],
        kind=PlanRule.Kind.EXCLUDE,
        village=world["v"]["d"],
        actor=world["manager"],
    )
    world["van"].days_off = [world["days"][0].isoformat()]
    world["van"].save()

    plan = _plan(world, actor=world["manager"])

    assert plan.status == PlanStatus.DRAFT and plan.mall == world["mall"]
    assert plan.starts_on == world["starts_on"]
    assert plan.ends_on == world["starts_on"] + dt.timedelta(days=DAYS - 1)
    assert plan.created_by == world["manager"]
    visits = list(plan.visits.order_by("date", "order"))
    assert len(visits) == 2
    village_visit = next(v for v in visits if v.kind == Visit.Kind.VILLAGE)
    home_visit = next(v for v in visits if v.kind == Visit.Kind.HOME)
    assert village_visit.village == world["v"]["a"] and village_visit.people == 7
    assert set(village_visit.requests.all()) == {a1, a2}
    assert set(village_visit.services.all()) == {world["ktp"], world["akta"]}
    assert home_visit.village == world["v"]["b"] and list(home_visit.requests.all()) == [b_home]
    assert list(home_visit.services.all()) == [world["akta"]]
    for visit in visits:
        assert visit.vehicle == world["van"] and visit.date in world["days"]
        assert visit.date != world["days"][0]  # the van's day off
        assert dt.time(8) <= visit.start < visit.end <= dt.time(15)
    assert {u.request: u.reason for u in Unserved.objects.filter(plan=plan)} == {
        no_point: "no_location",
        excluded: "excluded",
        not_carried: "no_vehicle",
    }
    # Planning is not publishing: the requests still wait.
    assert set(a1.__class__.objects.values_list("status", flat=True)) == {RequestStatus.RECEIVED}
    event = Event.objects.get(kind="outreach.plan_created", subject_id=str(plan.pk))
    assert event.subject_type == "outreach_plan" and event.mall_id == world["mall"].pk
    assert event.actor_id == world["manager"].pk and event.data["visits"] == 2
    assert event.data["requests_unserved"] == 3
    assert "081234567890" not in str(event.data)
    assert plan.stats["solver"].startswith("pyvrp 0.14")
    assert plan.stats["seconds"] == SECONDS and 0 < plan.stats["weight_share"] < 1


def test_a_pin_puts_the_village_on_its_day(world):
    _request(world, "a", people=5)
    _request(world, "b", people=5)
    day = world["days"][2]
    rule = plans.plan_rule_add(
        mall=world["mall"],
        kind=PlanRule.Kind.PIN,
        village=world["v"]["b"],
        date=day,
        vehicle=world["van"],
        actor=world["manager"],
    )
    assert rule.kind == "pin" and rule.date == day
    assert Event.objects.filter(kind="outreach.rule_added", mall_id=world["mall"].pk).exists()
    plan = _plan(world)
    pinned = plan.visits.get(village=world["v"]["b"])
    assert pinned.date == day and pinned.pinned and pinned.vehicle == world["van"]
    assert not plan.visits.get(village=world["v"]["a"]).pinned


def test_a_village_with_more_people_than_a_day_holds_is_served_over_several_days(world):
    crowd = _request(world, "a", people=100)
    plan = _plan(world)
    visits = list(plan.visits.filter(village=world["v"]["a"]))
    assert len(visits) == 3 and sum(v.people for v in visits) == 100
    assert all(v.people <= world["van"].capacity_per_day for v in visits)
    assert len({v.date for v in visits}) == 3
    assert all(list(v.requests.all()) == [crowd] for v in visits)
    assert not Unserved.objects.filter(plan=plan).exists()


def test_without_vehicles_every_request_is_unserved_no_vehicle(world):
    world["van"].active = False
    world["van"].save()
    req = _request(world, "a")
    plan = _plan(world)
    assert not plan.visits.exists()
    assert [(u.request, u.reason) for u in plan.unserved.all()] == [(req, "no_vehicle")]


def test_plan_create_refuses_bad_input_and_people_without_the_right(world):
    with pytest.raises(Invalid) as err:
        _plan(world, days=0)
    assert err.value.code == "invalid_days"
    with pytest.raises(Invalid) as err:
        _plan(world, seconds=0)
    assert err.value.code == "invalid_seconds"
    with pytest.raises(Invalid) as err:
        _plan(world, starts_on=world["mall"].today() - dt.timedelta(days=1))
    assert err.value.code == "plan_in_past"
    officer = UserFactory(role=Role.OFFICER, mall=world["mall"])
    with pytest.raises(Forbidden):
        _plan(world, actor=officer)
    with pytest.raises(Forbidden):
        plans.plan_rule_add(
            mall=world["mall"], kind="exclude", village=world["v"]["a"], actor=officer
        )


def test_rules_are_checked_and_removed(world):
    mall, manager = world["mall"], world["manager"]
    with pytest.raises(Invalid) as err:
        outside = village("32.11.01.2001", "Luar", "Kecamatan Luar")
        plans.plan_rule_add(mall=mall, kind="exclude", village=outside, actor=manager)
    assert err.value.code == "village_outside_mall"
    with pytest.raises(Invalid) as err:
        plans.plan_rule_add(mall=mall, kind="pin", village=world["v"]["a"], actor=manager)
    assert err.value.code == "pin_needs_date"
    with pytest.raises(Invalid) as err:
        yesterday = mall.today() - dt.timedelta(days=1)
        plans.plan_rule_add(
            mall=mall, kind="pin", village=world["v"]["a"], date=yesterday, actor=manager
        )
    assert err.value.code == "pin_in_past"
    other_van = VehicleFactory()
    with pytest.raises(Invalid) as err:
        plans.plan_rule_add(
            mall=mall,
            kind="pin",
            village=world["v"]["a"],
            date=world["days"][0],
            vehicle=other_van,
            actor=manager,
        )
    assert err.value.code == "invalid_vehicle"

    pin = plans.plan_rule_add(
        mall=mall, kind="pin", village=world["v"]["a"], date=world["days"][0], actor=manager
    )
    with pytest.raises(Conflict) as err:
        plans.plan_rule_add(mall=mall, kind="exclude", village=world["v"]["a"], actor=manager)
    assert err.value.code == "rule_conflict"
    exclusion = plans.plan_rule_add(mall=mall, kind="exclude", village=world["v"]["b"])
    again = plans.plan_rule_add(mall=mall, kind="exclude", village=world["v"]["b"])
    assert again.pk == exclusion.pk and PlanRule.objects.filter(mall=mall).count() == 2

    plans.plan_rule_remove(rule=pin, actor=manager)
    assert not PlanRule.objects.filter(pk=pin.pk).exists()
    event = Event.objects.get(kind="outreach.rule_removed")
    assert event.mall_id == mall.pk and event.data["village_code"] == world["v"]["a"].code
    with pytest.raises(Conflict):
        plans.plan_rule_remove(rule=pin, actor=manager)
