"""The same survey answered from several processes at the same moment (a phone and the counter's
tablet, or a retried request): exactly one answer is kept, the others are told it is answered.
The conditional UPDATE (WHERE NOT used) in the insert's transaction decides; on PostgreSQL
the row lock of the UPDATE makes the losers wait and then match no row."""

from pathlib import Path

import pytest

from mpp.core.models import Event
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from tests.factories import SurveyInvitationFactory
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("parallel_worker.py")
PROCESSES = 6


@pytest.mark.django_db(transaction=True)
def test_one_token_answered_by_many_processes_gives_one_answer(offering):
    invitation = SurveyInvitationFactory(offering=offering)
    arg_lists = [[invitation.token, str(1 + i % 4)] for i in range(PROCESSES)]

    outcomes = run_parallel(WORKER, arg_lists, start_in=3.0)
    assert outcomes.peak() >= 2, outcomes.windows  # the answers really raced

    assert sorted(outcomes) == ["answered"] + ["survey_already_answered"] * (PROCESSES - 1)
    assert SurveyResponse.objects.count() == 1
    winner = arg_lists[outcomes.index("answered")][1]
    assert SurveyResponse.objects.get().u5 == int(winner)  # the winner's answer, whole
    assert SurveyInvitation.objects.get().used is True
    assert not Event.objects.filter(kind="survey.answered").exists()  # anonymity: no event
