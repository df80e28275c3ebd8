"""The fleet's admin (mpp.outreach.admin) through the test client: a manager sees and edits
their own mall's vehicles only, picks the crew among their mall's staff and the services
among their mall's offerings; supervisors and officers never see the app; meeting points
and planning rules stay in the manager's kabupaten/kota."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.core.models import Event
from mpp.outreach.models import PlanRule, Vehicle, VillagePoint
from tests.factories import (
    MallFactory,
    OfferingFactory,
    UserFactory,
    VehicleFactory,
    region,
    village,
)

pytestmark = pytest.mark.django_db

VEHICLES = "/admin/outreach/vehicle/"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff(username, role, mall=None, **extra):
    user = UserFactory(username=username, role=role, mall=mall, **extra)
    staff_sync_permissions(user=user)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def world():
    def side(tag, regency):
        mall = MallFactory(name=f"MPP {tag}", regency=regency)
        offering = OfferingFactory(mall=mall, booth__mall=mall)
        manager = staff(f"manajer.{tag}", Role.MALL_MANAGER, mall)
        officer = staff(f"petugas.{tag}", Role.OFFICER, mall)
        van = VehicleFactory(mall=mall, name=f"Mobil {tag}", offerings=[offering], crew=[officer])
        return SimpleNamespace(
            mall=mall, offering=offering, manager=manager, officer=officer, van=van
        )

    a = side("a", region())  # Kabupaten Majalengka
    b = side("b", region("32.76", "Kota Depok"))
    a.supervisor = staff("supervisor.a", Role.BOOTH_SUPERVISOR, a.mall, booth=a.offering.booth)
    national = staff("nasional", Role.NATIONAL_ADMIN)
    return SimpleNamespace(a=a, b=b, national=national)


def vehicle_data(**changes) -> dict:
    data = {
        "name": "Mobil Keliling Baru",
        "kind": "van",
        "plate": "E 1234 XY",
        "active": "on",
        "capacity_per_day": "35",
        "shift_start": "08:00",
        "shift_end": "15:00",
        "speed_kmh": "30",
        "days_off": '["2027-01-02"]',
        "depot_lat": "-6.836000",
        "depot_lon": "108.227000",
    }
    data.update(changes)
    return data


def form_errors(page):
    if page.context is None or "adminform" not in page.context:
        return page.status_code
    return page.context["adminform"].form.errors


def test_a_manager_lists_and_opens_only_their_malls_vehicles(world):
    a, b = world.a, world.b
    client = signed_in(a.manager)
    listing = client.get(VEHICLES)
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [a.van]
    assert client.get(f"{VEHICLES}{a.van.pk}/change/").status_code == 200
    assert client.get(f"{VEHICLES}{b.van.pk}/change/").status_code == 404
    answer = client.post(f"{VEHICLES}{b.van.pk}/change/", vehicle_data(name="Dibajak"))
    assert answer.status_code == 404
    b.van.refresh_from_db()
    assert b.van.name == "Mobil b"


def test_crew_and_service_choices_are_the_managers_malls(world):
    a, b = world.a, world.b
    page = signed_in(a.manager).get(VEHICLES + "add/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    crew = set(form.fields["crew"].queryset)
    assert {a.manager, a.officer, a.supervisor} <= crew
    assert b.manager not in crew and b.officer not in crew and world.national not in crew
    assert list(form.fields["offerings"].queryset) == [a.offering]
    assert "mall" not in form.fields  # their own mall, set on save


def test_a_manager_adds_a_vehicle_to_their_mall_and_it_is_audited(world):
    a = world.a
    client = signed_in(a.manager)
    data = vehicle_data(offerings=[a.offering.pk], crew=[a.officer.pk])
    answer = client.post(VEHICLES + "add/", data)
    assert answer.status_code == 302, form_errors(answer)
    van = Vehicle.objects.get(name="Mobil Keliling Baru")
    assert van.mall == a.mall and van.capacity_per_day == 35
    assert list(van.offerings.all()) == [a.offering] and list(van.crew.all()) == [a.officer]
    assert van.days_off == ["2027-01-02"]
    event = Event.objects.get(kind="admin.added", subject_type="outreach.vehicle")
    assert event.actor_id == a.manager.pk and event.mall_id == a.mall.pk


def test_another_malls_crew_or_services_are_refused(world):
    a, b = world.a, world.b
    client = signed_in(a.manager)
    page = client.post(
        VEHICLES + "add/", vehicle_data(offerings=[b.offering.pk], crew=[b.officer.pk])
    )
    assert page.status_code == 200
    errors = form_errors(page)
    assert "crew" in errors and "offerings" in errors
    assert not Vehicle.objects.filter(name="Mobil Keliling Baru").exists()


def test_a_national_admin_cannot_mix_malls_either(world):
    a, b = world.a, world.b
    client = signed_in(world.national)
    page = client.post(
        VEHICLES + "add/",
        vehicle_data(mall=a.mall.pk, offerings=[a.offering.pk], crew=[b.officer.pk]),
    )
    assert page.status_code == 200
    assert form_errors(page)["crew"] == ["The crew must be staff of the vehicle's mall."]
    ok = client.post(
        VEHICLES + "add/",
        vehicle_data(mall=b.mall.pk, offerings=[b.offering.pk], crew=[b.officer.pk]),
    )
    assert ok.status_code == 302, form_errors(ok)
    assert Vehicle.objects.get(name="Mobil Keliling Baru").mall == b.mall


def test_a_manager_edits_their_vehicle_and_bad_values_are_explained(world):
    a = world.a
    client = signed_in(a.manager)
    url = f"{VEHICLES}{a.van.pk}/change/"
    base = vehicle_data(name=a.van.name, offerings=[a.offering.pk], crew=[a.officer.pk])
    bad = client.post(url, {**base, "shift_end": "07:00", "days_off": '["besok"]'})
    assert bad.status_code == 200
    assert set(form_errors(bad)) == {"shift_end", "days_off"}
    good = client.post(url, {**base, "capacity_per_day": "50", "crew": []})
    assert good.status_code == 302, form_errors(good)
    a.van.refresh_from_db()
    assert a.van.capacity_per_day == 50 and a.van.crew.count() == 0
    assert client.post(f"{VEHICLES}{a.van.pk}/delete/").status_code == 403  # retire instead


def test_supervisors_and_officers_never_see_the_outreach_admin(world):
    a = world.a
    supervisor = signed_in(a.supervisor)
    assert supervisor.get(VEHICLES).status_code == 403
    assert supervisor.get("/admin/outreach/outreachrequest/").status_code == 403
    index = supervisor.get("/admin/")
    assert index.status_code == 200 and "/admin/outreach/" not in index.content.decode()
    officer = signed_in(a.officer).get(VEHICLES)
    assert officer.status_code == 302 and "/login" in officer["Location"]
    manager_index = signed_in(a.manager).get("/admin/")
    assert "/admin/outreach/vehicle/" in manager_index.content.decode()


def test_meeting_points_of_the_managers_kabupaten_only(world):
    a, b = world.a, world.b
    here = village()  # 32.10.01.2001, with its centroid
    there = village("32.76.01.1001", "Pancoran Mas", "Pancoran Mas", lat=-6.4, lon=106.8)
    client = signed_in(a.manager)
    listing = client.get("/admin/outreach/villagepoint/")
    assert [p.village_id for p in listing.context["cl"].queryset] == [here.code]
    assert client.get(f"/admin/outreach/villagepoint/{there.code}/change/").status_code == 404
    url = f"/admin/outreach/villagepoint/{here.code}/change/"
    bad = client.post(
        url, {"meeting_place": "", "meeting_lat": "-7.05", "meeting_lon": "", "opens_at": "08:00"}
    )
    assert bad.status_code == 200 and set(form_errors(bad)) == {"meeting_lat", "closes_at"}
    answer = client.post(
        url,
        {
            "meeting_place": "Balai Desa Cipasung",
            "meeting_lat": "-7.050000",
            "meeting_lon": "108.171000",
            "opens_at": "08:00",
            "closes_at": "14:00",
        },
    )
    assert answer.status_code == 302, form_errors(answer)
    point = VillagePoint.objects.get(pk=here.code)
    assert point.meeting_place == "Balai Desa Cipasung" and str(point.lat) == "-7.050000"
    assert str(point.centroid_lat) == "-7.054158"  # the bundled centroid stays
    assert point.corrected_by == a.manager and point.corrected_at is not None
    assert Event.objects.filter(kind="outreach.village_point_corrected").count() == 1
    audit = Event.objects.get(kind="admin.changed", subject_type="outreach.villagepoint")
    assert audit.data["changes"]["meeting_place"] == ["", "Balai Desa Cipasung"]
    assert signed_in(b.manager).get(url).status_code == 404


def test_planning_rules_pick_the_managers_villages_and_vehicles(world):
    a, b = world.a, world.b
    here = village()
    village("32.76.01.1001", "Pancoran Mas", "Pancoran Mas", lat=-6.4, lon=106.8)
    client = signed_in(a.manager)
    add = "/admin/outreach/planrule/add/"
    form = client.get(add).context["adminform"].form
    assert [v.code for v in form.fields["village"].queryset] == [here.code]
    assert list(form.fields["vehicle"].queryset) == [a.van]
    yesterday = timezone.localdate() - dt.timedelta(days=2)
    pin = client.post(add, {"kind": "pin", "village": here.code, "note": ""})
    assert set(form_errors(pin)) == {"date"}  # a pin needs its day
    past = client.post(add, {"kind": "pin", "village": here.code, "date": yesterday})
    assert set(form_errors(past)) == {"date"}
    answer = client.post(add, {"kind": "exclude", "village": here.code, "note": "Jalan putus"})
    assert answer.status_code == 302, form_errors(answer)
    rule = PlanRule.objects.get()
    assert (rule.mall, rule.kind, rule.created_by) == (a.mall, "exclude", a.manager)
    assert Event.objects.filter(kind="outreach.rule_added", mall_id=a.mall.pk).count() == 1
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    both = client.post(add, {"kind": "pin", "village": here.code, "date": tomorrow})
    assert set(form_errors(both)) == {"kind"}  # excluded: remove that first
    url = f"/admin/outreach/planrule/{rule.pk}/change/"
    assert client.post(url, {"kind": "pin"}).status_code == 403  # never edited
    assert signed_in(b.manager).get(url).status_code == 404
    deleted = client.post(f"/admin/outreach/planrule/{rule.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not PlanRule.objects.exists()
    assert Event.objects.filter(kind="outreach.rule_removed").count() == 1
