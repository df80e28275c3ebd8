"""A small world for the field sync tests: a mall, a van with one service on board, its
crew member, a published visit today, and a client signed in with a CSRF token."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.catalog.models import Mall, Offering
from mpp.outreach.models import Plan, Vehicle, Visit
from tests.factories import MallFactory, OfferingFactory, UserFactory, VehicleFactory, village


@dataclass
class World:
    mall: Mall
    offering: Offering
    vehicle: Vehicle
    crew: object
    visit: Visit


def world_make(mall: Mall | None = None) -> World:
    mall = mall or MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    crew = UserFactory(mall=mall, role=Role.OFFICER, first_name="Asep", last_name="Kru")
    vehicle = VehicleFactory(mall=mall, offerings=[offering], crew=[crew])
    today = mall.today()
    plan = Plan.objects.create(
        mall=mall,
        starts_on=today,
        ends_on=today + dt.timedelta(days=6),
        status="published",
        created_at=timezone.now(),
        published_at=timezone.now(),
    )
    visit = Visit.objects.create(
        plan=plan,
        vehicle=vehicle,
        date=today,
        order=1,
        kind="village",
        village=village() if mall.regency_id == "32.10" else village(f"{mall.regency_id}.01.2001"),
        start="09:00",
        end="11:00",
        people=12,
    )
    visit.services.set([offering.service])
    return World(mall, offering, vehicle, crew, visit)


def signed_in(user) -> Client:
    """A client of `user` that checks CSRF like a browser, with the token set."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    client.cookies["django_language"] = "en"
    client.csrf = token
    return client


def post_records(client: Client, records: list, *, device_id: str = "tablet-1", csrf=True):
    headers = {"HTTP_X_CSRFTOKEN": client.csrf} if csrf else {}
    return client.post(
        reverse("outreach:sync_records"),
        data=json.dumps({"device_id": device_id, "records": records}),
        content_type="application/json",
        **headers,
    )


def put_chunk(client: Client, attachment_id, data: bytes, start: int, total: int, **headers):
    end = start + len(data) - 1
    return client.put(
        reverse("outreach:sync_file", kwargs={"id": str(attachment_id)}),
        data=data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{end}/{total}",
        HTTP_X_CSRFTOKEN=client.csrf,
        **headers,
    )


def recorded_at(minutes_ago: int = 5) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def service_record(
    *,
    record_id=None,
    previous=None,
    visit_id=None,
    service_code: str,
    people: int = 1,
    outcome: str = "done",
    note: str = "",
    attachments=(),
    when: str | None = None,
) -> dict:
    payload = {"service_code": service_code, "people": people, "outcome": outcome}
    if note:
        payload["note"] = note
    return {
        "id": str(record_id or uuid.uuid4()),
        "previous": str(previous) if previous else None,
        "kind": "service",
        "visit_id": visit_id,
        "recorded_at": when or recorded_at(),
        "payload": payload,
        "attachments": list(attachments),
    }


def note_record(text: str = "Jalan licin", *, record_id=None, previous=None) -> dict:
    return {
        "id": str(record_id or uuid.uuid4()),
        "previous": str(previous) if previous else None,
        "kind": "note",
        "visit_id": None,
        "recorded_at": recorded_at(),
        "payload": {"text": text},
        "attachments": [],
    }


def attachment_of(content: bytes, *, content_type: str = "image/jpeg") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "content_type": content_type,
    }


def photo(seed: int, size: int = 3000) -> bytes:
    """A sound JPEG of `size` bytes whose scan depends on `seed` (no 0xFF bytes)."""
    from tests.core.upload_samples import jpeg

    empty = len(jpeg(b""))
    scan = bytes((seed * 31 + i * 7) % 251 for i in range(size - empty))
    return jpeg(scan)
