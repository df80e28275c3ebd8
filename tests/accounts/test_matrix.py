"""The access matrix: every staff API operation and staff page, for each role, on
something of the user's own booth, another booth of their mall and another mall, answers
as docs/access.md says; and every staff API operation for agency systems' API clients
(a client of the booth's agency at the mall, of another agency at the mall, of the
booth's agency at another mall only, one lacking the operation, a revoked one).

Why: the access rule (mpp.accounts.access) is only as good as the places that ask it. This
test reads the documented table, checks that it is the code's, and tries every case
through HTTP. The operations are walked from the ninja router and the pages from the URL
patterns, so a new staff operation or page without a row in docs/access.md fails here.

One world (two malls, three booths, their counters, tickets, complaints, bookings,
consultations) is built once for the module; each case runs in its own savepoint, rolled
back after it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from mpp.accounts import access
from mpp.accounts.models import Role
from mpp.accounts.services import token_create
from mpp.api.v1 import api
from mpp.bookings.models import Booking, Slot
from mpp.bookings.validation import code_new
from mpp.cases.models import Case, CaseDocument
from mpp.catalog.models import OpeningHours
from mpp.complaints.services import complaint_act
from mpp.consultation.models import Comment
from mpp.core.errors import Forbidden
from mpp.integrations.clients import client_revoke, operations_all
from mpp.integrations.models import Subscription, WebhookMessage
from mpp.queueing import services as queue
from mpp.queueing.services import ticket_issue
from tests.factories import (
    BookingPolicyFactory,
    BoothFactory,
    CaseTypeFactory,
    ComplaintFactory,
    CounterFactory,
    MallFactory,
    OfferingFactory,
    OutreachRequestFactory,
    TopicFactory,
    UserFactory,
    VehicleFactory,
    client_with_key,
    village,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
ROLES = ("national", "manager", "supervisor", "officer", "agent")
RELATIONS = ("own_booth", "other_booth", "other_mall")
CLIENT = "client"  # the rules table's last column: API clients (access.CLIENT_RULES)
# API clients, and the spot each acts on: the client of booth A1's agency serving mall A
# on all three spots; a client of A2's agency serving mall A, and one of A1's agency
# serving only mall B, on A1's (relation: what A1 is to them); a client of A1's agency
# lacking the row's operation (403); a revoked client (401).
CLIENT_CALLERS = (
    ("client", "own_booth", "own_booth"),
    ("client", "other_booth", "other_booth"),
    ("client", "other_mall", "other_mall"),
    ("client_other_agency", "own_booth", "other_booth"),
    ("client_other_mall", "own_booth", "other_mall"),
    ("client_lacking", "own_booth", "own_booth"),
    ("client_revoked", "own_booth", "own_booth"),
)
ROLE_OF = {
    "national": Role.NATIONAL_ADMIN,
    "manager": Role.MALL_MANAGER,
    "supervisor": Role.BOOTH_SUPERVISOR,
    "officer": Role.OFFICER,
    "agent": Role.VILLAGE_AGENT,
}
# Kinds of target that are the mall's, shared by its booths (docs/access.md, "on").
SHARED_KINDS = {"mall", "topic", "comment", "list", "none"}
STAFF_AUTH = {"BearerToken", "StaffSession"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# The documented table --------------------------------------------------------------------


def _doc_table(name: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- access:{name} -->\n(.*?)<!-- /access:{name} -->", text, re.S)
    assert found, f"docs/access.md has no table {name}"
    rows = []
    for line in found.group(1).strip().splitlines()[2:]:
        cells = [c.strip().strip("`").strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    return rows


def documented_rules() -> dict[str, dict[str, str]]:
    columns = (*ROLES, CLIENT)
    return {r[0]: dict(zip(columns, r[2:8], strict=True)) for r in _doc_table("rules")}


RULES = documented_rules()


@dataclass(frozen=True)
class Row:
    name: str  # operation id or URL name
    variant: str  # API: the complaint step ("" otherwise); pages: the method
    action: str
    on: str


API_ROWS = [Row(op, variant, action, on) for op, variant, action, on in _doc_table("api")]
PAGE_ROWS = [Row(name, method, action, on) for name, method, action, on in _doc_table("pages")]


def expected(role: str, relation: str, row: Row) -> bool:
    """Allowed or refused, from the documented scope of `role` for the row's action."""
    if row.action in ("none", "any"):  # nobody on staff / every signed-in staff member
        return row.action == "any"
    scope = RULES[row.action][role]
    if scope == "none":
        return False
    if scope == "national" or row.on == "none":
        return True
    if relation == "other_mall":
        return False
    if scope == "mall" or row.on in SHARED_KINDS:
        return True
    return relation == "own_booth"


