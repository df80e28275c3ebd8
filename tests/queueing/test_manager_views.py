"""The manager's "today" page: who may see it, and that its figures add up."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Ticket
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">(.*?)</dd>', html).group(1)


def row(html: str, service_code: str) -> list[str]:
    tr = re.search(rf'<tr data-service="{service_code}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]


def login(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserts the English msgids
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client, mall):
    response = client.get(f"/m/{mall.code}/today/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/m/{mall.code}/today/"


def test_staff_of_another_mall_and_officers_get_403(mall, officer):
    elsewhere = UserFactory(role=Role.MALL_MANAGER, mall=MallFactory())
    response = login(elsewhere).get(f"/m/{mall.code}/today/")
    assert response.status_code == 403
    assert "Only the managers and supervisors of this mall" in response.content.decode()
    assert login(officer).get(f"/m/{mall.code}/today/").status_code == 403


def test_unknown_mall_is_404_for_staff(mall):
    manager = UserFactory(role=Role.NATIONAL_ADMIN)
    assert login(manager).get("/m/no-such-mall/today/").status_code == 404


def test_figures_of_a_small_hand_made_day(mall, offering, counter, officer):
    other = OfferingFactory(booth__mall=mall)
    CounterFactory(mall=mall, booth=other.booth, serves=[other])  # closed all day
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)

    def issue(o, priority=Priority.REGULAR):
        return q.ticket_issue(mall=mall, service_code=o.service.code, priority=priority)

    served, missed, waiting = issue(offering), issue(offering), issue(offering)
    priority_waiting = issue(other, Priority.DISABILITY)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=served.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=served.pk, actor_id=officer.pk)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    for _ in range(mall.no_show_after_recalls):
        q.ticket_recall(ticket_id=missed.pk, actor_id=officer.pk)
    q.ticket_no_show(ticket_id=missed.pk, actor_id=officer.pk)
    # Fix the clock of the day: waits of 10 and 20 minutes, one service of 6 minutes.
    t0 = timezone.now() - dt.timedelta(hours=1)
    minute = dt.timedelta(minutes=1)
    Ticket.objects.filter(pk=served.pk).update(
        issued_at=t0, called_at=t0 + 10 * minute, started_at=t0 + 11 * minute,
        finished_at=t0 + 17 * minute,
    )  # fmt: skip
    Ticket.objects.filter(pk=missed.pk).update(issued_at=t0, called_at=t0 + 20 * minute)

    response = login(manager).get(f"/m/{mall.code}/today/")

    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "issued") == "4"
    assert figure(html, "waiting") == "2"
    assert figure(html, "done") == "1"
    assert figure(html, "no_show") == "1"
    assert figure(html, "mean_wait") == "15.0 min"
    assert figure(html, "mean_service") == "6.0 min"
    assert figure(html, "open_counters") == "1"
    # booth, service, issued, waiting, served, no-show, priority, mean wait, mean service
    assert row(html, offering.service.code)[2:] == ["3", "1", "1", "1", "0", "15.0", "6.0"]
    assert row(html, other.service.code)[2:] == ["1", "1", "0", "0", "1", "—", "—"]
    # No forced reload (axe meta-refresh): today.js swaps fresh figures in; a link reloads.
    assert 'http-equiv="refresh"' not in html
    assert 'data-refresh="30"' in html and 'data-testid="today-reload"' in html
    assert 'href="/admin/"' in html
    assert waiting.status == Ticket.Status.WAITING and priority_waiting.is_priority


def test_supervisor_and_national_admin_may_see_it(mall):
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall)
    national = UserFactory(role=Role.NATIONAL_ADMIN)
    for user in (supervisor, national):
        response = login(user).get(f"/m/{mall.code}/today/")
        assert response.status_code == 200
        assert figure(response.content.decode(), "issued") == "0"
