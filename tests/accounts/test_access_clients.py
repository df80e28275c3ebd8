"""The access rule for agency systems' API clients (mpp.accounts.access, access_clients).

An API client acts only for the operations it holds, only at booths of its agency in
its malls, never on what the mall's booths share; webhook.manage is its own
subscriptions only. The object form (allowed) and the queryset form (restrict) must
give the same answers, and the new actions must not change what people may do.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mpp.accounts import access
from mpp.accounts.models import Role
from mpp.bookings.models import Booking
from mpp.catalog.models import Booth, Counter, Mall, Offering
from mpp.complaints.models import Complaint
from mpp.core.errors import Forbidden
from mpp.integrations.clients import client_revoke
from mpp.integrations.models import (
    ApiClient,
    ApiClientKey,
    DeliveryAttempt,
    Subscription,
    WebhookMessage,
)
from mpp.queueing import services as queue
from mpp.queueing.models import Ticket
from mpp.queueing.services import ticket_issue
from tests.factories import (
    ApiClientFactory,
    BoothFactory,
    ComplaintFactory,
    CounterFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
    client_with_key,
)

pytestmark = pytest.mark.django_db

AGENCY_ACTIONS = [a for a, scope in access.CLIENT_RULES.items() if scope == access.AGENCY]
OBJECT_ACTIONS = [a for a in AGENCY_ACTIONS if a != access.WEBHOOK]


@pytest.fixture
def world():
    """Mall A with booths A1 (agency X) and A2 (agency Y) and a shared counter; mall B
    with booth B1 (agency X). Tickets waiting and called in each, a complaint each, a
    booking at A1, and clients of X serving A, of Y serving A, of X serving only B."""
    mall_a, mall_b = MallFactory(), MallFactory()
    a1 = BoothFactory(mall=mall_a)
    a2 = BoothFactory(mall=mall_a)
    b1 = BoothFactory(mall=mall_b, agency=a1.agency)
    places = {}
    for name, booth in (("a1", a1), ("a2", a2), ("b1", b1)):
        offering = OfferingFactory(booth=booth, mall=booth.mall)
        counter = CounterFactory(mall=booth.mall, booth=booth, serves=[offering])
        waiting = ticket_issue(mall=booth.mall, service_code=offering.service.code)
        places[name] = {
            "booth": booth,
            "offering": offering,
            "counter": counter,
            "waiting": waiting,
            "complaint": ComplaintFactory(offering=offering),
        }
    at_a1 = OfferingFactory(booth=a1, mall=mall_a)  # served at a counter of no booth
    shared = CounterFactory(mall=mall_a, booth=None, serves=[at_a1])
    ticket_issue(mall=mall_a, service_code=at_a1.service.code)
    boss = UserFactory(role=Role.NATIONAL_ADMIN)
    queue.counter_open(counter_id=shared.pk, officer_id=boss.pk)
    at_shared = queue.ticket_call_next(counter_id=shared.pk, actor_id=boss.pk)
    assert at_shared.counter_id == shared.pk and at_shared.offering.booth_id == a1.pk
    clients = {
        "own": client_with_key(name="SIAK X di A", agency=a1.agency, malls=[mall_a])[0],
        "other_agency": client_with_key(name="SIAK Y", agency=a2.agency, malls=[mall_a])[0],
        "other_mall": client_with_key(name="SIAK X di B", agency=a1.agency, malls=[mall_b])[0],
    }
    return {
        "mall_a": mall_a,
        "mall_b": mall_b,
        "places": places,
        "shared": shared,
        "at_shared": at_shared,
        "clients": clients,
    }


# The booth each client of the world serves: its agency's, in its mall.
HOME = {"own": "a1", "other_agency": "a2", "other_mall": "b1"}


def _objects(world):
    """(name, model, obj, the booth it is at: "a1", "a2", "b1" or None) for each kind
    of row; None: what the mall's booths share, or a row without a booth."""
    rows = []
    for name in ("a1", "a2", "b1"):
        place = world["places"][name]
        rows += [
            (f"booth {name}", Booth, place["booth"], name),
            (f"offering {name}", Offering, place["offering"], name),
            (f"counter {name}", Counter, place["counter"], name),
            (f"waiting ticket {name}", Ticket, place["waiting"], name),
            (f"complaint {name}", Complaint, place["complaint"], name),
        ]
    rows += [
        ("mall a", Mall, world["mall_a"], None),  # shared by every booth: no agency's
        ("shared counter", Counter, world["shared"], None),
        ("ticket at the shared counter", Ticket, world["at_shared"], None),
        ("complaint without a booth", Complaint, _boothless(world["places"]["a1"]), None),
    ]
    return rows


def _boothless(place) -> Complaint:
    complaint = ComplaintFactory(offering=place["offering"])
    Complaint.objects.filter(pk=complaint.pk).update(booth=None)
    complaint.refresh_from_db()
    return complaint


