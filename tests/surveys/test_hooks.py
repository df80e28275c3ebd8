"""ticket_finish invites the survey: its token never in the public or staff ticket JSON; the
SMS of a booked ticket; and surveys never importing the apps that call it."""

import ast
import datetime as dt
from pathlib import Path

import pytest

import mpp
from mpp.bookings.models import Booking, Slot
from mpp.core.models import Event
from mpp.notifications.models import Message
from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Ticket
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from tests.api.helpers import assert_error, post_json
from tests.factories import BookingPolicyFactory
from tests.surveys.conftest import PROFILE, answers, finish_ticket

pytestmark = pytest.mark.django_db


def test_finishing_a_ticket_invites_its_survey(finished, counter, offering):
    invitation = SurveyInvitation.objects.get()
    assert (invitation.kind, invitation.transaction_id) == ("ticket", str(finished.pk))
    assert invitation.counter_id == counter.pk and invitation.booth_id == offering.booth_id
    assert invitation.service_id == offering.service_id
    assert invitation.created_at == finished.finished_at
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == ["ticket.finished", "survey.invited"]


def test_other_endings_invite_nobody(mall, offering, counter, officer):
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    for _ in range(mall.no_show_after_recalls):
        q.ticket_recall(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_no_show(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_issue(mall=mall, service_code=offering.service.code)
    dayend.mall_end_day(mall=mall)
    assert SurveyInvitation.objects.count() == 0


def test_the_public_ticket_json_never_carries_the_survey_token(
    client, mall, offering, counter, officer
):
    # Staff learn ticket ids from call-next: a token in the public ticket answer would let
    # an officer answer the survey in their customer's place.
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    url = f"/api/v1/tickets/{ticket.pk}"
    assert "survey_token" not in client.get(url).json()  # waiting
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    body = client.get(url)
    assert body.status_code == 200 and body.json()["status"] == "done"
    token = SurveyInvitation.objects.get().token
    assert "survey_token" not in body.json() and token not in body.content.decode()


def test_the_token_from_its_one_place_answers_once(client, finished):
    token = SurveyInvitation.objects.get().token  # as the ticket page or the SMS hands it
    body = {"token": token, "answers": answers(4), "profile": PROFILE}
    assert post_json(client, "/api/v1/surveys", body).status_code == 201
    assert_error(post_json(client, "/api/v1/surveys", body), 409, "survey_already_answered")
    assert SurveyResponse.objects.count() == 1


def test_officer_finish_over_the_api_does_not_return_the_token(
    client, mall, offering, counter, officer
):
    from mpp.accounts.services import token_create

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=officer.username)}"}
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/finish", **auth)
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert "survey_token" not in response.json()
    assert SurveyInvitation.objects.get().token not in response.content.decode()


def test_a_failing_invitation_undoes_the_finish(mall, offering, counter, officer, monkeypatch):
    from mpp.core.errors import Invalid

    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)

    def refuse(**kwargs):
        raise Invalid("no")

    monkeypatch.setattr(q, "invitation_create", refuse)
    with pytest.raises(Invalid):
        q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SERVING  # one transaction: nothing half-done
    assert not Event.objects.filter(kind="ticket.finished").exists()


# Booked tickets: the link by SMS -----------------------------------------------------


def booked_ticket(mall, offering, phone="+6281234567890"):
    policy = BookingPolicyFactory(offering=offering)
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code, source="booking")
    today = mall.today()
    slot = Slot.objects.create(
        offering=offering,
        date=today,
        starts_at=dt.time(8),
        ends_at=dt.time(9),
        online_capacity=policy.online_per_slot,
        walkin_capacity=policy.walkin_per_slot,
        priority_capacity=policy.priority_per_slot,
    )
    Booking.objects.create(
        code="K7M2QX9P",
        mall=mall,
        offering=offering,
        service=offering.service,
        slot=slot,
        date=today,
        nik_digest="0" * 64,
        nik_masked="3210********0001",
        name="Siti Aminah",
        phone=phone,
        status=Booking.Status.CHECKED_IN,
        channel="web",
        ticket=ticket,
    )
    return ticket


def serve(ticket, counter, officer):
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    return q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)


def test_booked_ticket_gets_the_survey_link_by_sms(mall, offering, counter, officer, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    ticket = booked_ticket(mall, offering)
    serve(ticket, counter, officer)
    invitation = SurveyInvitation.objects.get()
    message = Message.objects.get(template="survey_invitation")
    assert (message.channel, message.recipient) == ("sms", "+6281234567890")
    assert message.context["url"] == f"https://mpp.example.go.id/survei/{invitation.token}/"
    assert "phone" not in message.context and "name" not in message.context
    logged = str(list(Event.objects.values_list("data", flat=True)))
    assert "6281234567890" not in logged


def test_walk_in_ticket_gets_no_sms(mall, offering, counter, officer, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    finish_ticket(mall, offering, counter, officer)
    assert not Message.objects.filter(template="survey_invitation").exists()


def test_no_sms_without_a_public_address(mall, offering, counter, officer, settings):
    settings.MPP_PUBLIC_URL = ""
    serve(booked_ticket(mall, offering), counter, officer)
    assert SurveyInvitation.objects.count() == 1
    assert not Message.objects.filter(template="survey_invitation").exists()


def test_an_unusable_phone_never_blocks_the_finish(mall, offering, counter, officer, settings):
    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id"
    ticket = serve(booked_ticket(mall, offering, phone="0812"), counter, officer)
    assert ticket.status == Ticket.Status.DONE
    assert SurveyInvitation.objects.count() == 1
    assert not Message.objects.filter(template="survey_invitation").exists()


# Layers -----------------------------------------------------------------------------

SURVEYS = Path(mpp.__file__).resolve().parent / "surveys"
HIGHER = ("mpp.queueing", "mpp.bookings", "mpp.cases", "mpp.outreach", "mpp.api", "mpp.web")
HIGHER += ("mpp.complaints", "mpp.consultation", "mpp.search", "mpp.insights")
TOP_FLOOR = SURVEYS / "views"  # pages and exports may read any app (ARCHITECTURE.md)


def test_surveys_imports_only_downwards():
    """surveys knows a transaction only as plain values: it never imports the apps above."""
    for path in SURVEYS.rglob("*.py"):
        if TOP_FLOOR in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(HIGHER), f"{path.name} imports {name}"
