"""The demo complaints (deterministic, idempotent, some overdue) and the complaint
messages (every template renders; an SMS stays one plain part)."""

from __future__ import annotations

import pytest

from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.complaints.demo import DEMO_COMPLAINTS, complaint_demo_load, demo_code
from mpp.complaints.models import Complaint
from mpp.complaints.selectors import complaint_handling_summary
from mpp.complaints.validation import code_clean
from mpp.notifications.models import Message
from mpp.notifications.rendering import SMS_MAX, render, template_exists

TEMPLATES = ["complaint_received", "complaint_answered", "complaint_rejected"]
CONTEXT = {
    "code": "K7M2Q-X9PAB",
    "mall": "Mal Pelayanan Publik Kabupaten Kepulauan Siau Tagulandang Biaro",
    "message": "Loket tambahan dibuka mulai Senin & petugas sudah ditegur.",
    "name": "Siti Aminah",
}


@pytest.mark.django_db
@pytest.mark.clock
@pytest.mark.parametrize(
    "now",
    # A week without holidays; after Christmas and cuti bersama; after Nyepi and Idul
    # Fitri: the demo dates its complaints in working days, so some are always overdue.
    ["2026-11-27T10:00:00+07:00", "2026-12-28T10:00:00+07:00", "2027-03-16T10:00:00+07:00"],
)
def test_demo_complaints_are_loaded_once_in_every_status(clock, now):
    clock.move_to(now)
    assert complaint_demo_load() == 0  # no demo mall yet: nothing, no error
    demo_load()
    assert complaint_demo_load() == len(DEMO_COMPLAINTS) == 12
    assert complaint_demo_load() == 0
    rows = Complaint.objects.filter(mall__code=DEMO_MALL)
    assert rows.count() == 12
    statuses = set(rows.values_list("status", flat=True))
    assert statuses == {
        "received",
        "verified",
        "forwarded",
        "in_progress",
        "answered",
        "closed",
        "rejected",
    }
    assert set(rows.values_list("code", flat=True)) == {demo_code(i) for i in range(12)}
    assert all(code_clean(c) == c for c in rows.values_list("code", flat=True))
    assert rows.filter(track="dispute").exists() and rows.filter(track="field_check").exists()
    assert rows.filter(booth__isnull=True).exists() and rows.filter(anonymous=True).exists()
    mall_id = rows.first().mall_id
    first = rows.earliest("received_at").received_at.date()
    summary = complaint_handling_summary(
        mall_id=mall_id, date_from=first, date_to=rows.latest("received_at").received_at.date()
    )
    assert summary["received"] == 12 and summary["overdue_now"] >= 2
    assert Message.objects.count() == 0  # no contacts, nothing sent


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_every_complaint_message_renders(template, channel):
    assert template_exists(template, channel)
    for language in ("id", "en"):
        rendered = render(template=template, channel=channel, language=language, context=CONTEXT)
        assert CONTEXT["code"] in rendered.body
        assert "{%" not in rendered.body and "&amp;" not in rendered.body
        if channel == "sms":
            assert len(rendered.body) <= SMS_MAX and rendered.body.isascii(), rendered.body
            assert CONTEXT["message"] not in rendered.body
        else:
            assert CONTEXT["code"] in rendered.subject
            if template != "complaint_received":
                assert CONTEXT["message"] in rendered.body
