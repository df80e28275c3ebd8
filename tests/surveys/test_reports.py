"""The SKM/IKM reports: figures against hand-computed fixtures, breakdowns, province roll-ups
and the ranking of malls, sample adequacy, parameters, and who may read which scope.

The world (October 2026; DAY is the 14th):

    Mall A (province 32) booth A1, service S1: three answers, totals 36, 30 and 28
        (IKM 94 x 25 / 27 = 87.04, B), one with a comment carrying a phone number and an
        e-mail address; booth A2, service S2: one answer, all 2 (IKM 50.00, D).
        Mall A: 112 / 36 x 25 = 77.78 (B). 10 invitations: Krejcie-Morgan asks 10 -> short.
        One more answer, all 1, on 30 September: outside October and the fourth quarter.
    Mall B (province 32): one answer, all 4 (100.00, A); 1 invitation -> enough.
    Mall C (province 33): two answers, all 3 (75.00, C); no invitations -> none needed.
    Province 32: 148 / 45 x 25 = 82.22 (B); province 33: 75.00 (C).
    Nation: 202 / 63 x 25 = 80.16 (B); 11 invitations -> 11 needed, 7 answered: short.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mpp.accounts.models import Role
from mpp.core.errors import NotFound
from mpp.core.models import Region
from mpp.surveys.reports import Period, report_build
from mpp.surveys.selectors import ikm_compute
from mpp.surveys.views.handling import complaint_handling
from mpp.surveys.views.reports import (
    ReportParamError,
    period_parse,
    scope_in_mall,
    scope_national,
)
from tests.factories import (
    ComplaintFactory,
    MallFactory,
    OfferingFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    UserFactory,
    region,
)

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_group_shown")]

DAY = dt.date(2026, 10, 14)
OCTOBER = Period("month", dt.date(2026, 10, 1), dt.date(2026, 10, 31), 2026, 10)
COMMENT = "Ruang tunggu dingin. Hubungi saya 0812-3456-7890 atau budi@example.com"
FIELDS = [f"u{i}" for i in range(1, 10)]


def scores(*values: int) -> dict[str, int]:
    if len(values) == 1:
        values = values * 9
    return dict(zip(FIELDS, values, strict=True))


@dataclass
class World:
    a: object
    b: object
    c: object
    a1: object  # offering of booth A1 (service S1)
    a2: object
    manager: object
    supervisor: object


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """The world of the module docstring (test_exports and the browser test use it too)."""
    Region.objects.create(code="33", name="Jawa Tengah", level=1, kind="provinsi")
    a = MallFactory(code="mpp-a", name="MPP Alfa", regency=region("32.10"))
    b = MallFactory(code="mpp-b", name="MPP Beta", regency=region("32.11", "Kabupaten Cirebon"))
    c = MallFactory(code="mpp-c", name="MPP Gamma", regency=region("33.74", "Kota Semarang"))
    a1 = OfferingFactory(booth__mall=a, booth__ticket_prefix="A", booth__sort_order=1)
    a2 = OfferingFactory(booth__mall=a, booth__ticket_prefix="B", booth__sort_order=2)
    b1, c1 = OfferingFactory(booth__mall=b), OfferingFactory(booth__mall=c)
    SurveyResponseFactory(offering=a1, submitted_on=DAY, **scores(4), sex="L", age=19)
    SurveyResponseFactory(
        offering=a1, submitted_on=DAY, **scores(4, 3, 3, 4, 3, 3, 4, 3, 3), comment=COMMENT
    )
    SurveyResponseFactory(offering=a1, submitted_on=DAY, **scores(3, 3, 3, 4, 3, 3, 3, 3, 3))
    SurveyResponseFactory(offering=a2, submitted_on=dt.date(2026, 10, 31), **scores(2))
    SurveyResponseFactory(offering=a1, submitted_on=dt.date(2026, 9, 30), **scores(1))
    SurveyResponseFactory(offering=b1, submitted_on=DAY, **scores(4), education="s1")
    SurveyResponseFactory(offering=c1, submitted_on=DAY, **scores(3))
    SurveyResponseFactory(offering=c1, submitted_on=dt.date(2026, 10, 1), **scores(3))
    for _ in range(6):
        SurveyInvitationFactory(offering=a1, created_on=DAY)
    for _ in range(4):
        SurveyInvitationFactory(offering=a2, created_on=DAY)
    SurveyInvitationFactory(offering=b1, created_on=DAY)
    SurveyInvitationFactory(offering=a1, created_on=dt.date(2026, 11, 2))  # November
    at = dt.datetime(2026, 10, 14, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    ComplaintFactory(offering=a1, received_at=at)
    ComplaintFactory(
        offering=a2,
        received_at=at,
        status="answered",
        first_response_at=at + dt.timedelta(hours=2),
        answered_at=at + dt.timedelta(days=1),
    )
    ComplaintFactory(offering=b1, received_at=at)
    manager = UserFactory(username="manager-a", role=Role.MALL_MANAGER, mall=a)
    supervisor = UserFactory(
        username="supervisor-a1", role=Role.BOOTH_SUPERVISOR, mall=a, booth=a1.booth
    )
    return World(a, b, c, a1, a2, manager, supervisor)


def login(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rows(breakdown) -> list[tuple]:
    return [(r.label, r.figures.ikm, r.figures.mutu, r.figures.respondents, r.rank) for r in
            breakdown.rows]  # fmt: skip


# The figures -----------------------------------------------------------------


def test_mall_report_matches_the_hand_computed_figures(world):
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    r = report.result
    assert (r.ikm, r.mutu, r.unit_value) == (Decimal("77.78"), "B", Decimal("3.1111"))
    assert (r.respondents, r.transactions, r.required_sample, r.sample_short) == (4, 10, 10, True)
    assert [line.element.code for line in report.elements] == [f"U{i}" for i in range(1, 10)]
    nrr = {line.element.code: line.nrr for line in report.elements}
    assert nrr == {
        "U1": Decimal("3.250"), "U2": Decimal("3.000"), "U3": Decimal("3.000"),
        "U4": Decimal("3.500"), "U5": Decimal("3.000"), "U6": Decimal("3.000"),
        "U7": Decimal("3.250"), "U8": Decimal("3.000"), "U9": Decimal("3.000"),
    }  # fmt: skip
    u4 = report.elements[3]
    assert (u4.total, u4.weighted, u4.converted, u4.mutu) == (
        14,
        Decimal("0.389"),
        Decimal("87.50"),
        "B",
    )
    assert report.u9.element.code == "U9" and report.u9.converted == Decimal("75.00")
    with translation.override("en"):  # the titles are lazy: English whatever ran before
        sex = dict((str(title), lines) for title, lines in report.profile)["Sex"]
    assert [(line.count, line.percent) for line in sex] == [
        (1, Decimal("25.0")),
        (3, Decimal("75.0")),
    ]


def test_mall_breakdown_by_booth_and_service(world):
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    booths, services = report.breakdowns
    assert (booths.key, services.key) == ("booth", "service")
    assert rows(booths) == [
        (world.a1.booth.name, Decimal("87.04"), "B", 3, 1),
        (world.a2.booth.name, Decimal("50.00"), "D", 1, 2),
    ]
    assert [r.param for r in booths.rows] == ["gerai:A", "gerai:B"]
    assert [(r.figures.transactions, r.figures.required_sample) for r in booths.rows] == [
        (6, 6),
        (4, 4),
    ]
    assert {r.param for r in services.rows} == {
        f"layanan:{world.a1.service.code}",
        f"layanan:{world.a2.service.code}",
    }


def test_every_breakdown_row_equals_ikm_compute_of_its_scope(world):
    for scope in (scope_national(), scope_national("32"), scope_in_mall(world.a, "mall")):
        report = report_build(handling=complaint_handling, scope=scope, period=OCTOBER)
        for breakdown in report.breakdowns:
            field = {"province": "province_code", "mall": "mall_id"}.get(
                breakdown.key, f"{breakdown.key}_id"
            )
            for row in breakdown.rows:
                direct = ikm_compute(
                    **scope.filters(),
                    **{field: row.key},
                    date_from=OCTOBER.date_from,
                    date_to=OCTOBER.date_to,
                    with_comments=False,
                )
                f = row.figures
                assert (f.ikm, f.mutu, f.respondents, f.transactions) == (
                    direct.ikm,
                    direct.mutu,
                    direct.respondents,
                    direct.transactions,
                )
                assert (f.required_sample, f.sample_short, f.elements) == (
                    direct.required_sample,
                    direct.sample_short,
                    direct.elements,
                )


def test_nation_rolls_up_provinces_and_ranks_malls(world):
    report = report_build(
        handling=complaint_handling, scope=scope_national(), period=OCTOBER, with_comments=False
    )
    r = report.result
    assert (r.ikm, r.mutu, r.respondents, r.transactions, r.required_sample, r.sample_short) == (
        Decimal("80.16"),
        "B",
        7,
        11,
        11,
        True,
    )
    provinces, malls = report.breakdowns
    assert rows(provinces) == [
        ("Jawa Barat", Decimal("82.22"), "B", 5, 1),
        ("Jawa Tengah", Decimal("75.00"), "C", 2, 2),
    ]
    assert rows(malls) == [
        ("MPP Beta", Decimal("100.00"), "A", 1, 1),
        ("MPP Alfa", Decimal("77.78"), "B", 4, 2),
        ("MPP Gamma", Decimal("75.00"), "C", 2, 3),
    ]
    adequacy = [(m.figures.required_sample, m.figures.sample_short) for m in malls.rows]
    assert adequacy == [(1, False), (10, True), (0, False)]
    assert report.coverage == {"operating": 3, "answered": 3}
    assert report.comments == [] and r.comments == []
    assert report.handling["received"] == 3


def test_province_report_lists_only_its_malls(world):
    report = report_build(
        handling=complaint_handling, scope=scope_national("32"), period=OCTOBER, with_comments=False
    )
    assert report.result.ikm == Decimal("82.22")
    assert [r.label for r in report.breakdowns[0].rows] == ["MPP Beta", "MPP Alfa"]
    assert report.handling["received"] == 3 and report.handling_note == ""


def test_province_handling_has_the_percentages_of_its_malls_together(world):
    """Mall A: a1 never handled (both deadlines past), a2 answered on time; mall B: b1
    never handled, plus one here answered late. Mall C (province 33) gets two on time,
    which must not count."""
    at = dt.datetime(2026, 10, 14, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday
    b1 = OfferingFactory(booth__mall=world.b)
    c1 = OfferingFactory(booth__mall=world.c)
    ComplaintFactory(  # first response after 7 days (5 working days), answer after 14
        offering=b1,
        received_at=at,
        status="answered",
        first_response_at=at + dt.timedelta(days=7),
        answered_at=at + dt.timedelta(days=14),
    )
    for _ in range(2):
        ComplaintFactory(
            offering=c1,
            received_at=at,
            status="closed",
            first_response_at=at + dt.timedelta(hours=1),
            answered_at=at + dt.timedelta(days=1),
        )
    report = report_build(
        handling=complaint_handling, scope=scope_national("32"), period=OCTOBER, with_comments=False
    )
    assert report.handling == {
        "received": 4,
        "answered": 2,
        "closed": 0,
        "rejected": 0,
        "open": 2,
        "first_response_on_time_pct": 25.0,  # a2, of a2, the late one and the two overdue
        "resolved_on_time_pct": 25.0,  # the same four measured, a2 in time
        "mean_working_days_to_first_response": 2.5,  # a2 the same day, the late one 5 days
        "overdue_now": 2,
    }
    assert report.handling_note == ""
    central = report_build(
        handling=complaint_handling, scope=scope_national("33"), period=OCTOBER, with_comments=False
    )
    assert (central.handling["received"], central.handling["resolved_on_time_pct"]) == (2, 100.0)


def test_province_handling_is_one_pass_however_many_malls(world, django_assert_max_num_queries):
    """Province 32 with five malls (A, B and three more, each with a complaint): one
    summary of two queries, not two per mall."""
    at = dt.datetime(2026, 10, 14, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    for n in range(3):
        mall = MallFactory(regency=region(f"32.{20 + n}", f"Kabupaten Uji {n}"))
        ComplaintFactory(offering=OfferingFactory(booth__mall=mall), received_at=at)
    scope = scope_national("32")
    with django_assert_max_num_queries(2):
        summary, note = complaint_handling(scope, OCTOBER)
    assert (summary["received"], summary["open"], note) == (6, 5, "")


def test_periods_select_the_answers(world):
    scope = scope_in_mall(world.a, "mall")
    today = dt.date(2026, 11, 27)
    q4 = report_build(
        handling=complaint_handling,
        scope=scope,
        period=period_parse({"periode": "triwulan", "ke": "4"}, today),
    )
    assert q4.period.label and q4.result.respondents == 4 and q4.result.transactions == 11
    q3 = report_build(
        handling=complaint_handling,
        scope=scope,
        period=period_parse({"periode": "triwulan", "ke": "3"}, today),
    )
    assert (q3.result.respondents, q3.result.ikm, q3.result.mutu) == (1, Decimal("25.00"), "D")
    year = report_build(
        handling=complaint_handling, scope=scope, period=period_parse({"periode": "tahun"}, today)
    )
    assert year.result.respondents == 5
    nov = report_build(handling=complaint_handling, scope=scope, period=period_parse({}, today))
    assert (nov.result.respondents, nov.result.ikm, nov.result.transactions) == (0, None, 1)
    assert nov.result.sample_short and all(line.nrr is None for line in nov.elements)


def test_comments_are_redacted_and_only_for_staff(world):
    report = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    assert [c.text for c in report.comments] == ["Ruang tunggu dingin. Hubungi saya *** atau ***"]
    assert report.comments[0].service == world.a1.service.name
    assert report.comments[0].submitted_on == DAY


def test_complaint_handling_beside_u9(world):
    mall = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
    )
    assert (mall.handling["received"], mall.handling["answered"], mall.handling["open"]) == (
        2,
        1,
        1,
    )
    booth = report_build(
        handling=complaint_handling, scope=scope_in_mall(world.a, "gerai:B"), period=OCTOBER
    )
    assert (booth.handling["received"], booth.handling["answered"]) == (1, 1)
    # Another service of the same agency at booth A1: an agency's complaint, not S1's.
    sister = OfferingFactory(booth=world.a1.booth)
    ComplaintFactory(
        offering=sister, received_at=dt.datetime(2026, 10, 20, 9, 0, tzinfo=ZoneInfo("UTC"))
    )
    service = report_build(
        handling=complaint_handling,
        scope=scope_in_mall(world.a, f"layanan:{world.a1.service.code}"),
        period=OCTOBER,
    )
    assert service.handling["received"] == 1 and service.handling_note == ""
    agency = report_build(
        handling=complaint_handling,
        scope=scope_in_mall(world.a, f"instansi:{world.a1.service.agency.code}"),
        period=OCTOBER,
    )
    assert agency.handling["received"] == 2


# Parameters ------------------------------------------------------------------

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("month", dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ({"periode": "triwulan"}, ("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ({"periode": "semester", "tahun": "2025", "ke": "1"}, ("semester", dt.date(2025, 1, 1),
                                                              dt.date(2025, 6, 30))),
        ({"periode": "tahun", "tahun": "2025"}, ("year", dt.date(2025, 1, 1),
                                                 dt.date(2025, 12, 31))),
        ({"periode": "bulan", "tahun": "2024", "ke": "2"}, ("month", dt.date(2024, 2, 1),
                                                           dt.date(2024, 2, 29))),
        ({"periode": "rentang", "dari": "2026-10-05", "sampai": "2026-10-20"},
         ("range", dt.date(2026, 10, 5), dt.date(2026, 10, 20))),
    ],
)  # fmt: skip
def test_period_parameters(params, expected):
    period = period_parse(params, TODAY)
    assert (period.kind, period.date_from, period.date_to) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"periode": "minggu"},
        {"periode": "bulan", "ke": "13"},
        {"periode": "triwulan", "ke": "5"},
        {"periode": "semester", "ke": "0"},
        {"periode": "bulan", "tahun": "abc"},
        {"periode": "bulan", "tahun": "1999"},
        {"periode": "bulan", "tahun": "0"},
        {"periode": "bulan", "tahun": "2026", "ke": "1.5"},
        {"periode": "bulan", "ke": "-1"},
        {"periode": "rentang", "dari": "2026-10-20", "sampai": "2026-10-05"},
        {"periode": "rentang", "dari": "2020-01-01", "sampai": "2026-01-01"},
        {"periode": "rentang", "dari": "2026-02-30", "sampai": "2026-03-01"},
        {"periode": "rentang"},
    ],
)
def test_bad_period_parameters(params):
    with pytest.raises(ReportParamError):
        period_parse(params, TODAY)


def test_scope_parameters(world):
    a1, a2 = world.a1, world.a2
    assert scope_in_mall(world.a, "gerai:a").booth == a1.booth
    assert scope_in_mall(world.a, f"instansi:{a2.booth.agency.code}").agency == a2.booth.agency
    both = scope_in_mall(world.a, f"gerai:A,layanan:{a1.service.code}")
    assert (both.level, both.booth, both.service) == ("service", a1.booth, a1.service)
    for value in ("gerai:Z", f"layanan:{world.b.offerings.first().service.code}", "instansi:x"):
        with pytest.raises(NotFound):
            scope_in_mall(world.a, value)
    with pytest.raises(NotFound):
        scope_in_mall(world.a, f"gerai:B,layanan:{a1.service.code}")  # not offered at B
    for value in ("semua", "gerai:", "gerai:A,gerai:B", "instansi:x,gerai:A", "toko:1"):
        with pytest.raises(ReportParamError):
            scope_in_mall(world.a, value)
    with pytest.raises(NotFound):
        scope_national("99")


# Pages and access ------------------------------------------------------------

OCT = "periode=bulan&tahun=2026&ke=10"


def page(client, path: str):
    response = client.get(path)
    return response, response.content.decode()


def test_anonymous_is_sent_to_login(world):
    for suffix in ("laporan/", "laporan.xlsx", "laporan.pdf"):
        response = Client().get(f"/m/mpp-a/ikm/{suffix}")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_manager_reads_the_mall_report(world):
    response, html = page(login(world.manager), f"/m/mpp-a/ikm/laporan/?{OCT}")
    assert response.status_code == 200
    assert '<p class="sv-ikm" data-testid="ikm-value">77.78</p>' in html
    assert re.findall(r'data-element="(U\d)"', html) == [f"U{i}" for i in range(1, 10)]
    assert 'data-testid="sample-short"' in html and "Only 4 of the 10 respondents" in html
    assert 'data-figure="received">2<' in html and 'data-testid="u9-nrr">3.000<' in html
    assert "Hubungi saya *** atau ***" in html and "0812" not in html and "budi@" not in html
    assert 'data-row="gerai:A"' in html and 'data-row="gerai:B"' in html
    assert f"/m/mpp-a/ikm/laporan.xlsx?{OCT}" in html.replace("&amp;", "&")
    assert f'<option value="layanan:{world.a1.service.code}"' in html


def test_national_admin_reads_any_mall(world):
    admin = UserFactory(username="national", role=Role.NATIONAL_ADMIN)
    response, html = page(login(admin), f"/m/mpp-c/ikm/laporan/?{OCT}")
    assert response.status_code == 200 and "75.00" in html


def test_others_get_a_readable_403(world):
    other = UserFactory(username="manager-b", role=Role.MALL_MANAGER, mall=world.b)
    officer = UserFactory(
        username="officer-a", role=Role.OFFICER, mall=world.a, booth=world.a1.booth
    )
    for user in (other, officer):
        client = login(user)
        for suffix in ("laporan/", "laporan.xlsx", "laporan.pdf"):
            response = client.get(f"/m/mpp-a/ikm/{suffix}?{OCT}")
            assert response.status_code == 403
            assert "Only the managers and supervisors of this mall" in response.content.decode()


def test_supervisor_sees_their_booth_only(world):
    client = login(world.supervisor)
    response, html = page(client, f"/m/mpp-a/ikm/laporan/?{OCT}")
    assert response.status_code == 200
    assert '<p class="sv-ikm" data-testid="ikm-value">87.04</p>' in html
    assert 'data-breakdown="booth"' not in html and 'data-breakdown="service"' in html
    assert 'value="gerai:B"' not in html and "instansi:" not in html
    assert 'data-figure="received">1<' in html
    for scope in ("gerai:B", f"instansi:{world.a1.booth.agency.code}"):
        assert client.get(f"/m/mpp-a/ikm/laporan/?{OCT}&lingkup={scope}").status_code == 403
    narrowed = client.get(f"/m/mpp-a/ikm/laporan/?{OCT}&lingkup=layanan:{world.a2.service.code}")
    assert narrowed.status_code == 200 and 'data-testid="ikm-none"' in narrowed.content.decode()


def test_bad_parameters_get_a_readable_page(world):
    client = login(world.manager)
    for query, status, words in (
        ("periode=bulan&ke=13", 400, "Month 13 does not exist: choose 1 to 12."),
        ("periode=minggu", 400, "Unknown period"),
        ("periode=bulan&tahun=20x6", 400, "tahun must be a whole number"),
        ("lingkup=gerai:Z", 404, "Booth not found"),
        ("lingkup=layanan:nope", 404, "Service not found"),
        ("lingkup=apa", 400, "Unknown scope"),
    ):
        response = client.get(f"/m/mpp-a/ikm/laporan/?{query}")
        assert response.status_code == status, query
        assert words in response.content.decode(), query
    assert client.get("/m/no-such-mall/ikm/laporan/").status_code == 404
    assert english().get("/ikm/?periode=bulan&ke=13").status_code == 400
    assert english().get("/ikm/provinsi/99/").status_code == 404
    assert english().get("/ikm/provinsi/abc/data.xlsx").status_code == 404


def test_public_national_and_province_pages(world):
    response, html = page(english(), f"/ikm/?{OCT}")
    assert response.status_code == 200
    assert '<p class="sv-ikm" data-testid="ikm-value">80.16</p>' in html
    ranking = re.search(r'data-breakdown="mall">(.*?)</section>', html, re.S).group(1)
    assert re.findall(r'data-row="([\w-]+)"', ranking) == ["mpp-b", "mpp-a", "mpp-c"]
    assert 'href="/m/mpp-b/ikm/"' in ranking and 'data-short="1"' in ranking
    provinces = re.search(r'data-breakdown="province">(.*?)</section>', html, re.S).group(1)
    assert re.findall(r'data-row="(\d+)"', provinces) == ["32", "33"]
    assert f"/ikm/provinsi/32/?{OCT}" in provinces.replace("&amp;", "&")
    assert "Ruang tunggu" not in html and "Comments of respondents are not published" in html
    response, html = page(english(), f"/ikm/provinsi/32/?{OCT}")
    assert response.status_code == 200 and "82.22" in html and "mpp-c" not in html
    indonesian = Client().get(f"/ikm/?{OCT}").content.decode()
    assert "80,16" in indonesian and 'lang="id"' in indonesian


def test_period_navigation_links(world):
    _response, html = page(login(world.manager), f"/m/mpp-a/ikm/laporan/?{OCT}&lingkup=gerai:A")
    html = html.replace("&amp;", "&")
    assert (
        'href="?periode=triwulan&tahun=2026&ke=4&lingkup=gerai%3AA" data-period-kind="quarter"'
        in html
    )
    assert 'href="?periode=bulan&tahun=2026&ke=9&lingkup=gerai%3AA" rel="prev"' in html
    assert 'href="?periode=bulan&tahun=2026&ke=11&lingkup=gerai%3AA" rel="next"' in html


def test_today_page_and_home_link_to_the_reports(world):
    html = login(world.manager).get("/m/mpp-a/today/").content.decode()
    assert 'href="/m/mpp-a/ikm/laporan/"' in html
    assert 'href="/ikm/"' in english().get("/").content.decode()


def test_national_report_queries_do_not_grow_with_malls(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            report_build(
                handling=complaint_handling,
                scope=scope_national(),
                period=OCTOBER,
                with_comments=False,
            )
        return len(queries)

    before = count()
    for _ in range(3):
        mall = MallFactory(regency=region("32.10"))
        SurveyResponseFactory(offering=OfferingFactory(booth__mall=mall), submitted_on=DAY)
    assert count() == before


def test_public_report_is_kept_a_few_minutes(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert english().get(f"/ikm/?{OCT}").status_code == 200
    SurveyResponseFactory(offering=world.a1, submitted_on=DAY, **scores(1))
    with CaptureQueriesContext(connection) as queries:
        html = english().get(f"/ikm/?{OCT}").content.decode()
    assert len(queries) <= 2 and "80.16" in html  # the kept report, before the new answer
    assert english().get(f"/ikm/provinsi/32/?{OCT}").content.decode().count("MPP Alfa") >= 1


def test_mall_report_queries_do_not_grow_with_booths_and_services(
    world, django_assert_max_num_queries
):
    """A mall's report (booth and service breakdowns, comments, U9) in at most 11 queries,
    however many booths and services answered; services offered but unanswered are rows."""
    for _ in range(4):
        SurveyResponseFactory(offering=OfferingFactory(booth__mall=world.a), submitted_on=DAY)
    unanswered = OfferingFactory(booth__mall=world.a)
    with django_assert_max_num_queries(11):
        report = report_build(
            handling=complaint_handling, scope=scope_in_mall(world.a, "mall"), period=OCTOBER
        )
    booths, services = report.breakdowns
    assert (len(booths.rows), len(services.rows)) == (7, 7)
    row = next(r for r in services.rows if r.key == unanswered.service_id)
    assert (row.figures.respondents, row.figures.ikm, row.rank) == (0, None, None)
