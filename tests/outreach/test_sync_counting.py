"""A service rendered in the field counts in the mall's figures and the survey exactly
once per record root (queueing.mobile), whatever is re-sent, edited or raced."""

import datetime as dt

import pytest
from django.utils import timezone

from mpp.core.models import Event
from mpp.queueing.mobile import mobile_ticket_record
from mpp.queueing.models import Ticket, TicketSequence
from mpp.queueing.selectors import day_summary
from mpp.surveys.models import SurveyInvitation
from tests.outreach.sync_helpers import (
    note_record,
    post_records,
    service_record,
    signed_in,
    world_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


@pytest.fixture
def client(world):
    return signed_in(world.crew)


def statuses(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["status"] for r in response.json()["results"]]


def test_a_service_counts_once_per_root_across_repeats_and_edits(world, client):
    code = world.offering.service.code
    original = service_record(service_code=code, people=2, visit_id=world.visit.pk)
    assert statuses(post_records(client, [original])) == ["accepted"]
    assert statuses(post_records(client, [original])) == ["duplicate"]
    edit_a = service_record(service_code=code, people=3, previous=original["id"])
    edit_b = service_record(service_code=code, people=4, previous=original["id"])
    assert statuses(post_records(client, [edit_a, edit_b])) == ["accepted", "conflict"]

    ticket = Ticket.objects.get()
    assert ticket.source == "mobile" and ticket.status == "done"
    assert ticket.prefix == "JB" and ticket.number == "JB-001"
    assert ticket.called_at is None and ticket.started_at is None  # no wait, no counter time
    served = dt.datetime.fromisoformat(original["recorded_at"])
    assert ticket.finished_at == served
    assert ticket.service_date == timezone.localdate(served, world.mall.tz)
    summary = day_summary(world.mall, ticket.service_date)
    assert summary["issued"] == 1 and summary["done"] == 1 and summary["waiting"] == 0
    assert summary["services"][0]["service"] == code
    assert summary["mean_wait_minutes"] is None and summary["mean_service_minutes"] is None
    invitation = SurveyInvitation.objects.get()
    assert invitation.kind == "ticket" and invitation.transaction_id == str(ticket.pk)
    assert invitation.service_id == world.offering.service_id
    finished = Event.objects.get(kind="ticket.finished")
    assert finished.data["channel"] == "mobile" and finished.data["source"] == "mobile"
    assert finished.data["vehicle_id"] == world.vehicle.pk
    assert Event.objects.filter(kind="ticket.issued", data__source="mobile").count() == 1


def test_each_root_counts_and_only_services_count(world, client):
    code = world.offering.service.code
    services = [service_record(service_code=code) for _ in range(3)]
    ticket_record = {
        **note_record(),
        "kind": "ticket",
        "payload": {"number": "JB-9", "service_code": code, "priority": "elderly"},
    }
    served_with_ticket = service_record(service_code=code)
    served_with_ticket["payload"]["ticket_id"] = ticket_record["id"]
    answers = statuses(post_records(client, [*services, note_record(), ticket_record]))
    assert set(answers) == {"accepted"}
    assert statuses(post_records(client, [served_with_ticket])) == ["accepted"]

    tickets = Ticket.objects.order_by("seq")
    assert [t.number for t in tickets] == ["JB-001", "JB-002", "JB-003", "JB-004"]
    assert tickets.last().priority == "elderly"  # from the field ticket it served
    assert SurveyInvitation.objects.count() == 4
    assert sum(day_summary(world.mall, d)["done"] for d in {t.service_date for t in tickets}) == 4


def test_a_service_recorded_days_ago_counts_on_its_own_day(world, client):
    code = world.offering.service.code
    when = timezone.now() - dt.timedelta(days=3, hours=2)
    record = service_record(service_code=code, when=when.isoformat())
    assert statuses(post_records(client, [record])) == ["accepted"]

    ticket = Ticket.objects.get()
    day = timezone.localdate(when, world.mall.tz)
    assert ticket.service_date == day
    assert day_summary(world.mall, day)["done"] == 1
    assert day_summary(world.mall, world.mall.today())["done"] == 0
    assert SurveyInvitation.objects.get().created_on == day


def test_a_device_clock_ahead_counts_as_now_and_the_booths_numbers_have_no_gap(world, client):
    from mpp.queueing.services import ticket_issue

    record = service_record(
        service_code=world.offering.service.code,
        when=(timezone.now() + dt.timedelta(days=2)).isoformat(),
    )
    assert statuses(post_records(client, [record])) == ["accepted"]
    ticket = Ticket.objects.get()
    assert ticket.finished_at <= timezone.now()
    assert ticket.service_date == world.mall.today()
    walk_in = ticket_issue(
        mall=world.mall, service_code=world.offering.service.code, source="mobile"
    )
    assert walk_in.number.endswith("-001") and walk_in.prefix == world.offering.booth.ticket_prefix
    assert TicketSequence.objects.get(prefix="JB").last == 1


def test_mobile_ticket_record_is_idempotent_by_key(world):
    code = world.offering.service.code
    now = timezone.now()
    first, created = mobile_ticket_record(
        mall=world.mall, service_code=code, key="root-1", served_at=now
    )
    again, created_again = mobile_ticket_record(
        mall=world.mall, service_code=code, key="root-1", served_at=now, priority="elderly"
    )
    assert created and not created_again
    assert first.pk == again.pk and again.priority == "regular"
    assert Ticket.objects.count() == 1 and SurveyInvitation.objects.count() == 1