def expected_client(relation: str, row: Row) -> bool:
    """Allowed or refused for an API client holding the row's operation, from the
    documented client column: only at a booth of its agency in its malls (`relation`:
    what the booth is to the client), never what the mall's booths share."""
    if row.action in ("none", "any") or RULES[row.action][CLIENT] == "none":
        return False
    if row.on == "none":  # no place: the column alone decides (a list: its rows only)
        return True
    if row.on in SHARED_KINDS:
        return False
    return relation == "own_booth"


# The world ---------------------------------------------------------------------------------


@dataclass
class Spot:
    """What the test acts on in one booth: its mall, counters, tickets, and so on."""

    mall: object
    booth: object
    offering: object
    offering2: object
    counter: object  # idle
    busy: object  # with a called ticket
    called: object
    waiting: object
    complaint: object
    booking: object
    topic: object
    comment: object
    case: object = None  # submitted: the cases API's
    subscription: object = None  # of the API client serving this booth (see _clients)
    webhook_id: str = ""  # a message of that subscription
    outreach_request: object = None  # a mobile-service request of that mall
    outreach_plan: object = None  # a draft mobile-service plan of that mall
    outreach_rule: object = None  # a planning rule (exclusion) of that mall
    outreach_conflict: object = None  # a sync conflict of a van of that mall


def _spot(mall, booth, topic, comment, caller) -> Spot:
    o1 = OfferingFactory(booth=booth, mall=mall)
    o2 = OfferingFactory(booth=booth, mall=mall)
    BookingPolicyFactory(offering=o1)
    idle = CounterFactory(mall=mall, booth=booth, serves=[o1, o2])
    busy = CounterFactory(mall=mall, booth=booth, serves=[o1, o2])
    ticket_issue(mall=mall, service_code=o1.service.code)
    waiting = ticket_issue(mall=mall, service_code=o2.service.code)
    queue.counter_open(counter_id=busy.pk, officer_id=caller.pk)
    called = queue.ticket_call_next(counter_id=busy.pk, actor_id=caller.pk)
    waiting.refresh_from_db()
    assert called.status == "called" and waiting.status == "waiting"
    complaint = ComplaintFactory(offering=o1)
    complaint.attachment.save("lampiran.pdf", ContentFile(PDF), save=False)
    complaint.attachment_type = "pdf"
    complaint.save()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    slot = Slot.objects.create(
        offering=o1,
        date=tomorrow,
        starts_at=dt.time(8),
        ends_at=dt.time(9),
        online_capacity=3,
        online_booked=1,
        walkin_capacity=2,
        priority_capacity=1,
    )
    booking = Booking.objects.create(
        code=code_new(),
        mall=mall,
        offering=o1,
        service=o1.service,
        slot=slot,
        date=tomorrow,
        nik_digest="0" * 64,
        nik_masked="3210********0001",
        name="Siti Aminah",
        phone="081234567890",
        channel="web",
    )
    case_type = CaseTypeFactory(offering=o1)
    case = Case.objects.create(
        number=f"M{uuid.uuid4().hex[:10].upper()}",
        case_type=case_type,
        mall=mall,
        booth=booth,
        service=o1.service,
        status=Case.Status.SUBMITTED,
        channel="web",
        applicant_name="Siti Aminah",
        nik_digest="0" * 64,
        nik_masked="************0001",
        submitted_at=timezone.now(),
    )
    CaseDocument.objects.create(
        case=case,
        kind="submitted",
        file=ContentFile(PDF, name="ktp.pdf"),
        file_kind="pdf",
        size=len(PDF),
        sha256="0" * 64,
        channel="web",
    )
    spot = Spot(
        mall, booth, o1, o2, idle, busy, called, waiting, complaint, booking, topic, comment, case
    )
    spot.outreach_request = OutreachRequestFactory(mall=mall, services=[o1.service])
    _outreach(spot, caller)
    return spot


