"""Survey anonymity (issue 11): no screen, export, event or API answer joins an answer to its
transaction, and no group of fewer than 5 answers is shown, on the pages, in the XLSX and
PDF, or in the API. These run with the real threshold (privacy.MIN_ANSWERS = 5)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from mpp.accounts.models import Role
from mpp.core.models import Event
from mpp.surveys import privacy
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from mpp.surveys.reports import Period, Scope, report_build
from mpp.surveys.selectors import ikm_compute
from mpp.surveys.services import invitation_create, response_submit
from tests.factories import (
    OfferingFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    UserFactory,
)
from tests.surveys.conftest import PROFILE, answers

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 10, 14)
OCTOBER = Period("month", dt.date(2026, 10, 1), dt.date(2026, 10, 31), 2026, 10)
QUERY = {"periode": "bulan", "tahun": "2026", "ke": "10", "lang": "en"}


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def answered(offering, n: int, score: int = 3, comment: str = "", day: dt.date = DAY):
    for _ in range(n):
        SurveyResponseFactory(
            offering=offering, submitted_on=day, comment=comment, u1=score, u7=score
        )


def test_the_threshold_is_five():
    assert privacy.MIN_ANSWERS == 5
    assert [privacy.is_small(n) for n in (0, 1, 4, 5, 50)] == [False, True, True, False, False]


def test_complementary_rows_are_withheld():
    # one small row: the total minus the others would give it; the next smallest goes too
    assert privacy.complement({"a": 3, "b": 7, "c": 20}) == {"b"}
    # two small rows adding to fewer than 5: still one more
    assert privacy.complement({"a": 1, "b": 2, "c": 9, "d": 6}) == {"d"}
    # small rows that together make 5 or more need no help; none small, none withheld
    assert privacy.complement({"a": 3, "b": 4, "c": 9}) == set()
    assert privacy.complement({"a": 0, "b": 7, "c": 9}) == set()


# Nothing joins an answer to its transaction -------------------------------------------


def test_the_invitation_keeps_a_flag_not_a_time(offering):
    invitation = invitation_create(
        kind="ticket",
        transaction_id="ticket-1",
        mall_id=offering.mall_id,
        agency_id=offering.service.agency_id,
        service_id=offering.service_id,
        booth_id=offering.booth_id,
    )
    response_submit(token=invitation.token, answers=answers(3), profile=PROFILE)
    invitation.refresh_from_db()
    assert invitation.used is True
    fields = {f.name for f in SurveyInvitation._meta.get_fields()}
    assert "answered_at" not in fields  # the minute it was answered was the join
    assert not {f.name for f in SurveyResponse._meta.get_fields()} & {
        "invitation",
        "token",
        "transaction_id",
        "counter",
        "officer",
        "ticket",
        "created_at",
        "submitted_at",
    }
    # the log holds no answer: nothing in it names this invitation after its invitation
    assert list(
        Event.objects.filter(subject_id=str(invitation.pk)).values_list("kind", flat=True)
    ) == ["survey.invited"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/surveys/surveyinvitation/",
        "/admin/surveys/surveyresponse/",
    ],
)
def test_no_admin_screen_lists_invitations_or_single_answers(offering, url):
    SurveyInvitationFactory(offering=offering)
    answered(offering, 1)
    admin = UserFactory(username="nasional", role=Role.NATIONAL_ADMIN, is_staff=True)
    admin.is_superuser = True
    admin.save()
    client = english()
    client.force_login(admin)
    assert client.get(url).status_code == 404
    index = client.get("/admin/").content.decode()
    assert "surveyinvitation" not in index and "surveyresponse" not in index


def test_comments_are_not_in_the_order_they_were_written(offering):
    for text in ("zebra", "apel", "mangga", "durian", "jeruk"):
        SurveyResponseFactory(offering=offering, submitted_on=DAY, comment=text)
    result = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY)
    assert [c.text for c in result.comments] == ["apel", "durian", "jeruk", "mangga", "zebra"]


# Fewer than 5 answers: not shown ------------------------------------------------------


def test_ikm_of_four_answers_is_suppressed_and_of_five_shown(offering):
    answered(offering, 4, score=1, comment="petugas lambat")
    small = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY)
    assert small.suppressed and small.respondents_label == "fewer than 5 answers"
    assert small.ikm is None and small.mutu is None and small.unit_value is None
    assert set(small.elements.values()) == {None} and set(small.totals.values()) == {0}
    assert small.comments == [] and all(not sum(g.values()) for g in small.profile.values())
    answered(offering, 1, score=1)
    shown = ikm_compute(mall_id=offering.mall_id, date_from=DAY, date_to=DAY)
    assert not shown.suppressed and shown.respondents == 5 and shown.ikm is not None
    assert len(shown.comments) == 4


def test_a_booth_with_few_answers_is_hidden_in_the_report_and_its_complement_too(mall):
    a = OfferingFactory(booth__mall=mall, booth__ticket_prefix="A")
    b = OfferingFactory(booth__mall=mall, booth__ticket_prefix="B")
    c = OfferingFactory(booth__mall=mall, booth__ticket_prefix="C")
    answered(a, 2, score=1)
    answered(b, 6, score=4)
    answered(c, 9, score=3)
    report = report_build(scope=Scope("mall", "32", mall=mall), period=OCTOBER)
    assert report.result.respondents == 17 and report.result.ikm is not None
    booths = {row.key: row.figures for row in report.breakdowns[0].rows}
    assert booths[a.booth_id].hidden == "few" and booths[a.booth_id].ikm is None
    assert booths[a.booth_id].respondents_label == "fewer than 5 answers"
    # with the mall's total, booth B's figures would give booth A's two answers away
    assert booths[b.booth_id].hidden == "withheld" and booths[b.booth_id].ikm is None
    assert booths[c.booth_id].hidden == "" and booths[c.booth_id].ikm is not None


@pytest.fixture
def manager(mall):
    return UserFactory(username="manajer-privasi", role=Role.MALL_MANAGER, mall=mall)


def test_staff_report_page_shows_fewer_than_5(mall, manager):
    a = OfferingFactory(booth__mall=mall, booth__ticket_prefix="A")
    answered(a, 3, score=1, comment="Petugas loket 2 membentak saya")
    client = english()
    client.force_login(manager)
    page = client.get(reverse("ikm-report", args=[mall.code]), QUERY)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="ikm-suppressed"' in html and "Fewer than 5 answers" in html
    assert 'data-testid="ikm-value"' not in html and "membentak" not in html
    assert 'data-hidden="few"' in html and "fewer than 5 answers" in html
    booth = client.get(reverse("ikm-report", args=[mall.code]), {**QUERY, "lingkup": "gerai:A"})
    assert "membentak" not in booth.content.decode()


def test_exports_show_fewer_than_5(mall, manager):
    a = OfferingFactory(booth__mall=mall, booth__ticket_prefix="A")
    answered(a, 3, score=1, comment="Petugas loket 2 membentak saya")
    client = english()
    client.force_login(manager)
    sheet = client.get(reverse("ikm-report-xlsx", args=[mall.code]), QUERY)
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "fewer than 5 answers" in cells and not any("membentak" in c for c in cells)
    summary = {row[0]: row[1] for row in book["IKM"].iter_rows(values_only=True) if row[0]}
    assert summary["Respondents"] == "fewer than 5 answers"
    assert summary["IKM (unit value x 25)"] in ("", None)
    pdf = client.get(reverse("ikm-report-pdf", args=[mall.code]), {**QUERY, "compress": "0"})
    assert pdf.status_code == 200


@pytest.mark.clock
def test_public_mall_page_shows_fewer_than_5(mall, clock):
    clock.move_to("2026-10-20T10:00:00+07:00")
    a = OfferingFactory(booth__mall=mall)
    answered(a, 2, score=4)
    html = english().get(reverse("mall-ikm", args=[mall.code])).content.decode()
    assert 'data-testid="ikm-suppressed"' in html and 'data-testid="ikm-value"' not in html
    assert 'data-testid="ikm-respondents">fewer than 5 answers' in html


def test_api_shows_fewer_than_5(client, mall):
    a = OfferingFactory(booth__mall=mall)
    answered(a, 4, score=2)  # U1 and U7 2, the rest 3: (2 + 2 + 7 x 3) / 9 x 25 = 69.44
    query = {"mall": mall.code, "from": str(DAY), "to": str(DAY)}
    body = english().get("/api/v1/ikm", query).json()
    assert body["suppressed"] is True and body["respondents"] is None
    assert body["ikm"] is None and body["mutu"] is None and body["unit_value"] is None
    assert set(body["elements"].values()) == {None}
    assert body["note"] == "fewer than 5 answers"
    answered(a, 1, score=2)
    body = client.get("/api/v1/ikm", query).json()
    assert body["suppressed"] is False and body["respondents"] == 5 and body["ikm"] == 69.44