def test_a_client_acts_only_at_its_agencys_booths_in_its_malls(world):
    rows = _objects(world)
    for who, client in world["clients"].items():
        for action in OBJECT_ACTIONS:
            for name, model, obj, booth in rows:
                want = booth == HOME[who]
                got = access.allowed(client, action, obj)
                assert got is want, (who, action, name)
                listed = access.restrict(model.objects.filter(pk=obj.pk), client, action)
                assert listed.exists() is want, (who, action, name)


def test_restrict_gives_the_same_rows_as_allowed(world):
    """Over whole tables, not one row at a time: restrict() is allowed() as a filter."""
    client = world["clients"]["own"]
    for action in OBJECT_ACTIONS:
        for model in (Booth, Offering, Counter, Ticket, Complaint, Mall):
            rows = set(access.restrict(model.objects.all(), client, action))
            assert rows == {o for o in model.objects.all() if access.allowed(client, action, o)}
            assert all(access.allowed(client, action, o) for o in rows)


def test_a_place_is_answered_like_its_object(world):
    a1, a2 = world["places"]["a1"], world["places"]["a2"]
    client = world["clients"]["own"]
    assert access.allowed(client, "case.process", access.Place(world["mall_a"].pk, a1["booth"].pk))
    assert not access.allowed(
        client, "case.process", access.Place(world["mall_a"].pk, a2["booth"].pk)
    )
    assert not access.allowed(
        client, "case.process", access.Place(world["mall_a"].pk, access.SHARED)
    )
    assert not access.allowed(client, "case.process", access.Place(world["mall_b"].pk, None))


def test_only_the_operations_it_holds(world):
    a1 = world["places"]["a1"]
    client = world["clients"]["own"]
    client.operations = ["ticket.read"]
    assert access.allowed(client, "ticket.read", a1["waiting"])
    assert access.allowed(client, "ticket.read")
    for action in set(access.RULES) - {"ticket.read"}:
        assert access.scope_of(client, action) == access.NONE, action
        assert not access.allowed(client, action)
    assert not access.restrict(Complaint.objects.all(), client, "complaint.handle").exists()
    with pytest.raises(Forbidden):
        access.require(client, "complaint.handle", a1["complaint"])


def test_never_a_staff_action(world):
    """Counters, kiosks, recording, the admin, national figures: none, even if listed."""
    client = world["clients"]["own"]
    client.operations = list(access.RULES)  # a tampered row: the column still decides
    a1 = world["places"]["a1"]
    for action, scope in access.CLIENT_RULES.items():
        if scope == access.NONE:
            assert not access.allowed(client, action, a1["counter"]), action
            assert not access.allowed(client, action), action
            assert not access.restrict(Counter.objects.all(), client, action).exists()
    assert not access.may_use_admin(client)
    assert not access.is_national(client)
    assert not access.choices(Booth.objects.all(), client).exists()


def test_revoked_or_without_malls_is_nowhere(world):
    a1 = world["places"]["a1"]
    client = world["clients"]["own"]
    assert access.role_of(client) == access.CLIENT
    client_revoke(client=client)
    client.refresh_from_db()
    assert access.role_of(client) is None
    assert not access.allowed(client, "case.process")
    assert not access.allowed(client, "ticket.read", a1["waiting"])
    bare = ApiClientFactory(agency=a1["booth"].agency)  # serves no mall
    assert access.scope_of(bare, "ticket.read") == access.NONE
    assert not access.restrict(Ticket.objects.all(), bare, "ticket.read").exists()


def _subscription(client) -> Subscription:
    return Subscription.objects.create(
        client=client, url="https://siak.example.go.id/hooks", events=["case.*"], secret="s"
    )


def _message(subscription) -> WebhookMessage:
    now = timezone.now()
    return WebhookMessage.objects.create(
        subscription=subscription,
        webhook_id=f"msg_{subscription.pk.hex}",
        event_id=1,
        event_type="case.submitted",
        subject="case/1",
        occurred_at=now,
        body="{}",
        next_attempt_at=now,
    )


def test_webhooks_are_the_clients_own(world):
    own, other = world["clients"]["own"], world["clients"]["other_agency"]
    mine, theirs = _subscription(own), _subscription(other)
    messages = {mine: _message(mine), theirs: _message(theirs)}
    attempt = DeliveryAttempt.objects.create(
        message=messages[mine],
        subscription=mine,
        number=1,
        started_at=timezone.now(),
        outcome=DeliveryAttempt.Outcome.DELIVERED,
        status_code=204,
    )
    action = access.WEBHOOK
    assert access.allowed(own, action)
    assert access.allowed(own, action, mine) and not access.allowed(own, action, theirs)
    assert access.allowed(own, action, messages[mine])
    assert not access.allowed(own, action, messages[theirs])
    assert access.allowed(own, action, attempt) and not access.allowed(other, action, attempt)
    assert access.allowed(own, action, own) and not access.allowed(own, action, other)
    assert access.allowed(own, action, own.keys.get())
    assert not access.allowed(own, action, world["places"]["a1"]["booth"])  # not a webhook row
    assert list(access.restrict(Subscription.objects.all(), own, action)) == [mine]
    assert list(access.restrict(WebhookMessage.objects.all(), own, action)) == [messages[mine]]
    assert list(access.restrict(DeliveryAttempt.objects.all(), other, action)) == []
    assert list(access.restrict(ApiClientKey.objects.all(), own, action)) == [own.keys.get()]
    assert list(access.restrict(ApiClient.objects.all(), own, action)) == [own]
    assert not access.restrict(Booth.objects.all(), own, action).exists()