def _outreach(spot: Spot, caller) -> None:
    """A draft plan, an exclusion rule and a sync conflict of the spot's mall."""
    from mpp.outreach.models import FieldRecord, Plan, PlanRule, SyncConflict

    now = timezone.now()
    today = timezone.localdate()
    spot.outreach_plan = Plan.objects.create(
        mall=spot.mall, starts_on=today, ends_on=today + dt.timedelta(days=9), created_at=now
    )
    spot.outreach_rule = PlanRule.objects.create(
        mall=spot.mall, kind="exclude", village=spot.outreach_request.village, created_at=now
    )
    record_id = uuid.uuid4()
    record = FieldRecord.objects.create(
        id=record_id,
        root_id=record_id,
        kind="note",
        mall=spot.mall,
        vehicle=VehicleFactory(mall=spot.mall),
        device_id="matrix-device",
        recorded_by=caller,
        recorded_at=now,
        received_at=now,
        payload={"text": "Catatan"},
        digest="0" * 64,
    )
    spot.outreach_conflict = SyncConflict.objects.create(
        mall=spot.mall, kind="same_id", record=record, payload={"text": "Lain"}, created_at=now
    )


def _build() -> SimpleNamespace:
    mall_a, mall_b = MallFactory(name="MPP A"), MallFactory(name="MPP B")
    for mall in (mall_a, mall_b):
        for weekday in range(7):
            OpeningHours.objects.create(mall=mall, weekday=weekday, opens="00:00", closes="23:59")
    booth_a1, booth_a2 = BoothFactory(mall=mall_a), BoothFactory(mall=mall_a)
    booth_b1 = BoothFactory(mall=mall_b)
    users = {
        "national": UserFactory(username="m.national", role=Role.NATIONAL_ADMIN),
        "manager": UserFactory(username="m.manager", role=Role.MALL_MANAGER, mall=mall_a),
        "supervisor": UserFactory(
            username="m.supervisor", role=Role.BOOTH_SUPERVISOR, mall=mall_a, booth=booth_a1
        ),
        "officer": UserFactory(
            username="m.officer", role=Role.OFFICER, mall=mall_a, booth=booth_a1
        ),
        # A village head of kecamatan 32.10.01, where every spot's request is.
        "agent": UserFactory(
            username="m.agent", role=Role.VILLAGE_AGENT, mall=mall_a, region=village().parent
        ),
    }
    caller = UserFactory(username="m.caller", role=Role.NATIONAL_ADMIN)
    tokens = {name: token_create(username=user.username) for name, user in users.items()}
    topics, comments = {}, {}
    for mall in (mall_a, mall_b):
        topics[mall.pk] = TopicFactory(mall=mall)
        comments[mall.pk] = Comment.objects.create(
            topic=topics[mall.pk], body="Setuju, fotokopi KK memang tidak perlu lagi."
        )
    spots = {
        relation: _spot(booth.mall, booth, topics[booth.mall_id], comments[booth.mall_id], caller)
        for relation, booth in (
            ("own_booth", booth_a1),
            ("other_booth", booth_a2),
            ("other_mall", booth_b1),
        )
    }
    clients = _clients(booth_a1, booth_a2, mall_a, mall_b)
    for relation, caller in (
        ("own_booth", "client"),
        ("other_booth", "client_other_agency"),
        ("other_mall", "client_other_mall"),
    ):
        _subscribe(spots[relation], clients[caller][0])
    return SimpleNamespace(users=users, tokens=tokens, spots=spots, clients=clients)


