"""The outreach admin's read-only pages: requests (phone masked, no search box), plans with
their visits and unserved requests, field records and sync conflicts; in the manager's
mall only, and never changed here."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.outreach.models import (
    FieldRecord,
    OutreachRequest,
    Plan,
    SyncConflict,
    Unserved,
    Visit,
)
from tests.factories import (
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    UserFactory,
    VehicleFactory,
    region,
    village,
)

pytestmark = pytest.mark.django_db

PHONE = "081234567890"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _side(tag, regency, vill):
    mall = MallFactory(name=f"MPP {tag}", regency=regency)
    offering = OfferingFactory(mall=mall, booth__mall=mall)
    manager = UserFactory(username=f"manajer.{tag}", role=Role.MALL_MANAGER, mall=mall)
    staff_sync_permissions(user=manager)
    officer = UserFactory(username=f"petugas.{tag}", role=Role.OFFICER, mall=mall)
    van = VehicleFactory(mall=mall, offerings=[offering], crew=[officer])
    now = timezone.now()
    request = OutreachRequestFactory(
        mall=mall,
        village=vill,
        contact_phone=PHONE,
        contact_name="Ibu Sumiati",
        home_visit=True,
        needs=["bedridden"],
        services=[offering.service],
    )
    left = OutreachRequestFactory(mall=mall, village=vill, people=9)
    plan = Plan.objects.create(
        mall=mall,
        starts_on=now.date(),
        ends_on=now.date() + dt.timedelta(days=13),
        created_at=now,
        stats={"seconds": 1},
    )
    visit = Visit.objects.create(
        plan=plan,
        vehicle=van,
        date=now.date() + dt.timedelta(days=1),
        order=1,
        kind="home",
        village=vill,
        start=dt.time(9),
        end=dt.time(9, 40),
        people=1,
    )
    visit.services.set([offering.service])
    visit.requests.set([request])
    Unserved.objects.create(plan=plan, request=left, reason="capacity")
    record = FieldRecord.objects.create(
        id=uuid.uuid4(),
        root_id=uuid.uuid4(),
        kind="service",
        mall=mall,
        vehicle=van,
        visit=visit,
        device_id="tablet-1",
        recorded_by=officer,
        recorded_at=now,
        received_at=now,
        payload={"service_code": offering.service.code, "people": 1, "outcome": "done"},
        digest="0" * 64,
    )
    conflict = SyncConflict.objects.create(
        mall=mall, kind="same_id", record=record, payload={"people": 2}, created_at=now
    )
    return SimpleNamespace(
        mall=mall,
        manager=manager,
        request=request,
        plan=plan,
        visit=visit,
        record=record,
        conflict=conflict,
    )


@pytest.fixture
def world():
    a = _side("a", region(), village())
    b = _side("b", region("32.76", "Kota Depok"), village("32.76.01.1001", "Pancoran Mas", "X"))
    return SimpleNamespace(a=a, b=b)


def test_the_request_list_masks_the_phone_and_has_no_search(world):
    a = world.a
    client = signed_in(a.manager)
    page = client.get("/admin/outreach/outreachrequest/")
    assert page.status_code == 200
    html = page.content.decode()
    assert a.request.code in html and world.b.request.code not in html
    assert "0812****7890" in html and PHONE not in html
    assert 'name="q"' not in html  # a tracking code never goes into a URL
    detail = client.get(f"/admin/outreach/outreachrequest/{a.request.pk}/change/")
    text = detail.content.decode()
    assert detail.status_code == 200 and "0812****7890" in text and PHONE not in text
    assert "Bedridden or sick" in text and 'name="_save"' not in text


def test_requests_plans_records_and_conflicts_are_read_only(world):
    a = world.a
    client = signed_in(a.manager)
    rows = {
        "outreachrequest": a.request,
        "plan": a.plan,
        "fieldrecord": a.record,
        "syncconflict": a.conflict,
    }
    for name, row in rows.items():
        url = f"/admin/outreach/{name}/{row.pk}/change/"
        assert client.get(url).status_code == 200, name
        assert client.post(url, {"status": "cancelled"}).status_code == 403, name
        assert client.get(f"/admin/outreach/{name}/add/").status_code == 403, name
        assert client.post(f"/admin/outreach/{name}/{row.pk}/delete/").status_code == 403, name
    a.request.refresh_from_db()
    assert a.request.status == "received"
    assert OutreachRequest.objects.count() == 4 and SyncConflict.objects.count() == 2


def test_another_malls_rows_are_not_found(world):
    a, b = world.a, world.b
    client = signed_in(a.manager)
    pages = {
        "outreachrequest": (a.request, b.request),
        "plan": (a.plan, b.plan),
        "fieldrecord": (a.record, b.record),
        "syncconflict": (a.conflict, b.conflict),
    }
    for name, (own, other) in pages.items():
        assert client.get(f"/admin/outreach/{name}/{other.pk}/change/").status_code == 404, name
        shown = client.get(f"/admin/outreach/{name}/").context["cl"].queryset
        assert other.pk not in {row.pk for row in shown}, name
        assert own.pk in {row.pk for row in shown}, name


def test_a_plan_shows_its_visits_and_what_was_left_unserved(world):
    a = world.a
    page = signed_in(a.manager).get(f"/admin/outreach/plan/{a.plan.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not enough vehicle capacity or days in the horizon" in html
    assert a.visit.services.get().code in html and "9:40 a.m." in html
    assert "Ibu Sumiati" not in html and PHONE not in html
    formsets = {f.formset.model: f.formset for f in page.context["inline_admin_formsets"]}
    assert [v.pk for v in formsets[Visit].queryset] == [a.visit.pk]
    assert formsets[Unserved].queryset.count() == 1
