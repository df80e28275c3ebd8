"""Events become webhook messages in the change's own transaction: only for matching,
active subscriptions of clients that may read them, cheaply, and without personal data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.catalog.models import Agency, Booth, Mall, Offering
from mpp.complaints.services import complaint_file
from mpp.consultation import services as consultation
from mpp.core.events import event_record
from mpp.core.models import Event
from mpp.integrations.models import ApiClient, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks import emit
from mpp.queueing import services as q
from tests.factories import (
    AgencyFactory,
    CounterFactory,
    MallFactory,
    OfferingFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

READS = ["ticket.read", "booking.read", "case.process", "complaint.read", "survey.report"]
NIK = "3210011505900001"
PHONE = "0812-3456-7890"
E164_DIGITS = "81234567890"
EMAIL = "siti.aminah@example.com"
NAME = "Siti Aminah"


@dataclass
class World:
    mall: Mall
    other_mall: Mall
    agency: Agency
    booth: Booth
    offering: Offering
    other_offering: Offering  # same mall, another agency's booth
    counter: object
    officer: object


@pytest.fixture
def world(db) -> World:
    mall, other_mall = MallFactory(), MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    other = OfferingFactory(booth__mall=mall)
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    return World(
        mall=mall,
        other_mall=other_mall,
        agency=offering.booth.agency,
        booth=offering.booth,
        offering=offering,
        other_offering=other,
        counter=counter,
        officer=UserFactory(mall=mall, booth=offering.booth),
    )


def client_of(agency, *malls, operations=None, revoked=False) -> ApiClient:
    client = ApiClient.objects.create(
        name=f"Sistem {agency.code}",
        agency=agency,
        operations=READS if operations is None else operations,
        revoked_at=timezone.now() if revoked else None,
    )
    client.malls.set(malls)
    return client


def subscribe(client, events=("*",), **fields) -> Subscription:
    return Subscription.objects.create(
        client=client,
        url="https://agency.example.go.id/hooks",
        events=list(events),
        secret="whsec_" + "A" * 32,
        **fields,
    )


def messages(subscription) -> list[WebhookMessage]:
    return list(WebhookMessage.objects.filter(subscription=subscription).order_by("id"))


def body(message) -> dict:
    return json.loads(message.body)


def issue(world, offering=None):
    offering = offering or world.offering
    return q.ticket_issue(mall=world.mall, service_code=offering.service.code)


# Tickets ------------------------------------------------------------------------------


@pytest.mark.midday
def test_a_ticket_s_life_reaches_its_agency_s_subscription_in_order(world):
    sub = subscribe(client_of(world.agency, world.mall), ["ticket.*"])
    ticket = issue(world)
    q.ticket_call_next(counter_id=world.counter.pk, actor_id=world.officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=world.officer.pk)
    q.ticket_finish(ticket_id=ticket.pk, actor_id=world.officer.pk)
    rows = messages(sub)
    assert [m.event_type for m in rows] == [
        "ticket.issued",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
    ]
    events = {e.pk: e for e in Event.objects.filter(kind__startswith="ticket.")}
    for message in rows:
        event = events[message.event_id]
        assert event.data["booth_id"] == world.booth.pk  # the domain event names its booth
        assert message.status == MessageStatus.PENDING and message.attempts == 0
        assert message.next_attempt_at == event.occurred_at == message.occurred_at
        assert message.subject == f"ticket/{ticket.pk}"
        assert re.fullmatch(r"msg_[0-9a-f]{32}", message.webhook_id)
        envelope = body(message)
        assert envelope["id"] == message.webhook_id and envelope["type"] == message.event_type
        assert envelope["subject"] == str(ticket.pk) and envelope["mppeventid"] == event.pk
        assert envelope["source"] == f"/api/v1/malls/{world.mall.code}"
        assert envelope["data"]["mall"] == world.mall.code
        assert envelope["data"]["agency"] == world.agency.code
        assert envelope["data"]["booth_id"] == world.booth.pk
        assert envelope["data"]["service"] == world.offering.service.code
        assert envelope["data"]["number"] == ticket.number
    assert body(rows[1])["data"]["counter_number"] == world.counter.number
    # No other event of the day (counter opened, survey invited) became a message.
    assert WebhookMessage.objects.count() == 4


@pytest.mark.midday
def test_only_matching_subscriptions_get_a_message(world):
    own = client_of(world.agency, world.mall)
    wanted = [
        subscribe(own, ["ticket.issued"]),
        subscribe(own, ["ticket.*"], mall=world.mall),
        subscribe(own, ["*"], agency=world.agency),
        subscribe(own, ["booking.*", "ticket.*"], service=world.offering.service),
    ]
    other_service = OfferingFactory(booth=world.booth, mall=world.mall).service
    unwanted = [
        subscribe(own, ["ticket.called"]),  # another type
        subscribe(own, ["booking.*"]),  # another family
        subscribe(own, ["ticket.*"], mall=world.other_mall),  # another mall
        subscribe(own, ["ticket.*"], service=other_service),  # another service
        subscribe(own, ["ticket.*"], status=Subscription.Status.DISABLED),
        # a client of another agency at the same mall
        subscribe(client_of(world.other_offering.booth.agency, world.mall)),
        # a client of the booth's agency at another mall only
        subscribe(client_of(world.agency, world.other_mall)),
        # a revoked client, and one lacking ticket.read
        subscribe(client_of(world.agency, world.mall, revoked=True)),
        subscribe(client_of(world.agency, world.mall, operations=["booking.read"])),
    ]
    issue(world)
    assert [len(messages(s)) for s in wanted] == [1, 1, 1, 1]
    assert [len(messages(s)) for s in unwanted] == [0] * len(unwanted)
    ids = list(WebhookMessage.objects.values_list("webhook_id", flat=True))
    assert len(set(ids)) == len(ids) == 4
    # The same event, one body per subscription: only the id differs.
    datas = {json.dumps(body(m)["data"], sort_keys=True) for m in WebhookMessage.objects.all()}
    assert len(datas) == 1


@pytest.mark.midday
def test_a_star_takes_only_the_families_the_client_may_read(world):
    sub = subscribe(client_of(world.agency, world.mall, operations=["complaint.read"]))
    issue(world)
    assert messages(sub) == []
    complaint_file(
        mall=world.mall,
        category="time",
        description="Saya menunggu tiga jam tanpa kejelasan.",
        channel="web",
        service_code=world.offering.service.code,
    )
    assert [m.event_type for m in messages(sub)] == ["complaint.received"]


@pytest.mark.midday
def test_a_rolled_back_change_leaves_no_message(world):
    sub = subscribe(client_of(world.agency, world.mall))
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(world)
        assert len(messages(sub)) == 1  # written in the change's transaction ...
        raise RuntimeError("the change fails after its event")
    assert messages(sub) == []  # ... and gone with it
    assert not Event.objects.filter(kind="ticket.issued").exists()


@pytest.mark.midday
def test_a_transferred_ticket_reaches_the_new_booth_s_agency(world):
    own = subscribe(client_of(world.agency, world.mall), ["ticket.*"])
    theirs = subscribe(client_of(world.other_offering.booth.agency, world.mall), ["ticket.*"])
    ticket = issue(world)
    q.ticket_transfer(
        ticket_id=ticket.pk,
        service_code=world.other_offering.service.code,
        actor_id=world.officer.pk,
    )
    assert [m.event_type for m in messages(own)] == ["ticket.issued"]
    [moved] = messages(theirs)
    assert moved.event_type == "ticket.transferred"
    assert body(moved)["data"]["booth_id"] == world.other_offering.booth_id
    assert body(moved)["data"]["from_service"] == world.offering.service.code


# Bookings, cases, complaints, consultation ----------------------------------------------


def test_bookings_carry_their_booth_and_no_personal_data(world):
    from mpp.bookings.services import booking_cancel, booking_confirm, booking_create
    from tests.bookings.conftest import at, open_weekdays, otp_sent
    from tests.factories import BookingPolicyFactory

    open_weekdays(world.mall)
    BookingPolicyFactory(offering=world.offering)
    sub = subscribe(client_of(world.agency, world.mall), ["booking.*"])
    when = at(world.mall, "2026-12-01 07:00")
    booking = booking_create(
        mall=world.mall,
        service_code=world.offering.service.code,
        date="2026-12-08",
        slot_start="08:00",
        nik=NIK,
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        channel="web",
        now=when,
    )
    booking_confirm(code=booking.code, otp=otp_sent(booking), now=when)
    booking_cancel(code=booking.code, nik=NIK)
    rows = messages(sub)
    assert [m.event_type for m in rows] == [
        "booking.created",
        "booking.confirmed",
        "booking.cancelled",
    ]
    for message in rows:
        data = body(message)["data"]
        assert data["booth_id"] == world.booth.pk and data["code"] == booking.code
        assert message.subject == f"booking/{booking.pk}"
        for personal in (NIK, NIK[-4:], E164_DIGITS, EMAIL, NAME, "Siti"):
            assert personal not in message.body
    assert Event.objects.get(kind="booking.created").data["booth_id"] == world.booth.pk


def test_cases_and_their_documents_reach_the_booth_s_agency(world):
    from mpp.cases.documents import document_add
    from tests.cases.lifecycle import S, officer_of, step, submitted
    from tests.core.upload_samples import PDF
    from tests.factories import CaseTypeFactory

    ctype = CaseTypeFactory(offering=world.offering, completion_days=5)
    sub = subscribe(client_of(world.agency, world.mall), ["case.*"])
    blind = subscribe(client_of(world.agency, world.mall, operations=["ticket.read"]), ["*"])
    case = submitted(ctype, email=EMAIL)
    officer = officer_of(ctype)
    step(case, S.VERIFICATION, officer)
    document_add(
        case=case,
        upload=SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        channel="counter",
        actor=officer,
        actor_kind="officer",
    )
    step(case, S.REJECTED, officer, note=f"NIK {NIK} tidak cocok, hubungi {PHONE}")
    rows = messages(sub)
    assert [m.event_type for m in rows] == [
        "case.submitted",
        "case.verification_started",
        "case.document_added",
        "case.rejected",
    ]  # the draft's start is not sent: it is the citizen's until submitted
    for message in rows:
        envelope = body(message)
        assert envelope["subject"] == str(case.pk)
        assert envelope["data"]["booth_id"] == world.booth.pk  # documents: found by the case
        assert envelope["data"]["service"] == world.offering.service.code
        assert envelope["data"]["agency"] == world.agency.code
        for personal in (NIK, NIK[-4:], E164_DIGITS, EMAIL, "Siti", case.number):
            assert personal not in message.body
    assert messages(blind) == []


def test_complaints_go_to_the_booth_s_agency_never_from_the_manager_s_desk(world):
    sub = subscribe(client_of(world.agency, world.mall), ["complaint.*"])
    common = {
        "mall": world.mall,
        "description": f"Petugas meminta uang. Hubungi saya di {PHONE} atau {EMAIL}.",
        "channel": "web",
        "service_code": world.offering.service.code,
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "consent": True,
    }
    complaint = complaint_file(category="time", **common)
    complaint_file(category="fees", **common)  # pungli: the mall manager's, not the booth's
    [message] = messages(sub)
    assert message.event_type == "complaint.received"
    assert message.subject == f"complaint/{complaint.pk}"
    data = body(message)["data"]
    assert data["booth_id"] == world.booth.pk and data["service"] == world.offering.service.code
    for personal in (E164_DIGITS, EMAIL, NAME, complaint.code, "uang"):
        assert personal not in message.body


def test_a_concluded_consultation_is_public_to_every_client_of_the_mall(world):
    manager = UserFactory(role=Role.MALL_MANAGER, mall=world.mall)
    anyone = subscribe(client_of(AgencyFactory(), world.mall, operations=[]), ["consultation.*"])
    star = subscribe(client_of(world.agency, world.mall), ["*"])
    named = subscribe(client_of(AgencyFactory(), world.mall), ["consultation.concluded"])
    elsewhere = subscribe(client_of(world.agency, world.other_mall), ["consultation.*"])
    filtered = subscribe(
        client_of(world.agency, world.mall), ["consultation.*"], service=world.offering.service
    )
    topic = TopicFactory(mall=world.mall, service=world.offering.service)
    topic = consultation.topic_open(
        topic=topic, closes_at=timezone.now() + timezone.timedelta(days=7), actor=manager
    )
    topic = consultation.topic_close(topic=topic, actor=manager)
    consultation.topic_conclude(
        topic=topic, outcome="Usulan disetujui dan berlaku mulai bulan depan.", actor=manager
    )
    # the log keeps its kind; the webhook carries the public name (catalogue.webhook_type)
    assert Event.objects.filter(kind="consultation.topic_concluded").count() == 1
    for sub in (anyone, star, named, filtered):
        [message] = messages(sub)
        assert message.event_type == "consultation.concluded"
        assert body(message)["type"] == "consultation.concluded"
        data = body(message)["data"]
        assert data["service"] == world.offering.service.code
        assert data["agency"] == world.agency.code and data["booth_id"] is None
    assert messages(elsewhere) == []


# Cheap and robust ------------------------------------------------------------------------


def _record(world, kind, **fields):
    values = {
        "kind": kind,
        "subject_type": "ticket",
        "subject_id": "not-a-uuid",
        "mall_id": world.mall.pk,
        "data": {"booth_id": world.booth.pk, "service": world.offering.service.code},
    }
    values.update(fields)
    with CaptureQueriesContext(connection) as queries:
        event_record(**values)
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SAVEPOINT")]


def test_other_kinds_cost_no_query_and_matches_two_queries_and_one_insert(world):
    sub = subscribe(client_of(world.agency, world.mall))
    assert len(_record(world, "counter.opened")) == 1  # the event's own INSERT, nothing more
    assert len(_record(world, "ticket.called", mall_id=None)) == 1
    assert messages(sub) == []
    sub.status = Subscription.Status.DISABLED
    sub.save()
    assert len(_record(world, "ticket.called")) == 2  # + the one SELECT, nothing matched
    sub.status = Subscription.Status.ACTIVE
    sub.save()
    subscribe(client_of(world.agency, world.mall))
    statements = _record(world, "ticket.called")
    # + the booth, agency and service codes in one SELECT, then one bulk INSERT
    assert len(statements) == 4 and statements[3].startswith("INSERT")
    assert WebhookMessage.objects.count() == 2


def test_odd_event_data_gives_no_message_and_no_error(world):
    sub = subscribe(client_of(world.agency, world.mall))
    odd = [
        {"data": {"booth_id": "gerai-a"}},  # no usable booth
        {"data": {"booth_id": None}},
        {"data": {"booth_id": True}},
        {"data": {"booth_id": world.other_offering.booth_id}},  # another agency's booth
        {"data": {"booth_id": 10**12}},  # no such booth
        {"data": {"booth_id": 10**30, "service_id": -1}},  # not even a database id
        {"data": {}, "subject_id": "not-a-uuid"},  # found through a subject that is not there
        {"data": {}, "subject_type": "case", "subject_id": "x" * 64},
        {"data": {}, "subject_type": "complaint", "subject_id": "9" * 40},
        {"data": {"booth_id": world.booth.pk}, "mall_id": world.other_mall.pk},
    ]
    for fields in odd:
        _record(world, "ticket.called", **fields)
    event = Event(kind="ticket.called", subject_type="ticket", subject_id="1", mall_id="x", data=[])
    assert emit.messages_for_event(event) == 0
    assert messages(sub) == []


def test_the_listener_is_registered_under_its_name():
    from mpp.core import events

    assert events._listeners.get(emit.LISTENER) is emit.messages_for_event