def _clients(booth_a1, booth_a2, mall_a, mall_b) -> dict[str, tuple]:
    """{caller: (ApiClient, raw key)} for the API clients of CLIENT_CALLERS (the one
    lacking an operation is made by each test)."""
    clients = {
        "client": client_with_key(name="SIAK A1", agency=booth_a1.agency, malls=[mall_a]),
        "client_other_agency": client_with_key(
            name="SIAK A2", agency=booth_a2.agency, malls=[mall_a]
        ),
        "client_other_mall": client_with_key(
            name="SIAK A1 di B", agency=booth_a1.agency, malls=[mall_b]
        ),
        "client_revoked": client_with_key(name="SIAK lama", agency=booth_a1.agency, malls=[mall_a]),
    }
    assert booth_a1.agency_id != booth_a2.agency_id
    client_revoke(client=clients["client_revoked"][0])
    return clients


def _subscribe(spot: Spot, api_client) -> None:
    """A webhook subscription of `api_client` (with one delivered message) for `spot`."""
    now = timezone.now()
    spot.subscription = Subscription.objects.create(
        client=api_client, url="https://siak.example.go.id/hooks", events=["case.*"], secret="s"
    )
    spot.webhook_id = f"msg_{spot.subscription.pk.hex}"
    WebhookMessage.objects.create(
        subscription=spot.subscription,
        webhook_id=spot.webhook_id,
        event_id=1,
        event_type="case.submitted",
        subject=f"case/{spot.case.pk}",
        occurred_at=now,
        body="{}",
        status=WebhookMessage.Status.DELIVERED,
        next_attempt_at=now,
        delivered_at=now,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MPP_OUTREACH_PLAN_SECONDS=1,
    )
    media.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            built = _build()
            yield built
            transaction.set_rollback(True)
    finally:
        media.disable()


@pytest.fixture
def w(world, db):
    """The module's world, inside this test's own savepoint."""
    return world


# The doc is the code -----------------------------------------------------------------------


def test_the_documented_table_is_the_rule():
    code = {
        action: {r: str(row[ROLE_OF[r]]) for r in ROLES} | {CLIENT: access.CLIENT_RULES[action]}
        for action, row in access.RULES.items()
    }
    assert code == RULES
    assert set(access.CLIENT_RULES) == set(access.RULES)
    assert set(access.CLIENT_RULES.values()) <= {access.AGENCY, access.NONE}


def test_the_spelled_out_table_follows_the_rule():
    text = DOC.read_text(encoding="utf-8")
    part = text.split("## The same table, spelled out", 1)[1].split("## Where", 1)[0]
    lines = [ln for ln in part.splitlines() if ln.startswith("| `")]
    assert lines
    columns = [("national", "own_booth"), ("manager", "own_booth"), ("manager", "other_mall")]
    columns += [(role, rel) for role in ("supervisor", "officer") for rel in RELATIONS]
    columns += [("agent", "own_booth"), ("agent", "other_mall")]
    columns += [(CLIENT, rel) for rel in RELATIONS]
    seen = set()
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        actions = re.findall(r"`([^`]+)`", cells[0])
        for action in actions:
            seen.add(action)
            row = Row("-", "", action, "counter")
            want = [
                "✓"
                if (expected_client(rel, row) if role == CLIENT else expected(role, rel, row))
                else "✗"
                for role, rel in columns
            ]
            assert cells[1:] == want, action
    assert seen == set(access.RULES)


# The walks ------------------------------------------------------------------------------------


