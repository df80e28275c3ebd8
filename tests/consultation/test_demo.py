"""The demo mall's consultations: one open topic with votes, comments and one waiting for
the moderator, one concluded topic with its outcome and changes; loaded once."""

import pytest
from django.test import Client
from django.utils import translation

from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.consultation import selectors
from mpp.consultation.demo import (
    DONE_TITLE,
    OPEN_TITLE,
    consultation_demo_counts,
    consultation_demo_load,
)
from mpp.consultation.models import Topic
from mpp.core.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_consultations_are_loaded_once():
    assert consultation_demo_load() == 0  # no demo mall yet: nothing to do
    demo_load()
    assert consultation_demo_load() == 2
    assert consultation_demo_counts() == {"open": 1, "concluded": 1, "pending": 1}
    topics = selectors.topics_public(Topic.objects.get(title=OPEN_TITLE).mall)
    [open_topic] = topics.open
    [done] = topics.concluded
    assert open_topic.title == OPEN_TITLE and open_topic.service.code == "dukcapil-ktp-el-baru"
    tally = selectors.tally_of(open_topic)
    assert (tally.agree, tally.disagree, tally.neutral) == (14, 3, 2)
    approved = selectors.comments_public(open_topic)
    with translation.override("en"):
        assert len(approved) == 3 and approved[0].reply and approved[1].name == "Anonymous"
    assert done.title == DONE_TITLE and done.outcome
    changes = list(done.changes.all())
    assert len(changes) == 3 and changes[1].service.code == "dukcapil-legalisir"
    assert Event.objects.filter(kind="consultation.topic_concluded").count() == 1

    events = Event.objects.count()
    assert consultation_demo_load() == 0  # idempotent
    assert Event.objects.count() == events and Topic.objects.count() == 2

    page = Client().get(f"/m/{DEMO_MALL}/konsultasi/?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert OPEN_TITLE in html and DONE_TITLE in html
