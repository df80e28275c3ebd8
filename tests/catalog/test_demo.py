"""The demo malls: a realistic MPP Kabupaten Majalengka and a small MPP Kota Depok."""

import datetime as dt

import pytest
from django.db.models import Count

from mpp.accounts.access import allowed
from mpp.accounts.models import Role, User
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Agency, Booth, Counter, Mall, Offering, OpeningHours, Service
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

DEPOK = "mpp-kota-depok"
MODELS = [Mall, Agency, Service, Booth, Offering, Counter, OpeningHours, User]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo():
    return demo_load()


def test_counts_of_the_demo_mall(demo):
    mall = Mall.objects.get(code=DEMO_MALL)
    assert demo["mall"] == DEMO_MALL
    assert mall.regency_id == "32.10" and mall.inaugurated_on == dt.date(2024, 12, 12)
    assert Mall.objects.filter(regency_id="32.10").count() == 1  # the registry row, reused
    assert demo["agencies"] >= 15
    assert demo["services"] == Offering.objects.filter(mall=mall).count() >= 60
    assert demo["booths"] == Booth.objects.filter(mall=mall).count() >= 15
    assert 18 <= demo["counters"] <= 24
    kinds = set(Agency.objects.filter(booths__mall=mall).values_list("kind", flat=True))
    assert kinds == set(Agency.Kind.values) - {Agency.Kind.PRIVATE}


def test_every_service_publishes_its_standard(demo):
    services = Service.objects.filter(offerings__mall__code__in=[DEMO_MALL, DEPOK]).distinct()
    assert services.count() >= 60
    for s in services:
        assert s.requirements and all(isinstance(r, str) and r for r in s.requirements), s.code
        assert len(s.procedure) >= 2 and all(isinstance(p, str) for p in s.procedure), s.code
        assert s.completion_time and s.legal_basis and s.product, s.code
        assert s.complaint_channel and s.keywords and s.service_minutes > 0, s.code
        assert s.fee_basis, s.code  # why it costs what it costs, or why it is free
        assert s.channel_direct, s.code


def test_fees_follow_the_cited_rules(demo):
    fees = dict(Service.objects.values_list("code", "fee"))
    assert fees["polres-sim-a-baru"] == 120_000 and fees["polres-sim-c-baru"] == 100_000
    assert fees["polres-sim-a-perpanjangan"] == 80_000
    assert fees["polres-sim-c-perpanjangan"] == 75_000
    assert fees["polres-skck"] == 30_000
    assert fees["imigrasi-paspor-baru"] == 350_000
    assert fees["imigrasi-paspor-hilang"] == 1_350_000
    assert fees["bpn-pengecekan-sertipikat"] == 50_000
    varies = set(Service.objects.filter(fee_varies=True).values_list("code", flat=True))
    assert {"bapenda-pbb-bayar", "dpmptsp-pbg", "pln-pasang-baru"} <= varies
    assert "dukcapil-ktp-el-baru" not in varies  # adminduk is free by law
    adminduk = Service.objects.filter(agency__code="disdukcapil-majalengka")
    assert adminduk.count() >= 10
    assert all(s.fee == 0 and "79A" in s.fee_basis for s in adminduk)
    assert "PP 76/2020" in Service.objects.get(code="polres-skck").fee_basis


def test_every_offering_is_served_at_its_own_booth(demo):
    offerings = Offering.objects.filter(mall__code__in=[DEMO_MALL, DEPOK])
    assert not offerings.filter(counters__isnull=True).exists()
    for counter in Counter.objects.filter(mall__code__in=[DEMO_MALL, DEPOK]):
        served = set(counter.offerings.values_list("pk", flat=True))
        assert served == set(counter.booth.offerings.values_list("pk", flat=True))
    busy = Booth.objects.filter(mall__code=DEMO_MALL).annotate(n=Count("counters")).filter(n=2)
    assert set(busy.values_list("ticket_prefix", flat=True)) == {"A", "B", "C"}


def test_booth_letters_are_unique_and_hours_are_set(demo):
    letters = list(
        Booth.objects.filter(mall__code=DEMO_MALL).values_list("ticket_prefix", flat=True)
    )
    assert len(letters) == len(set(letters)) and all(x.isalpha() for x in letters)
    hours = {
        h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(mall__code=DEMO_MALL)
    }
    assert hours[0] == (dt.time(8), dt.time(15)) and hours[3] == (dt.time(8), dt.time(15))
    assert hours[4] == (dt.time(8), dt.time(15, 30))
    assert 5 not in hours and 6 not in hours


def test_second_mall_is_small(demo):
    assert demo["other_malls"] == [DEPOK]
    assert Booth.objects.filter(mall__code=DEPOK).count() == 2
    assert Offering.objects.filter(mall__code=DEPOK).count() == 4
    assert Counter.objects.filter(mall__code=DEPOK).count() == 2
    # A national agency's service is offered in both malls from one standard.
    assert Offering.objects.filter(service__code="bpjskes-pendaftaran").count() == 2


