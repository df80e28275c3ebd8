"""surveys.digest: a booth's answers of a day are counted and sent as ONE "survey.submitted"
event once the mall's day has ended, only from 5 answers, never twice, and never with
anything of an answer but the count and the day's IKM (docs/survey-privacy.md)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from mpp.core.models import Event
from mpp.integrations.models import WebhookMessage
from mpp.integrations.webhooks.subscriptions import subscription_create
from mpp.notifications.periodic import registered
from mpp.surveys.digest import KIND, survey_digest
from tests.factories import (
    MallFactory,
    OfferingFactory,
    SurveyResponseFactory,
    client_with_key,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 10, 14)
WIB = ZoneInfo("Asia/Jakarta")
DAY_ENDED = dt.datetime(2026, 10, 15, 0, 30, tzinfo=WIB)  # 00:30 the next morning
DAY_NOT_ENDED = dt.datetime(2026, 10, 14, 23, 30, tzinfo=WIB)
COMMENT = "Petugasnya ramah sekali"


@pytest.fixture
def offering():
    return OfferingFactory(booth__mall=MallFactory(timezone="Asia/Jakarta"))


def answered(offering, n: int, day: dt.date = DAY, score: int = 3):
    for _ in range(n):
        SurveyResponseFactory(
            offering=offering,
            submitted_on=day,
            comment=COMMENT,
            sex="L",
            age=47,
            occupation="petani",
            **{f"u{i}": score for i in range(1, 10)},
        )


def digests() -> list[Event]:
    return list(Event.objects.filter(kind=KIND).order_by("id"))


def test_the_digest_runs_every_hour_in_the_worker():
    [job] = [job for job in registered() if job.name == "surveys.digest"]
    assert job.every_seconds == 3600


def test_a_day_with_four_answers_is_not_reported_at_all(offering):
    answered(offering, 4)
    assert survey_digest(now=DAY_ENDED) == 0
    assert survey_digest(now=DAY_ENDED + dt.timedelta(days=3)) == 0
    assert digests() == []


def test_five_answers_make_one_event_with_the_count_and_the_ikm(offering):
    answered(offering, 5, score=4)
    answered(OfferingFactory(booth=offering.booth), 1, score=4)  # another service, same booth
    answered(offering, 7, day=DAY - dt.timedelta(days=1), score=2)
    assert survey_digest(now=DAY_ENDED) == 2
    first, second = digests()
    booth = offering.booth
    assert (first.subject_type, first.subject_id) == ("survey_day", f"{booth.pk}:2026-10-13")
    assert first.data == {"booth_id": booth.pk, "date": "2026-10-13", "responses": 7, "ikm": 50.0}
    assert second.subject_id == f"{booth.pk}:{DAY.isoformat()}"
    assert second.data == {"booth_id": booth.pk, "date": "2026-10-14", "responses": 6, "ikm": 100.0}
    assert second.mall_id == booth.mall_id and second.actor_id is None
    assert second.occurred_at == DAY_ENDED


def test_running_twice_still_writes_one_event(offering):
    answered(offering, 5)
    assert survey_digest(now=DAY_ENDED) == 1
    assert survey_digest(now=DAY_ENDED) == 0
    assert survey_digest(now=DAY_ENDED + dt.timedelta(hours=1)) == 0
    assert len(digests()) == 1


def test_a_day_not_yet_ended_is_not_reported_until_it_ends(offering):
    answered(offering, 5)
    assert survey_digest(now=DAY_NOT_ENDED) == 0
    assert digests() == []
    assert survey_digest(now=DAY_ENDED) == 1


def test_the_day_ends_in_the_mall_s_own_time_zone(offering):
    papua = OfferingFactory(booth__mall=MallFactory(timezone="Asia/Jayapura"))  # UTC+9
    answered(offering, 5)
    answered(papua, 5)
    # 23:30 in Jakarta is 01:30 the next day in Jayapura: only Papua's day has ended
    assert survey_digest(now=DAY_NOT_ENDED) == 1
    [event] = digests()
    assert event.mall_id == papua.booth.mall_id
    assert survey_digest(now=DAY_ENDED) == 1
    assert len(digests()) == 2


def test_it_looks_back_seven_days_at_most(offering):
    # on the 15th the seven ended days are the 8th to the 14th
    answered(offering, 5, day=DAY - dt.timedelta(days=6))
    answered(offering, 5, day=DAY - dt.timedelta(days=7))
    assert survey_digest(now=DAY_ENDED) == 1
    [event] = digests()
    assert event.data["date"] == "2026-10-08"


def test_the_booth_s_agency_client_gets_one_message_without_answers(offering):
    booth = offering.booth
    client, _key = client_with_key(agency=booth.agency, malls=[booth.mall])
    sub, _secret = subscription_create(
        client=client, url="https://siak.example.go.id/hooks", events=["survey.*"]
    )
    other, _key = client_with_key(agency=OfferingFactory().booth.agency, malls=[booth.mall])
    other_sub, _secret = subscription_create(
        client=other, url="https://other.example.go.id/hooks", events=["survey.*"]
    )
    answered(offering, 5)
    survey_digest(now=DAY_ENDED)
    survey_digest(now=DAY_ENDED + dt.timedelta(hours=1))
    [message] = WebhookMessage.objects.filter(subscription=sub)
    assert not WebhookMessage.objects.filter(subscription=other_sub).exists()
    body = json.loads(message.body)
    assert body["type"] == "survey.submitted" and message.event_type == "survey.submitted"
    assert body["subject"] == f"{booth.pk}:2026-10-14"
    assert body["data"] == {
        "booth_id": booth.pk,
        "date": "2026-10-14",
        "responses": 5,
        "ikm": 75.0,
        "mall": booth.mall.code,
        "agency": booth.agency.code,
        "service": None,
    }
    for answer_part in (COMMENT, "petani", "comment", '"sex"', '"age"', "occupation"):
        assert answer_part not in message.body
