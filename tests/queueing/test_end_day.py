"""End of day: by hand (`mpp end_day`) and by itself for days nobody closed."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mpp.core.models import Event
from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Ticket

pytestmark = pytest.mark.django_db


def _issue(mall, offering, *, days_ago=0):
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    if days_ago:
        Ticket.objects.filter(pk=ticket.pk).update(
            service_date=ticket.service_date - dt.timedelta(days=days_ago)
        )
    return ticket


def test_past_days_expire_and_today_stays(mall, offering):
    today = _issue(mall, offering)
    old = _issue(mall, offering, days_ago=1)  # no write after it: only the job ends its day
    assert dayend.tickets_expire_past_days() == 1
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.EXPIRED
    assert Ticket.objects.get(pk=today.pk).status == Ticket.Status.WAITING
    assert Event.objects.filter(kind="ticket.expired", subject_id=str(old.pk)).exists()
    assert dayend.tickets_expire_past_days() == 0


def test_end_day_command(mall, offering):
    _issue(mall, offering)
    _issue(mall, offering)
    out = StringIO()
    with translation.override("en"):
        call_command("end_day", mall.code, stdout=out)
    assert f"{mall.code}: 2 tickets expired" in out.getvalue()
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.EXPIRED}


def test_end_day_command_refuses_unknown_or_missing_malls(mall):
    with pytest.raises(CommandError):
        call_command("end_day", "mpp-nowhere")
    with pytest.raises(CommandError):
        call_command("end_day")


def test_end_day_all(mall, offering):
    _issue(mall, offering)
    call_command("end_day", "--all", stdout=StringIO())
    assert Ticket.objects.get().status == Ticket.Status.EXPIRED


def test_expiry_is_registered_as_a_periodic_job():
    from mpp.notifications import periodic

    assert "queueing.expire_past_days" in {job.name for job in periodic._registry.values()}
