"""Fixtures of the consultation forum: a mall with a manager, topics in each state, voters.

Topics are put into a state through the services themselves (never by writing the status
field), so every fixture is a state the application can actually reach.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.consultation import services
from mpp.consultation.voters import voter_key_of
from tests.factories import TopicFactory, UserFactory

KEY_A = voter_key_of("voter-a")
KEY_B = voter_key_of("voter-b")
KEY_C = voter_key_of("voter-c")
COMMENT = "Saya setuju, fotokopi KK memang merepotkan warga."


@pytest.fixture
def manager(mall):
    return UserFactory(role=Role.MALL_MANAGER, mall=mall)


def later(days: float = 7) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def topic_in(mall, state: str, manager=None, **fields):
    """A topic of `mall` brought into `state` (draft, open, past_due, closed, concluded,
    withdrawn) through the services."""
    topic = TopicFactory(mall=mall, **fields)
    if state == "draft":
        return topic
    if state == "withdrawn":
        return services.topic_withdraw(topic=topic, reason="Salah ketik", actor=manager)
    if state == "past_due":  # opened ten days ago, closed by the clock three days ago
        opened = timezone.now() - dt.timedelta(days=10)
        return services.topic_open(
            topic=topic, closes_at=opened + dt.timedelta(days=7), actor=manager, now=opened
        )
    topic = services.topic_open(topic=topic, closes_at=later(), actor=manager)
    if state == "open":
        return topic
    topic = services.topic_close(topic=topic, actor=manager)
    if state == "closed":
        return topic
    assert state == "concluded", state
    return services.topic_conclude(
        topic=topic,
        outcome="Usulan disetujui dan berlaku mulai bulan depan.",
        changes=["Fotokopi KK tidak lagi diminta"],
        actor=manager,
    )


@pytest.fixture
def draft(mall):
    return topic_in(mall, "draft")


@pytest.fixture
def open_topic(mall, manager):
    return topic_in(mall, "open", manager)