def test_rerun_changes_no_counts_and_keeps_local_edits(demo):
    service = Service.objects.get(code="polres-skck")
    service.completion_time = "Dua jam"
    service.save()
    counter = Counter.objects.get(mall__code=DEMO_MALL, number=1)
    dropped = counter.offerings.first()
    counter.offerings.remove(dropped)
    before = {m.__name__: m.objects.count() for m in MODELS}

    again = demo_load()

    assert again["created"] == 0
    assert {m.__name__: m.objects.count() for m in MODELS} == before
    assert {k: again[k] for k in ("agencies", "services", "booths", "counters", "staff")} == {
        k: demo[k] for k in ("agencies", "services", "booths", "counters", "staff")
    }
    service.refresh_from_db()
    assert service.completion_time == "Dua jam"
    assert not counter.offerings.filter(pk=dropped.pk).exists()


def test_staff_have_their_roles_and_malls(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == Role.NATIONAL_ADMIN
    assert admin.check_password("admin")
    manager = User.objects.get(username="manajer")
    assert manager.role == Role.MALL_MANAGER and manager.mall.code == DEMO_MALL
    assert manager.check_password("demo12345") and manager.is_staff
    supervisor = User.objects.get(username="supervisor.dukcapil")
    assert supervisor.role == Role.BOOTH_SUPERVISOR
    assert supervisor.booth.agency.code == "disdukcapil-majalengka"
    for booth in Booth.objects.filter(mall__code=DEMO_MALL):
        officers = booth.staff.filter(role=Role.OFFICER, mall=booth.mall)
        assert officers.count() == 1, booth.name
    assert User.objects.get(username="petugas.polres").booth.agency.code == "polres-majalengka"
    depok = User.objects.get(username="petugas.depok")
    assert depok.mall.code == DEPOK and depok.booth.mall_id == depok.mall_id
    logins = {login["username"]: login for login in demo["logins"]}
    assert logins["admin"]["password"] == "admin"
    assert logins["petugas.dukcapil"]["password"] == "demo12345"
    assert len(logins) == User.objects.count()


def test_staff_of_one_mall_cannot_act_in_another(demo):
    dukcapil = User.objects.get(username="petugas.dukcapil")
    depok = User.objects.get(username="petugas.depok")
    dukcapil_counter = Counter.objects.filter(booth=dukcapil.booth).first()
    polres_counter = Counter.objects.filter(booth__agency__code="polres-majalengka").first()
    assert allowed(dukcapil, "counter.operate", dukcapil_counter)
    assert not allowed(dukcapil, "counter.operate", polres_counter)
    assert not allowed(depok, "counter.operate", dukcapil_counter)
    assert allowed(User.objects.get(username="manajer"), "counter.operate", polres_counter)


def _inline_post(booth, rows):
    """The booth change form as the admin posts it, with `rows` as offering inline rows."""
    data = {
        "mall": booth.mall_id,
        "agency": booth.agency_id,
        "name": booth.name,
        "location": booth.location,
        "ticket_prefix": booth.ticket_prefix,
        "sort_order": booth.sort_order,
        "offerings-TOTAL_FORMS": len(rows),
        "offerings-INITIAL_FORMS": sum(1 for r in rows if r.get("id")),
        "offerings-MIN_NUM_FORMS": 0,
        "offerings-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"offerings-{i}-{key}"] = value
        data[f"offerings-{i}-booth"] = booth.pk
    return data


def test_admin_pages_open_and_refuse_bad_input_with_a_message(demo, client, settings):
    client.force_login(User.objects.get(username="admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserts the English msgids
    mall = Mall.objects.get(code=DEMO_MALL)
    booth = Booth.objects.get(mall=mall, ticket_prefix="A")
    counter = Counter.objects.filter(booth=booth).first()
    for url in [
        "/admin/catalog/mall/?province=32&status=operating",
        f"/admin/catalog/mall/{mall.pk}/change/",
        "/admin/catalog/agency/?kind=vertical",
        "/admin/catalog/service/?channel_mobile__exact=1",
        f"/admin/catalog/booth/{booth.pk}/change/",
        f"/admin/catalog/counter/{counter.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
    assert b"1 mall (MPP)" in client.get("/admin/catalog/mall/?q=majalengka").content

    # A service already offered elsewhere in the mall: a form error, no second row.
    elsewhere = Offering.objects.get(mall=mall, service__code="polres-skck")
    page = client.post(
        f"/admin/catalog/booth/{booth.pk}/change/",
        _inline_post(
            booth, [{"service": elsewhere.service_id, "is_active": "on", "sort_order": 1}]
        ),
    )
    assert page.status_code == 200
    assert b"already offered in this mall" in page.content
    assert Offering.objects.filter(service=elsewhere.service).count() == 1

    # A new service added in the inline is offered in the booth's own mall.
    new = ServiceFactory(agency=booth.agency)
    page = client.post(
        f"/admin/catalog/booth/{booth.pk}/change/",
        _inline_post(booth, [{"service": new.pk, "is_active": "on", "sort_order": 99}]),
    )
    assert page.status_code == 302
    assert Offering.objects.get(service=new).mall_id == mall.pk

    # A counter may serve only its own mall's offerings.
    depok_offering = Offering.objects.filter(mall__code=DEPOK).first()
    page = client.post(
        f"/admin/catalog/counter/{counter.pk}/change/",
        {
            "mall": mall.pk,
            "booth": booth.pk,
            "number": counter.number,
            "name": "",
            "offerings": [depok_offering.pk],
        },
    )
    assert page.status_code == 200
    assert not counter.offerings.filter(pk=depok_offering.pk).exists()
