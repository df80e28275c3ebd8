"""Fixtures of the SKM tests: a finished ticket (with its invitation), answers and a profile."""

from __future__ import annotations

import pytest

from mpp.queueing import services as q
from mpp.surveys.ikm import ELEMENT_CODES

PROFILE = {"sex": "P", "age": 34, "education": "s1", "occupation": "wirausaha"}


def answers(*scores: int) -> dict[str, int]:
    """{"U1": s1, ...}; one score repeated for all nine when only one is given."""
    if len(scores) == 1:
        scores = scores * 9
    return dict(zip(ELEMENT_CODES, scores, strict=True))


def form(token: str | None = None, *, scores=(3,), comment: str = "", **profile) -> dict:
    """The POST of the questionnaire page."""
    data = {code: str(s) for code, s in answers(*scores).items()}
    data.update({k: str(v) for k, v in {**PROFILE, **profile}.items()})
    data["comment"] = comment
    if token:
        data["token"] = token
    return data


def finish_ticket(mall, offering, counter, officer):
    """Issue, call, start and finish one ticket at the counter; returns it finished."""
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    return q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)


@pytest.fixture
def finished(mall, offering, counter, officer):
    return finish_ticket(mall, offering, counter, officer)


@pytest.fixture
def invitation(finished):
    from mpp.surveys.selectors import invitation_for

    return invitation_for("ticket", finished.pk)


@pytest.fixture
def every_group_shown(monkeypatch):
    """Show groups of any size: for tests of the IKM arithmetic on a handful of answers.
    The privacy rule itself (groups of fewer than 5 hidden) is tested in test_privacy.py
    with the real threshold."""
    from mpp.surveys import privacy

    monkeypatch.setattr(privacy, "MIN_ANSWERS", 1)
