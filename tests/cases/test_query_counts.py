"""The officer's queue page and the citizen's case page cost the same number of queries
whatever the number of rows behind them.

Why: a query per row (a service, an officer, a requirement looked up inside a loop) is
invisible with five cases and costs seconds with a thousand; bench/cases.py measures the
pages' time at 10,000 cases, this catches the cause early. Each page is fetched with 5
rows and with 50 (cases in the booth's queue; events, documents and other cases for the
case page), after a first fetch that fills the per-process caches, and the two counts of
SQL statements must be equal.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mpp.cases import citizen_session
from mpp.cases.models import Case, CaseDocument, CaseEvent
from mpp.cases.numbers import number_new
from mpp.core.pii import nik_digest, nik_mask
from tests.factories import (
    CaseTypeFactory,
    DocumentRequirementFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE_STATUSES = ["submitted", "verification", "processing", "returned", "ready"]
_nik = itertools.count(1)


def _case(case_type, status: str, *, officer=None, now=None) -> Case:
    """A case row as the services leave it (the lifecycle is tested elsewhere)."""
    now = now or timezone.now()
    serial = next(_nik)
    nik = f"3210014501900{serial % 1000:03d}"
    return Case.objects.create(
        number=number_new(now.date()),
        case_type=case_type,
        mall=case_type.mall,
        booth=case_type.booth,
        service=case_type.service,
        status=status,
        channel="web",
        applicant_name="Warga Uji",
        nik_digest=nik_digest(nik),
        nik_masked=nik_mask(nik),
        answers={"nama": "Warga Uji"},
        submitted_at=now - dt.timedelta(days=3),
        due_on=(now + dt.timedelta(days=serial % 7 - 3)).date(),  # some overdue
        returned_at=now - dt.timedelta(days=1) if status == "returned" else None,
        completed_at=now if status == "completed" else None,
        missing={"documents": ["kk"], "note": "Tidak terbaca."} if status == "returned" else {},
        assigned_to=officer,
    )


def _history(case: Case, n: int, *, officer=None, start: int = 0) -> None:
    """n events and n documents more on the case (officers' and the citizen's)."""
    at = timezone.now() - dt.timedelta(days=2)
    events, documents = [], []
    for i in range(start, start + n):
        staff = i % 2 == 1
        events.append(
            CaseEvent(
                case=case,
                at=at + dt.timedelta(minutes=i),
                kind="note" if i % 3 else "document",
                actor_kind="officer" if staff else "citizen",
                actor=officer if staff else None,
                actor_label="Petugas" if staff else "",
                channel="counter" if staff else "web",
                note=f"Catatan {i}",
            )
        )
        documents.append(
            CaseDocument(
                case=case,
                kind="scanned" if staff else "submitted",
                file=f"cases/{case.mall_id}/{case.pk}/{i:04d}.pdf",
                file_kind="pdf",
                size=1000 + i,
                sha256=f"{i:064x}",
                original_name=f"berkas-{i}.pdf",
                channel="counter" if staff else "web",
                uploaded_by=officer if staff else None,
            )
        )
    CaseEvent.objects.bulk_create(events)
    CaseDocument.objects.bulk_create(documents)


@pytest.fixture
def booth_types(mall):
    """Three services at one booth, each with an application type and two documents."""
    first = OfferingFactory(booth__mall=mall)
    offerings = [first] + [OfferingFactory(booth=first.booth, mall=mall) for _ in range(2)]
    types = [CaseTypeFactory(offering=o) for o in offerings]
    for case_type in types:
        DocumentRequirementFactory(case_type=case_type, code="ktp", name="KTP-el")
        DocumentRequirementFactory(case_type=case_type, code="kk", name="Kartu Keluarga")
    return types


def _count(client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries), response.content


def test_queue_page_queries_do_not_grow_with_cases(client, mall, booth_types):
    officer = UserFactory(mall=mall, booth=booth_types[0].booth)
    colleague = UserFactory(mall=mall, booth=booth_types[0].booth)
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    url = f"{reverse('cases:staff_queue')}?booth={booth_types[0].booth_id}"

    def add(n: int) -> list[Case]:
        return [
            _case(
                booth_types[i % len(booth_types)],
                QUEUE_STATUSES[i % len(QUEUE_STATUSES)],
                officer=(officer, colleague, None)[i % 3],
            )
            for i in range(n)
        ]

    few = add(5)
    client.get(url)  # the caches of the first request of a process
    five, page = _count(client, url)
    assert all(case.number.encode() in page for case in few)
    many = add(45)
    fifty, page = _count(client, url)
    assert sum(case.number.encode() in page for case in few + many) >= 25
    assert fifty == five, f"{five} queries with 5 cases, {fifty} with 50"


@pytest.mark.parametrize("status", ["returned", "completed"])
def test_case_page_queries_do_not_grow_with_history(client, mall, booth_types, status):
    officer = UserFactory(mall=mall, booth=booth_types[0].booth)
    case = _case(booth_types[0], status, officer=officer)
    _history(case, 5, officer=officer)
    session = client.session
    session[citizen_session.SESSION_KEY] = [str(case.pk)]
    session.save()
    client.cookies["django_language"] = "en"
    url = reverse("cases:citizen_case", args=[case.number])

    client.get(url)  # the caches of the first request of a process
    five, small = _count(client, url)
    assert case.get_status_display().encode() in small
    _history(case, 45, officer=officer, start=5)
    for i in range(45):  # other cases of the booth, of other citizens
        _case(booth_types[i % 3], QUEUE_STATUSES[i % len(QUEUE_STATUSES)], officer=officer)
    fifty, large = _count(client, url)
    assert len(large) > len(small) + 45 * 40  # the 45 steps more are on the page
    assert fifty == five, f"{five} queries with 5 events and documents, {fifty} with 50"
