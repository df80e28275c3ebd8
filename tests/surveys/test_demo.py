"""SKM answers in the demo mall: a few hundred over the last months, the same for the same day,
loaded once, and enough for the public IKM page to show every period."""

import datetime as dt

import pytest
from django.urls import reverse

from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Mall
from mpp.surveys.demo import survey_demo_load
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from mpp.surveys.selectors import ikm_compute, period_before

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)  # a Friday


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot():
    rows = SurveyResponse.objects.order_by("submitted_on", "service_id", "u1", "u2", "u3", "age")
    return list(rows.values_list("submitted_on", "service_id", "u1", "u2", "u9", "age", "sex"))


def test_demo_answers(client, clock):
    clock.move_to("2026-11-27T10:00:00+07:00")  # TODAY: the public page reads the clock
    demo_load()
    made = survey_demo_load(today=TODAY)
    assert 300 <= made <= 1500
    assert survey_demo_load(today=TODAY) == 0  # once
    mall = Mall.objects.get(code=DEMO_MALL)
    days = SurveyResponse.objects.order_by("submitted_on").values_list("submitted_on", flat=True)
    first, last = days.first(), days.last()
    assert first == dt.date(2026, 8, 3) and last <= TODAY  # three months back, weekdays only
    assert not SurveyResponse.objects.filter(submitted_on__week_day__in=[1, 7]).exists()
    assert SurveyResponse.objects.values("service_id").distinct().count() > 5
    invitations = SurveyInvitation.objects.filter(mall=mall)
    assert invitations.filter(used=True).count() == made
    quarter = period_before("quarter", TODAY)
    result = ikm_compute(mall_id=mall.pk, date_from=quarter[0], date_to=quarter[1])
    assert result.mutu in {"A", "B"} and 76 < result.ikm < 95
    assert result.sample_short is False and result.comments
    assert sum(result.profile["sex"].values()) == result.respondents
    page = client.get(reverse("mall-ikm", kwargs={"mall": DEMO_MALL}))
    assert page.content.decode().count('data-testid="ikm-value"') >= 2


def test_demo_is_deterministic_for_a_day():
    demo_load()
    survey_demo_load(today=TODAY)
    first = snapshot()
    SurveyResponse.objects.all().delete()
    SurveyInvitation.objects.all().delete()
    survey_demo_load(today=TODAY)
    assert snapshot() == first


def test_demo_without_the_mall_does_nothing():
    assert survey_demo_load("no-such-mall") == 0
    assert SurveyResponse.objects.count() == 0
