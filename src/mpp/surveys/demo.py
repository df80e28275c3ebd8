"""SKM answers for the demo mall, so its public IKM page has something to show.

Why: `mpp demo` shows a mall a few minutes after setup, when nobody has answered a
survey yet; an empty IKM page says nothing about what the page is for. This makes a
plausible three months and the current month so far of finished transactions
(invitations) and anonymous answers, on weekdays, spread over the mall's services:
mostly "good" and "very good", fees and complaint handling scored lower here and
there, about two in three visitors answering. A fixed random seed gives the same
answers for the same day. Idempotent: once the mall has demo invitations, nothing is
added.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from mpp.catalog.demo import DEMO_MALL
from mpp.catalog.models import Mall, Offering
from mpp.surveys.ikm import AGE_MAX, AGE_MIN, EDUCATION_CHOICES, ELEMENTS, OCCUPATION_CHOICES
from mpp.surveys.models import (
    INVITATION_DAYS,
    ResponseChannel,
    SurveyInvitation,
    SurveyResponse,
    TransactionKind,
    new_token,
)

DEMO_PREFIX = "demo-"  # transaction ids of the demo's invitations
SEED = 14_2017
MONTHS_BACK = 3
VISITS_PER_DAY = (9, 15)  # finished transactions a weekday
ANSWER_RATE = 0.68
# Probability of scores 1..4 per element; U4 is "Gratis" for most services (fee 0).
_DEFAULT_WEIGHTS = (2, 8, 55, 35)
_WEIGHTS = {"U3": (4, 14, 52, 30), "U8": (3, 10, 50, 37), "U9": (5, 15, 50, 30)}
_FREE_FEE = (0, 2, 8, 90)
_PAID_FEE = (5, 25, 45, 25)
_CHANNELS = [(ResponseChannel.WEB, 55), (ResponseChannel.TABLET, 40), (ResponseChannel.SMS, 5)]
_EDUCATION = list(zip([c for c, _ in EDUCATION_CHOICES], (8, 14, 38, 12, 24, 4), strict=True))
_OCCUPATION = list(zip([c for c, _ in OCCUPATION_CHOICES], (10, 2, 2, 34, 26, 14, 12), strict=True))
_COMMENTS = [
    "Pelayanan cepat dan petugas ramah.",
    "Ruang tunggu nyaman, tapi kursinya kurang banyak saat ramai.",
    "Antrean online sangat membantu, terima kasih.",
    "Mohon tambah loket di jam sibuk.",
    "Petugas menjelaskan persyaratan dengan jelas.",
    "Parkir penuh, susah cari tempat.",
]


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _score(rng: random.Random, weights) -> int:
    return rng.choices((1, 2, 3, 4), weights=weights)[0]


def _weekdays(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def _answer(rng: random.Random, mall: Mall, offering: Offering, day: dt.date) -> SurveyResponse:
    scores = {}
    for element in ELEMENTS:
        if element.code == "U4":
            weights = _FREE_FEE if offering.service.fee == 0 else _PAID_FEE
        else:
            weights = _WEIGHTS.get(element.code, _DEFAULT_WEIGHTS)
        scores[element.field] = _score(rng, weights)
    return SurveyResponse(
        kind=TransactionKind.TICKET,
        mall=mall,
        agency_id=offering.service.agency_id,
        booth_id=offering.booth_id,
        service_id=offering.service_id,
        province_code=mall.regency_id[:2],
        **scores,
        sex=rng.choice("LP"),
        age=min(max(int(rng.gauss(36, 12)), AGE_MIN), AGE_MAX),
        education=_weighted(rng, _EDUCATION),
        occupation=_weighted(rng, _OCCUPATION),
        comment=rng.choice(_COMMENTS) if rng.random() < 0.12 else "",
        channel=_weighted(rng, _CHANNELS),
        submitted_on=day,
    )


@transaction.atomic
def survey_demo_load(mall_code: str = DEMO_MALL, *, today: dt.date | None = None) -> int:
    """Fill the demo mall with SKM invitations and answers; returns how many answers
    were made (0 when the mall is missing, has no services, or already has them)."""
    mall = Mall.objects.filter(code=mall_code).first()
    if mall is None:
        return 0
    if SurveyInvitation.objects.filter(mall=mall, transaction_id__startswith=DEMO_PREFIX).exists():
        return 0
    offerings = list(
        Offering.objects.filter(mall=mall, is_active=True).select_related("service").order_by("pk")
    )
    if not offerings:
        return 0
    today = today or mall.today()
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for _ in range(MONTHS_BACK - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rng = random.Random(f"{SEED}:{mall.code}:{today.isoformat()}")
    now = timezone.now()
    invitations, answers = [], []
    n = 0
    for day in _weekdays(first, today):
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=mall.tz)
        for _ in range(rng.randint(*VISITS_PER_DAY)):
            n += 1
            offering = rng.choice(offerings)
            answered = rng.random() < ANSWER_RATE
            created = noon + dt.timedelta(minutes=rng.randint(-240, 180))
            if created + dt.timedelta(minutes=5) > now:
                continue  # later today: not served yet
            invitations.append(
                SurveyInvitation(
                    token=new_token(),
                    kind=TransactionKind.TICKET,
                    transaction_id=f"{DEMO_PREFIX}{today.isoformat()}-{n}",
                    mall=mall,
                    agency_id=offering.service.agency_id,
                    booth_id=offering.booth_id,
                    service_id=offering.service_id,
                    province_code=mall.regency_id[:2],
                    created_at=created,
                    created_on=day,
                    expires_at=created + dt.timedelta(days=INVITATION_DAYS),
                    used=answered,
                )
            )
            if answered:
                answers.append(_answer(rng, mall, offering, day))
    SurveyInvitation.objects.bulk_create(invitations, batch_size=500)
    rng.shuffle(answers)  # rows in the invitations' order would pair them up
    SurveyResponse.objects.bulk_create(answers, batch_size=500)
    return len(answers)
