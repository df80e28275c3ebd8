"""The SKM's writes: one invitation per transaction, one anonymous answer per invitation."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.models import Event
from mpp.notifications.models import Message
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from mpp.surveys.services import (
    SurveyExpired,
    invitation_create,
    invitation_notify,
    response_submit,
)
from tests.factories import SurveyInvitationFactory
from tests.surveys.conftest import PROFILE, answers

pytestmark = pytest.mark.django_db


def invite(offering, transaction_id="t-1", **kwargs):
    return invitation_create(
        kind="ticket",
        transaction_id=transaction_id,
        mall_id=offering.mall_id,
        agency_id=offering.service.agency_id,
        service_id=offering.service_id,
        booth_id=offering.booth_id,
        **kwargs,
    )


def submit(token, scores=(3,), profile=None, **kwargs):
    return response_submit(
        token=token, answers=answers(*scores), profile=profile or PROFILE, **kwargs
    )


# Invitations ------------------------------------------------------------------------


def test_invitation_is_made_once_per_transaction(offering):
    first = invite(offering)
    again = invite(offering)
    assert again.pk == first.pk and again.token == first.token
    assert SurveyInvitation.objects.count() == 1
    assert Event.objects.filter(kind="survey.invited").count() == 1
    other = invite(offering, transaction_id="t-2")
    assert other.token != first.token and len(first.token) >= 22
    # Another kind of transaction with the same id is another transaction.
    case = invitation_create(
        kind="case",
        transaction_id="t-1",
        mall_id=offering.mall_id,
        agency_id=offering.service.agency_id,
        service_id=offering.service_id,
    )
    assert case.pk != first.pk and case.booth_id is None


def test_invitation_scope_and_dates(offering):
    now = timezone.now()
    invitation = invite(offering, now=now)
    assert invitation.province_code == "32"
    assert invitation.created_on == now.astimezone(offering.mall.tz).date()
    assert invitation.expires_at == now + dt.timedelta(days=30)
    assert invitation.used is False
    event = Event.objects.get(kind="survey.invited")
    assert event.data == {"transaction_kind": "ticket"} and event.mall_id == offering.mall_id


def test_invitation_refuses_unknown_kind_and_empty_id(offering):
    with pytest.raises(Invalid) as exc:
        invitation_create(
            kind="parcel",
            transaction_id="x",
            mall_id=offering.mall_id,
            agency_id=offering.service.agency_id,
            service_id=offering.service_id,
        )
    assert exc.value.code == "invalid_kind"
    with pytest.raises(Invalid):
        invite(offering, transaction_id="  ")
    with pytest.raises(NotFound):
        invitation_create(
            kind="ticket",
            transaction_id="x",
            mall_id=999999,
            agency_id=offering.service.agency_id,
            service_id=offering.service_id,
        )
    assert SurveyInvitation.objects.count() == 0


# Answers ----------------------------------------------------------------------------


def test_answer_is_taken_once_and_is_anonymous(offering):
    invitation = invite(offering)
    response = submit(invitation.token, scores=(4, 3, 3, 4, 3, 3, 4, 3, 2), comment="  Bagus  ")
    assert response.scores() == answers(4, 3, 3, 4, 3, 3, 4, 3, 2)
    assert response.comment == "Bagus"
    assert (response.mall_id, response.service_id, response.booth_id) == (
        offering.mall_id,
        offering.service_id,
        offering.booth_id,
    )
    assert response.agency_id == offering.service.agency_id
    assert response.province_code == "32" and response.channel == "web"
    assert response.submitted_on == offering.mall.today()
    assert (response.sex, response.age, response.education, response.occupation) == (
        "P",
        34,
        "s1",
        "wirausaha",
    )
    # Nothing on the answer leads back to the invitation, ticket, counter or officer.
    names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not names & {"invitation", "token", "transaction_id", "counter", "officer", "ticket"}
    assert isinstance(response.pk, type(SurveyResponse().pk))  # a random UUID, not a counter
    invitation.refresh_from_db()
    assert invitation.used is True
    # The answer writes no event: one naming the invitation at this minute was the join.
    assert not Event.objects.filter(kind="survey.answered").exists()
    logged = str(list(Event.objects.values_list("subject_type", "subject_id", "data")))
    assert str(response.pk) not in logged
    assert (
        not Event.objects.filter(subject_id=str(invitation.pk))
        .exclude(kind="survey.invited")
        .exists()
    )

    with pytest.raises(Conflict) as exc:
        submit(invitation.token, scores=(1,))
    assert exc.value.code == "survey_already_answered"
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().u1 == 4


def test_unknown_and_malformed_tokens(offering):
    invite(offering)
    for token in ("x" * 22, "", "a/b", "\x00", "a" * 65, None, 12):
        with pytest.raises(NotFound) as exc:
            submit(token)
        assert exc.value.code == "survey_not_found"
    assert SurveyResponse.objects.count() == 0


def test_expired_invitation(offering):
    past = timezone.now() - dt.timedelta(days=31)
    invitation = SurveyInvitationFactory(offering=offering, created_at=past)
    with pytest.raises(SurveyExpired) as exc:
        submit(invitation.token)
    assert (exc.value.status, exc.value.code) == (410, "survey_expired")
    fresh = SurveyInvitationFactory(offering=offering)
    later = fresh.expires_at
    with pytest.raises(SurveyExpired):
        submit(fresh.token, now=later)  # the 30 days end at expires_at exactly
    submit(fresh.token, now=later - dt.timedelta(seconds=1))
    invitation.refresh_from_db()
    assert invitation.used is False and SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("bad", "code", "words"),
    [
        ({"answers": {"U1": 3}}, "invalid_answers", "questions 2, 3, 4, 5, 6, 7, 8, 9: choose"),
        ({"answers": {**answers(3), "U4": 5}}, "invalid_answers", "question 4: choose a, b, c"),
        ({"answers": {**answers(3), "U2": 0}}, "invalid_answers", "question 2: choose"),
        ({"answers": {**answers(3), "U7": True}}, "invalid_answers", "question 7: choose"),
        ({"answers": {**answers(3), "U7": 2.5}}, "invalid_answers", "question 7: choose"),
        ({"answers": {**answers(3), "U10": 3}}, "invalid_answers", "questions 1 to 9"),
        ({"answers": ["U1", 3]}, "invalid_answers", ""),
        ({"profile": {**PROFILE, "sex": "X"}}, "invalid_profile", "sex"),
        ({"profile": {**PROFILE, "age": 14}}, "invalid_profile", "age"),
        ({"profile": {**PROFILE, "age": 101}}, "invalid_profile", "age"),
        ({"profile": {**PROFILE, "age": "tiga"}}, "invalid_profile", "age"),
        ({"profile": {**PROFILE, "education": "sd-smp"}}, "invalid_profile", "education"),
        ({"profile": {**PROFILE, "occupation": ""}}, "invalid_profile", "occupation"),
        ({"profile": {}}, "invalid_profile", "sex, age (15-100 years), education, occupation"),
        ({"comment": "x" * 1001}, "invalid_comment", "1000"),
        ({"channel": "fax"}, "invalid_channel", ""),
    ],
)
def test_bad_input_is_refused_with_a_readable_message(offering, bad, code, words):
    from django.utils import translation

    invitation = invite(offering)
    args = {"token": invitation.token, "answers": answers(3), "profile": PROFILE, **bad}
    with translation.override("en"), pytest.raises(Invalid) as exc:
        response_submit(**args)
    assert exc.value.code == code
    assert words in exc.value.message
    invitation.refresh_from_db()
    assert invitation.used is False
    assert SurveyResponse.objects.count() == 0
    assert not Event.objects.filter(kind="survey.answered").exists()


def test_form_strings_are_accepted(offering):
    invitation = invite(offering)
    response = response_submit(
        token=invitation.token,
        answers={code: str(s) for code, s in answers(2).items()},
        profile={**PROFILE, "age": " 61 "},
        channel="tablet",
    )
    assert response.u5 == 2 and response.age == 61 and response.channel == "tablet"


def test_database_refuses_scores_outside_1_to_4(offering):
    from django.db import IntegrityError, transaction

    from tests.factories import SurveyResponseFactory

    for field, value in (("u3", 5), ("u9", 0), ("age", 14)):
        with pytest.raises(IntegrityError), transaction.atomic():
            SurveyResponseFactory(offering=offering, **{field: value})
    assert SurveyResponse.objects.count() == 0


def test_submit_is_few_queries(offering):
    invitation = invite(offering)
    with CaptureQueriesContext(connection) as queries:
        submit(invitation.token)
    # find the invitation (with its mall), mark it answered, insert, event (+ savepoints)
    skip = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [q["sql"] for q in queries if not q["sql"].upper().startswith(skip)]
    assert len(statements) <= 5, statements


# The link by message ----------------------------------------------------------------


def test_notify_queues_the_link_without_personal_data_in_the_log(offering, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id/"
    invitation = invite(offering)
    invitation_notify(invitation_id=invitation.pk, channel="sms", recipient="+6281234567890")
    invitation_notify(invitation_id=invitation.pk, channel="sms", recipient="+6281234567890")
    message = Message.objects.get()
    assert message.template == "survey_invitation" and message.recipient == "+6281234567890"
    assert message.context["url"] == f"https://mpp.example.go.id/survei/{invitation.token}/"
    assert message.context["mall"] == offering.mall.name and message.context["language"] == "id"
    events = Event.objects.filter(kind="survey.notified")
    assert events.count() == 2 and events.first().data == {"channel": "sms"}
    assert "6281234567890" not in str(list(Event.objects.values_list("data", flat=True)))


def test_notify_renders_a_short_sms(offering, settings):
    from mpp.notifications.rendering import render

    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    invitation = invite(offering)
    invitation_notify(invitation_id=invitation.pk, channel="whatsapp", recipient="+6281234567890")
    message = Message.objects.get()
    for channel in ("sms", "whatsapp", "email"):
        text = render(
            template="survey_invitation", channel=channel, language="en", context=message.context
        )
        assert message.context["url"] in text.body
    context = message.context
    sms = render(template="survey_invitation", channel="sms", language="en", context=context)
    assert len(sms.body) <= 160 and sms.body.isascii()


def test_notify_refuses_without_public_address_or_once_answered(offering, settings):
    settings.MPP_PUBLIC_URL = ""
    invitation = invite(offering)
    with pytest.raises(Conflict) as exc:
        invitation_notify(invitation_id=invitation.pk, channel="sms", recipient="+6281234567890")
    assert exc.value.code == "public_url_missing"
    submit(invitation.token)
    with pytest.raises(Conflict) as exc:
        invitation_notify(
            invitation_id=invitation.pk,
            channel="sms",
            recipient="+6281234567890",
            base_url="https://mpp.example.go.id",
        )
    assert exc.value.code == "survey_already_answered"
    with pytest.raises(NotFound):
        invitation_notify(invitation_id=0, channel="sms", recipient="+6281234567890")
    with pytest.raises(Invalid):  # the outbox checks the number
        invitation_notify(
            invitation_id=invite(offering, transaction_id="t-9").pk,
            channel="sms",
            recipient="0812",
            base_url="https://mpp.example.go.id",
        )
    assert Message.objects.count() == 0