def test_people_never_manage_webhooks(world):
    mine = _subscription(world["clients"]["own"])
    a1 = world["places"]["a1"]["booth"]
    people = [
        UserFactory(role=Role.NATIONAL_ADMIN),
        UserFactory(is_superuser=True, role=Role.NATIONAL_ADMIN),
        UserFactory(role=Role.MALL_MANAGER, mall=world["mall_a"]),
        UserFactory(role=Role.BOOTH_SUPERVISOR, mall=world["mall_a"], booth=a1),
        UserFactory(role=Role.OFFICER, mall=world["mall_a"], booth=a1),
    ]
    for user in people:
        assert not access.allowed(user, access.WEBHOOK)
        assert not access.allowed(user, access.WEBHOOK, mine)
        assert not access.restrict(Subscription.objects.all(), user, access.WEBHOOK).exists()


def test_the_read_actions_are_the_handling_ones_for_people(world):
    """ticket.read and booking.read answer as ticket.operate, complaint.read as
    complaint.handle, for every role, on every row."""
    a1 = world["places"]["a1"]
    booking = _booking(a1["offering"])
    people = [
        UserFactory(role=Role.NATIONAL_ADMIN),
        UserFactory(role=Role.MALL_MANAGER, mall=world["mall_a"]),
        UserFactory(role=Role.BOOTH_SUPERVISOR, mall=world["mall_a"], booth=a1["booth"]),
        UserFactory(role=Role.OFFICER, mall=world["mall_a"], booth=a1["booth"]),
        UserFactory(role=Role.OFFICER, mall=world["mall_b"], booth=world["places"]["b1"]["booth"]),
    ]
    pairs = (("ticket.read", "ticket.operate"), ("complaint.read", "complaint.handle"))
    for user in people:
        for name, model, obj, _booth in _objects(world):
            for new, old in pairs:
                assert access.allowed(user, new, obj) is access.allowed(user, old, obj), name
                one = model.objects.filter(pk=obj.pk)
                listed = access.restrict(one, user, new).exists()
                assert listed is access.restrict(one, user, old).exists(), name
        same = access.allowed(user, "booking.read", booking)
        assert same is access.allowed(user, "ticket.operate", booking)
        rows = access.restrict(Booking.objects.filter(pk=booking.pk), user, "booking.read")
        assert rows.exists() is same


def test_bookings_of_the_agency(world):
    a1, a2 = world["places"]["a1"], world["places"]["a2"]
    own, theirs = _booking(a1["offering"]), _booking(a2["offering"])
    client = world["clients"]["own"]
    assert access.allowed(client, "booking.read", own)
    assert not access.allowed(client, "booking.read", theirs)
    assert list(access.restrict(Booking.objects.all(), client, "booking.read")) == [own]
    assert not access.allowed(world["clients"]["other_mall"], "booking.read", own)


def _booking(offering) -> Booking:
    from mpp.bookings.models import Slot
    from mpp.bookings.validation import code_new

    day = timezone.localdate() + dt.timedelta(days=1)
    slot = Slot.objects.create(
        offering=offering,
        date=day,
        starts_at=dt.time(8),
        ends_at=dt.time(9),
        online_capacity=3,
        online_booked=1,
        walkin_capacity=2,
        priority_capacity=1,
    )
    return Booking.objects.create(
        code=code_new(),
        mall=offering.mall,
        offering=offering,
        service=offering.service,
        slot=slot,
        date=day,
        nik_digest="0" * 64,
        nik_masked="3210********0001",
        name="Siti Aminah",
        phone="081234567890",
        channel="web",
    )


def test_a_client_is_never_a_person(world):
    client = world["clients"]["own"]
    user = UserFactory()
    assert access.is_client(client) and not access.is_client(user)
    assert access.person_of(client) is None
    assert access.person_of(user) is user and access.person_of(None) is None


def test_one_query_at_most_for_an_object_with_its_booth(world, django_assert_max_num_queries):
    client = world["clients"]["own"]
    complaint = Complaint.objects.select_related("booth").get(
        pk=world["places"]["a1"]["complaint"].pk
    )
    access.allowed(client, "complaint.read", complaint)  # the malls, read once
    with django_assert_max_num_queries(0):
        assert access.allowed(client, "complaint.read", complaint)
        assert access.allowed(client, "complaint.handle", complaint)