@functools.cache
def staff_operations() -> dict[str, tuple[str, str]]:
    """{operation id: (method, path)} of every API operation a staff credential opens."""
    schema = api.get_openapi_schema(path_prefix=reverse("api-v1:api-root").rstrip("/"))
    found = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            security = {name for s in operation.get("security", []) for name in s}
            if security & STAFF_AUTH:
                found[operation["operationId"]] = (method.upper(), path)
    return found


def test_every_staff_operation_has_a_row():
    operations = staff_operations()
    documented = {row.name for row in API_ROWS}
    assert set(operations) - documented == set(), "add a row to docs/access.md (access:api)"
    assert documented - set(operations) == set(), "a row of docs/access.md names no operation"
    for row in API_ROWS + PAGE_ROWS:
        assert row.action in RULES or row.action in ("none", "any"), row


def _patterns(resolvers, prefix="", namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, prefix + str(entry.pattern)


SAMPLE = {
    "service": "x",
    "code": "x",
    "token": "x",
    "province": "32",
    "action": "close",
    "ticket_id": str(uuid.uuid4()),
}


def _sample_url(route: str, mall: str) -> str:
    def fill(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return "1"
        return mall if name == "mall" else SAMPLE.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def staff_pages(client, mall: str) -> set[str]:
    """URL names of the pages that send an anonymous visitor to the sign-in page."""
    names = set()
    login = reverse("web:login")
    for name, route in _patterns(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/", "i18n/")) or "^" in route:
            continue
        response = client.get(_sample_url(route, mall))
        if response.status_code == 302 and response["Location"].startswith(login):
            names.add(name)
    return names


def test_every_staff_page_has_a_row(w):
    pages = staff_pages(Client(), w.spots["own_booth"].mall.code)
    documented = {row.name for row in PAGE_ROWS}
    assert pages - documented == set(), "add a row to docs/access.md (access:pages)"
    assert documented - pages == set(), "a page row names no staff page"


# The matrix -------------------------------------------------------------------------------


def _api_request(w, row: Row, spot: Spot):
    method, template = staff_operations()[row.name]
    complaint = spot.complaint
    values = {
        "mall": spot.mall.code,
        "ticket_id": str(spot.waiting.pk if row.on == "waiting-ticket" else spot.called.pk),
        "counter": str(spot.counter.pk),
        "code": spot.booking.code if row.on == "booking" else complaint.code,
        "booking_id": str(spot.booking.pk),
        "complaint_id": str(complaint.pk),
        "id": str(complaint.pk),
        "action": row.variant.split()[0] if row.variant else "",
        "case_id": str(spot.case.pk),
        "subscription_id": str(spot.subscription.pk),
        "webhook_id": spot.webhook_id,
    }
    path = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)
    body = {}
    if row.name in ("issueTicket", "transferTicket"):
        body = {"service": spot.offering.service.code}
    elif row.name == "findBookingByCode":
        body = {"code": spot.booking.code}
    elif row.name == "createCase":
        body = {
            "mall": spot.mall.code,
            "service": spot.offering.service.code,
            "applicant_name": "Siti Aminah",
            "nik": "3210011505900001",
        }
    elif row.name == "transitionCase":
        body = {"to": "verification"}
    elif row.name == "createWebhookSubscription":
        body = {"url": "https://siak.example.go.id/hooks", "events": ["case.*"]}
    elif row.name == "updateWebhookSubscription":
        body = {"description": "Uji akses"}
    elif row.name == "replayWebhookMessages":
        body = {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}
    elif row.name == "actOnComplaint":
        body = {
            "note": {"note": "Catatan internal untuk uji akses."},
            "close": {},
            "forward": {"booth": spot.booth.pk},
            "verify": {"track": "field_check"},
        }[row.variant.split()[0]]
    return method, path, body


def _api_cases():
    for row in API_ROWS:
        for role in ROLES:
            for relation in RELATIONS:
                label = f"{row.name}{'-' + row.variant.split()[0] if row.variant else ''}"
                yield pytest.param(row, role, relation, id=f"{label}-{role}-{relation}")


def _verdict(response) -> bool | None:
    """True: allowed (2xx, 3xx or a domain 4xx); False: refused (403/404); None: neither."""
    status = response.status_code
    if status in (403, 404):
        return False
    if status == 401 or status >= 500:
        return None
    return True


@pytest.mark.parametrize(("row", "role", "relation"), list(_api_cases()))
def test_api(w, client, row, role, relation):
    spot = w.spots[relation]
    method, path, body = _api_request(w, row, spot)
    response = client.generic(
        method,
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {w.tokens[role]}",
    )
    want = expected(role, relation, row)
    assert _verdict(response) is want, (response.status_code, response.content[:300])


def _api_client_cases():
    for row in API_ROWS:
        label = f"{row.name}{'-' + row.variant.split()[0] if row.variant else ''}"
        for caller, spot, relation in CLIENT_CALLERS:
            yield pytest.param(row, caller, spot, relation, id=f"{label}-{caller}-{spot}")


@pytest.mark.parametrize(("row", "caller", "spot", "relation"), list(_api_client_cases()))
def test_api_client(w, client, row, caller, spot, relation):
    """Every staff operation, called by an agency system's API client."""
    if caller == "client_lacking":  # of the booth's agency at the mall, all but this one
        own = w.clients["client"][0]
        lacking = [op for op in operations_all() if op != row.action]
        _, key = client_with_key(
            name="SIAK terbatas", agency=own.agency, malls=[spot_mall(w, spot)], operations=lacking
        )
    else:
        key = w.clients[caller][1]
    method, path, body = _api_request(w, row, w.spots[spot])
    response = client.generic(
        method,
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    detail = (response.status_code, response.content[:300])
    if caller == "client_revoked":  # not a principal at all
        assert response.status_code == 401, detail
        return
    want = caller != "client_lacking" and expected_client(relation, row)
    assert _verdict(response) is want, detail
    if caller == "client_lacking" and row.action not in ("none", "any"):
        assert response.status_code in (403, 404), detail


def spot_mall(w, spot: str):
    return w.spots[spot].mall


def _page_url(row: Row, spot: Spot) -> str:
    mall = spot.mall.code
    args = {
        "console": [],
        "console-counter": [spot.counter.pk],
        "console-panel": [spot.counter.pk],
        "console-action": [spot.counter.pk, "call"],
        "survey-tablet": [spot.counter.pk],
        "search-gaps": [],
        "complaint-detail": [mall, spot.complaint.pk],
        "complaint-attachment": [mall, spot.complaint.pk],
        "consultation-manage-topic": [mall, spot.topic.pk],
        "consultation-edit": [mall, spot.topic.pk],
        "consultation-action": [mall, spot.topic.pk, "close"],
        "consultation-moderate": [mall, spot.comment.pk],
        "web:twofactor": [],
        "cases:staff_queue": [],
        "cases:staff_bulk": [],
        "cases:staff_record": [],
        "cases:staff_figures": [],
        "cases:staff_case_document": [spot.case.number, spot.case.documents.get().pk],
        "outreach:demand": [],
        "outreach:agent_request_new": [],
        "outreach:village_point": [spot.outreach_request.village_id],
        "outreach:plans": [],
        "outreach:conflicts": [],
        "outreach:field_app": [],
    }.get(row.name, [spot.case.number] if row.on == "case" else [mall])
    if row.on == "outreach-request":
        args = [spot.outreach_request.pk]
    elif row.on == "outreach-plan":
        args = [spot.outreach_plan.pk]
        if row.name == "outreach:plan_rule_remove":
            args.append(spot.outreach_rule.pk)
    elif row.on == "outreach-conflict":
        args = [spot.outreach_conflict.pk]
    url = reverse(row.name, args=args)
    if row.on == "booth-report":
        url += f"?lingkup=gerai:{spot.booth.ticket_prefix}"
    elif row.name in ("console", "outreach:demand", "outreach:agent_request_new", "outreach:plans"):
        url += f"?mall={mall}"
    return url


def _page_cases():
    for row in PAGE_ROWS:
        for role in ROLES:
            for relation in RELATIONS:
                yield pytest.param(row, role, relation, id=f"{row.name}-{role}-{relation}")


@pytest.mark.parametrize(("row", "role", "relation"), list(_page_cases()))
def test_page(w, client, row, role, relation):
    spot = w.spots[relation]
    client.force_login(w.users[role])
    url = _page_url(row, spot)
    data = {"decision": "approve"} if row.name == "consultation-moderate" else {}
    response = client.post(url, data) if row.variant == "POST" else client.get(url)
    if row.on == "list":  # the page lists what the user may act on, and only that
        assert response.status_code == 200
        link = f'href="{reverse("console-counter", args=[spot.counter.pk])}"'
        listed = link in response.content.decode()
        assert listed is expected(role, relation, Row(row.name, "", row.action, "counter"))
        return
    want = expected(role, relation, row)
    assert _verdict(response) is want, (response.status_code, response.content[:300])


# The findings, one by one ------------------------------------------------------------------


def test_officer_may_not_transfer_another_booths_waiting_ticket(w, client):
    """POST /tickets/{id}/transfer by an officer of booth A1 on a waiting ticket of booth
    A2 of the same mall gave 200; it is 403, and the ticket stays where it was."""
    other = w.spots["other_booth"]
    response = client.post(
        f"/api/v1/tickets/{other.waiting.pk}/transfer",
        data={"service": other.offering.service.code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {w.tokens['officer']}",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    other.waiting.refresh_from_db()
    assert other.waiting.offering_id == other.offering2.pk
    own = w.spots["own_booth"]
    response = client.post(
        f"/api/v1/tickets/{own.waiting.pk}/transfer",
        data={"service": own.offering.service.code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {w.tokens['officer']}",
    )
    assert response.status_code == 200  # their own booth's waiting ticket: as before


def test_officer_may_not_extend_a_complaint(w):
    """An officer verifying a complaint about their own booth could put it on the 60-day
    track; only the mall's managers (and national admins) change the track."""
    complaint = w.spots["own_booth"].complaint
    officer, supervisor = w.users["officer"], w.users["supervisor"]
    for user in (officer, supervisor):
        with pytest.raises(Forbidden):
            complaint_act(
                complaint_id=complaint.pk, actor=user, action="verify", track="field_check"
            )
        complaint.refresh_from_db()
        assert complaint.track == "regular" and complaint.status == "received"
    verified = complaint_act(complaint_id=complaint.pk, actor=officer, action="verify")
    assert verified.status == "verified" and verified.track == "regular"
    extended = complaint_act(
        complaint_id=complaint.pk,
        actor=w.users["manager"],
        action="forward",
        booth_id=complaint.booth_id,
        track="field_check",
    )
    assert extended.track == "field_check"


def test_officer_sees_no_track_choice(w, client):
    complaint = w.spots["own_booth"].complaint
    url = reverse("complaint-detail", args=[complaint.mall.code, complaint.pk])
    client.force_login(w.users["officer"])
    assert 'name="track"' not in client.get(url).content.decode()
    client.force_login(w.users["manager"])
    assert 'name="track"' in client.get(url).content.decode()


def test_restrict_and_allowed_agree(w):
    """The queryset form and the object form of the rule give the same answers."""
    from mpp.catalog.models import Counter
    from mpp.complaints.models import Complaint
    from mpp.queueing.models import Ticket

    for role, user in w.users.items():
        for relation, spot in w.spots.items():
            for action, model, obj in (
                ("counter.operate", Counter, spot.counter),
                ("ticket.operate", Ticket, spot.called),
                ("ticket.transfer", Ticket, spot.waiting),
                ("complaint.handle", Complaint, spot.complaint),
                ("complaint.extend", Complaint, spot.complaint),
            ):
                rows = access.restrict(model.objects.filter(pk=obj.pk), user, action)
                assert rows.exists() is access.allowed(user, action, obj), (role, relation, action)


def test_case_actions_restrict_and_allowed_agree(w):
    """The applications' actions (case.process, case.record, case.figures) follow the
    table for a case of each booth, in both forms of the rule."""
    from mpp.cases.models import Case
    from tests.factories import CaseTypeFactory

    cases = {}
    for relation, spot in w.spots.items():
        case_type = CaseTypeFactory(offering=OfferingFactory(booth=spot.booth, mall=spot.mall))
        cases[relation] = Case.objects.create(
            number=f"TM{len(cases)}",
            case_type=case_type,
            mall=case_type.mall,
            booth=case_type.booth,
            service=case_type.service,
            channel="web",
            applicant_name="Siti Aminah",
            nik_digest="k1$" + "0" * 61,
            nik_masked="************0001",
        )
    for role, user in w.users.items():
        for relation, case in cases.items():
            for action in ("case.process", "case.record", "case.figures"):
                rows = access.restrict(Case.objects.filter(pk=case.pk), user, action)
                assert rows.exists() is access.allowed(user, action, case), (role, relation)
                want = expected(role, relation, Row("-", "", action, "case"))
                assert access.allowed(user, action, case) is want, (role, relation, action)


def test_restrict_and_allowed_agree_for_clients(w):
    """For API clients too, the queryset form and the object form of the rule give the
    same answers, and they are the documented client column's."""
    from mpp.catalog.models import Counter
    from mpp.complaints.models import Complaint
    from mpp.queueing.models import Ticket

    for caller, (api_client, _key) in w.clients.items():
        for relation, spot in w.spots.items():
            for action, model, obj in (
                ("counter.operate", Counter, spot.counter),
                ("ticket.read", Ticket, spot.called),
                ("ticket.read", Ticket, spot.waiting),
                ("ticket.operate", Ticket, spot.called),
                ("booking.read", Booking, spot.booking),
                ("complaint.read", Complaint, spot.complaint),
                ("complaint.handle", Complaint, spot.complaint),
                ("complaint.extend", Complaint, spot.complaint),
                ("case.process", Case, spot.case),
                ("case.record", Case, spot.case),
            ):
                rows = access.restrict(model.objects.filter(pk=obj.pk), api_client, action)
                allowed = access.allowed(api_client, action, obj)
                assert rows.exists() is allowed, (caller, relation, action)
                # The booth of each client's agency in its malls: A1, A2, none (A1's
                # agency has no booth in mall B), none (revoked: nowhere).
                home = {"client": "own_booth", "client_other_agency": "other_booth"}
                where = "own_booth" if home.get(caller) == relation else "other_booth"
                want = expected_client(where, Row("-", "", action, "case"))
                assert allowed is want, (caller, relation, action)


def test_a_client_lists_only_its_agencys_cases(w, client):
    """listCases answers every client holding case.process, with its own rows only."""
    lists = {}
    for caller in ("client", "client_other_agency", "client_other_mall"):
        key = w.clients[caller][1]
        response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200, response.content
        lists[caller] = {item["id"] for item in response.json()["items"]}
    assert lists["client"] == {str(w.spots["own_booth"].case.pk)}
    assert lists["client_other_agency"] == {str(w.spots["other_booth"].case.pk)}
    assert lists["client_other_mall"] == set()  # A1's agency has no booth in mall B


@pytest.mark.parametrize("row", PAGE_ROWS, ids=lambda row: row.name)
def test_pages_take_no_client_key(w, client, row):
    """Staff pages are for signed-in people: an API client's key opens none of them."""
    url = _page_url(row, w.spots["own_booth"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {w.clients['client'][1]}"}
    response = (
        client.post(url, {}, **headers) if row.variant == "POST" else client.get(url, **headers)
    )
    assert response.status_code == 302, (response.status_code, response.content[:300])
    assert response["Location"].startswith(reverse("web:login"))
