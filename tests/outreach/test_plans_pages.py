"""The manager's plan pages (/staff/outreach/plans/): list and "Make a plan", one plan per
vehicle and day with the unserved and their reasons, pin/exclude, publish, discard,
re-plan; "outreach.plan" only (another mall's plan: 404; an officer: 403); bad input a
readable message, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.notifications.models import Message
from mpp.outreach.models import (
    Plan,
    PlanRule,
    PlanStatus,
    RequestStatus,
    Unserved,
    UnservedReason,
    Visit,
)
from tests.factories import MallFactory, UserFactory
from tests.outreach.plans_world import make_plan, make_request, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def _client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def _draft(world):
    served = make_request(world, people=5)
    left = make_request(world, village_index=1, people=2)
    plan = make_plan(world, [{"day": 2, "requests": [served], "people": 5}])
    Unserved.objects.create(plan=plan, request=left, reason=UnservedReason.CAPACITY)
    return plan, served, left


def test_list_shows_plans_and_the_form(world):
    plan, _, _ = _draft(world)
    response = _client(world.manager).get(reverse("outreach:plans"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-plan="{plan.pk}"' in html
    assert 'data-testid="plan-create"' in html and 'name="starts_on"' in html
    assert reverse("outreach:plan", args=[plan.pk]) in html


def test_plan_page_shows_routes_unserved_and_rule_form(world):
    plan, served, left = _draft(world)
    response = _client(world.manager).get(reverse("outreach:plan", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-vehicle="{world.vehicle.pk}"' in html
    assert f'data-date="{world.day(2).isoformat()}"' in html
    assert "Cipasung" in html and "09:00–11:30" in html and "KTP-el" in html
    assert 'data-reason="capacity"' in html
    assert str(UnservedReason.CAPACITY.label) in html
    assert left.code in html
    assert 'data-testid="rule-add"' in html and 'data-testid="publish"' in html
    assert "0812" not in html  # phones are not on the plan page


def test_publish_and_discard_through_the_page(world):
    plan, served, _ = _draft(world)
    client = _client(world.manager)
    response = client.post(reverse("outreach:plan_publish", args=[plan.pk]), follow=True)
    assert response.status_code == 200
    plan.refresh_from_db()
    served.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and served.status == RequestStatus.SCHEDULED
    assert Message.objects.filter(template="outreach_scheduled").count() == 1
    assert 'data-status="published"' in response.content.decode()
    # Again: a readable refusal, nothing changes.
    again = client.post(reverse("outreach:plan_publish", args=[plan.pk]), follow=True)
    assert again.status_code == 200
    assert "Only a draft plan can be published." in again.content.decode()
    refused = client.post(reverse("outreach:plan_discard", args=[plan.pk]), follow=True)
    assert "Only a draft plan can be discarded." in refused.content.decode()
    assert Plan.objects.filter(pk=plan.pk).exists()

    draft = make_plan(world, [{"day": 9}], first=9, days=1)
    gone = client.post(reverse("outreach:plan_discard", args=[draft.pk]))
    assert gone.status_code == 302 and gone["Location"] == reverse("outreach:plans")
    assert not Plan.objects.filter(pk=draft.pk).exists()


def test_bad_plan_form_is_a_readable_422(world):
    client = _client(world.manager)
    url = reverse("outreach:plans")
    for data, message in (
        ({"starts_on": "2020-01-01", "days": 3, "seconds": 1}, "cannot be in the past"),
        ({"starts_on": "not a date", "days": 3, "seconds": 1}, "Enter a valid date."),
        ({"starts_on": world.day(2).isoformat(), "days": 0, "seconds": 1}, "greater than"),
        ({"starts_on": world.day(2).isoformat(), "days": 3, "seconds": 999}, "less than"),
    ):
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert not Plan.objects.exists()


def test_make_a_plan_with_the_planner_then_publish(world):
    request = make_request(world, people=4, services=[world.services[0]])
    client = _client(world.manager)
    response = client.post(
        reverse("outreach:plans"),
        # 14 days: holidays (Nyepi, Idul Fitri) may fill a shorter span.
        {"starts_on": world.day(2).isoformat(), "days": 14, "seconds": 1},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    assert response["Location"] == reverse("outreach:plan", args=[plan.pk])
    assert plan.status == PlanStatus.DRAFT and plan.starts_on == world.day(2)
    assert Visit.objects.filter(plan=plan, requests=request).exists()
    page = client.get(response["Location"])
    assert f'data-vehicle="{world.vehicle.pk}"' in page.content.decode()
    client.post(reverse("outreach:plan_publish", args=[plan.pk]))
    request.refresh_from_db()
    assert request.status == RequestStatus.SCHEDULED
    # Re-plan the same days: a new draft (the scheduled request is no longer waiting).
    again = client.post(reverse("outreach:plan_replan", args=[plan.pk]))
    assert again.status_code == 302
    new = Plan.objects.exclude(pk=plan.pk).get()
    assert again["Location"] == reverse("outreach:plan", args=[new.pk])
    assert (new.status, new.starts_on, new.ends_on) == (
        PlanStatus.DRAFT,
        plan.starts_on,
        plan.ends_on,
    )


def test_replan_of_past_days_is_a_readable_refusal(world):
    old = make_plan(world, [], first=-5, days=2)
    response = _client(world.manager).post(
        reverse("outreach:plan_replan", args=[old.pk]), follow=True
    )
    assert response.status_code == 200
    assert "past" in response.content.decode()
    assert Plan.objects.count() == 1


def test_pin_and_exclude_rules_through_the_page(world):
    plan, served, left = _draft(world)
    client = _client(world.manager)
    url = reverse("outreach:plan_rule_add", args=[plan.pk])
    # A pin without a day: a readable 422, no rule.
    response = client.post(url, {"kind": "pin", "village": "32.10.02.2002"})
    assert response.status_code == 422
    assert "A pin needs a day." in response.content.decode()
    # A village not on the page's list: a readable 422.
    response = client.post(url, {"kind": "exclude", "village": "99.99.99.9999"})
    assert response.status_code == 422
    assert not PlanRule.objects.exists()

    response = client.post(
        url,
        {
            "kind": "pin",
            "village": "32.10.02.2002",
            "date": world.day(3).isoformat(),
            "vehicle": str(world.vehicle.pk),
        },
    )
    assert response.status_code == 302
    pin = PlanRule.objects.get()
    assert (pin.kind, pin.village_id, pin.date, pin.vehicle_id) == (
        "pin", "32.10.02.2002", world.day(3), world.vehicle.pk,
    )  # fmt: skip
    # Excluding a pinned village: the service's refusal, readable.
    response = client.post(url, {"kind": "exclude", "village": "32.10.02.2002"})
    assert response.status_code == 422
    assert "remove the pin" in response.content.decode()
    page = client.get(reverse("outreach:plan", args=[plan.pk])).content.decode()
    assert f'data-rule="{pin.pk}"' in page

    remove = reverse("outreach:plan_rule_remove", args=[plan.pk, pin.pk])
    assert client.post(remove).status_code == 302
    assert not PlanRule.objects.exists()
    assert client.post(remove).status_code == 404  # gone


def test_another_malls_manager_gets_404_and_an_officer_403(world):
    plan, _, _ = _draft(world)
    other = UserFactory(role=Role.MALL_MANAGER, mall=MallFactory())
    client = _client(other)
    for name in ("outreach:plan",):
        assert client.get(reverse(name, args=[plan.pk])).status_code == 404
    for name in ("outreach:plan_publish", "outreach:plan_discard", "outreach:plan_replan",
                 "outreach:plan_rule_add"):  # fmt: skip
        assert client.post(reverse(name, args=[plan.pk])).status_code == 404
    listing = client.get(reverse("outreach:plans")).content.decode()
    assert f'data-plan="{plan.pk}"' not in listing

    officer = UserFactory(role=Role.OFFICER, mall=world.mall)
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=world.mall)
    for user in (officer, supervisor):
        client = _client(user)
        assert client.get(reverse("outreach:plans")).status_code == 403
        assert client.get(reverse("outreach:plan", args=[plan.pk])).status_code == 403
        assert client.post(reverse("outreach:plan_publish", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT

    anonymous = Client().get(reverse("outreach:plan", args=[plan.pk]))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert Client().get(reverse("outreach:plan", args=[2**70])).status_code in (302, 404)
    assert _client(world.manager).get(reverse("outreach:plan", args=[2**70])).status_code == 404


def test_national_admin_chooses_a_mall(world):
    plan, _, _ = _draft(world)
    admin = UserFactory(role=Role.NATIONAL_ADMIN, mall=None)
    client = _client(admin)
    picker = client.get(reverse("outreach:plans")).content.decode()
    assert f"?mall={world.mall.code}" in picker
    listing = client.get(reverse("outreach:plans") + f"?mall={world.mall.code}").content.decode()
    assert f'data-plan="{plan.pk}"' in listing
    assert client.get(reverse("outreach:plan", args=[plan.pk])).status_code == 200
