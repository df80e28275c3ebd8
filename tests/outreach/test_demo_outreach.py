"""Jemput bola on the demo mall (mpp.outreach.demo): a van with its crew and services, demand
in a dozen villages of Kabupaten Majalengka with home visits for people who cannot
travel, a published plan over the next ten working days, and a field-app login; loading
twice changes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone, translation

from mpp.accounts import access
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Mall
from mpp.core.models import Event
from mpp.outreach.demo import (
    CREW,
    WORKING_DAYS,
    outreach_demo_load,
    outreach_demo_logins,
)
from mpp.outreach.models import (
    OutreachRequest,
    Plan,
    PlanStatus,
    RequestStatus,
    Vehicle,
    VillagePoint,
    Visit,
)
from mpp.outreach.plan_input import working_days
from mpp.outreach.schedule import schedule_published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot(mall):
    return (
        Vehicle.objects.filter(mall=mall).count(),
        OutreachRequest.objects.filter(mall=mall).count(),
        Plan.objects.filter(mall=mall).count(),
        Visit.objects.filter(plan__mall=mall).count(),
        Event.objects.count(),
    )


def test_nothing_without_the_demo_mall():
    assert outreach_demo_load() == 0
    assert outreach_demo_load("no-such-mall") == 0
    assert outreach_demo_logins() == []


@pytest.mark.clock
def test_the_demo_mall_gets_a_van_demand_and_a_published_plan_once():
    demo_load()
    mall = Mall.objects.get(code=DEMO_MALL)
    today = timezone.localtime(timezone.now(), mall.tz).date()  # before: midnight may pass
    made = outreach_demo_load(seconds=1)
    assert made > 15

    # The fleet: a van carrying several of the mall's services, with a crew login.
    van = Vehicle.objects.get(mall=mall, name="Mobil Keliling 1")
    assert van.kind == "van" and van.active
    assert van.offerings.count() >= 5
    assert all(o.mall_id == mall.pk for o in van.offerings.all())
    crew = van.crew.get()
    assert crew.username == CREW["username"] and crew.mall == mall
    assert authenticate(username=crew.username, password="demo12345") == crew
    assert access.allowed(crew, "outreach.field", mall)
    assert Vehicle.objects.filter(mall=mall, kind="motorbike").exists()

    # Demand in at least a dozen villages of Kabupaten Majalengka, homes included.
    requests = OutreachRequest.objects.filter(mall=mall)
    villages = set(requests.values_list("village_id", flat=True))
    assert len(villages) >= 12
    assert all(code.startswith("32.10.") and len(code) == 13 for code in villages)
    assert VillagePoint.objects.filter(village_id__in=villages).count() == len(villages)
    homes = requests.filter(home_visit=True)
    assert homes.count() >= 3
    assert all(r.needs for r in homes)  # people who cannot travel

    # A published plan over the next ten working days that schedules the demand.
    plan = Plan.objects.get(mall=mall)
    assert plan.status == PlanStatus.PUBLISHED
    assert plan.starts_on == today + dt.timedelta(days=1)
    assert len(working_days(mall, plan.starts_on, plan.ends_on)) == WORKING_DAYS
    assert plan.visits.filter(vehicle=van).exists()
    assert plan.visits.filter(kind="home").exists()
    scheduled = requests.filter(status=RequestStatus.SCHEDULED).count()
    assert scheduled >= 0.8 * requests.count()
    public = schedule_published(mall=mall, date_from=plan.starts_on, date_to=plan.ends_on)
    assert len({row["village_code"] for row in public}) >= 10
    assert all("Ibu" not in str(row) for row in public)  # no names on the public schedule

    # The field app's login, printed by `mpp demo`.
    [login] = outreach_demo_logins()
    assert (login["username"], login["password"]) == (CREW["username"], "demo12345")
    assert "Mobil Keliling 1" in login["booth"]

    # Idempotent: a second run makes nothing and changes nothing.
    before = _snapshot(mall)
    assert outreach_demo_load(seconds=1) == 0
    assert _snapshot(mall) == before


def test_mpp_demo_prints_the_field_app_its_login_and_the_public_schedule():
    out = StringIO()
    with translation.override("en"):
        call_command("demo", "--no-serve", "--region-depth", "2", "--port", "9000", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:9000/lapangan/" in text
    assert f"http://127.0.0.1:9000/keliling/{DEMO_MALL}/" in text
    line = next(line for line in text.splitlines() if CREW["username"] in line)
    assert "demo12345" in line and "Mobil Keliling 1" in line
    assert Plan.objects.filter(status=PlanStatus.PUBLISHED).count() == 1
