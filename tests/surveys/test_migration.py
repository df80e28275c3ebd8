"""The privacy migration (surveys 0002) on existing rows: an answered invitation keeps a used
flag and loses the minute it was answered; past `survey.answered` events lose the
invitation's id (the one sanctioned rewrite of the log)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mpp.core.models import Event
from mpp.surveys.models import SurveyInvitation
from tests.factories import OfferingFactory

BEFORE = [("surveys", "0001_initial")]
AFTER = [("surveys", "0002_survey_privacy")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_answered_invitations_keep_a_flag_and_the_log_forgets_which():
    offering = OfferingFactory()
    old = migrate(BEFORE)
    Invitation = old.get_model("surveys", "SurveyInvitation")
    now = timezone.now()
    common = {
        "kind": "ticket",
        "mall_id": offering.mall_id,
        "agency_id": offering.service.agency_id,
        "service_id": offering.service_id,
        "booth_id": offering.booth_id,
        "province_code": "32",
        "created_at": now,
        "created_on": now.date(),
        "expires_at": now + dt.timedelta(days=30),
    }
    done = Invitation.objects.create(
        token="a" * 22, transaction_id="t-1", answered_at=now, **common
    )
    Invitation.objects.create(token="b" * 22, transaction_id="t-2", **common)
    Event.objects.create(
        occurred_at=now,
        kind="survey.answered",
        mall_id=offering.mall_id,
        subject_type="survey_invitation",
        subject_id=str(done.pk),
    )
    try:
        migrate(AFTER)
        used = dict(SurveyInvitation.objects.values_list("transaction_id", "used"))
        assert used == {"t-1": True, "t-2": False}
        event = Event.objects.get(kind="survey.answered")
        assert event.subject_id == "" and event.mall_id == offering.mall_id
        assert not Event.objects.filter(subject_id=str(done.pk)).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
