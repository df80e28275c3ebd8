"""Filing complaints and every step of their handling: routing, deadlines by track, the
transitions allowed and refused, events without personal data, messages to the citizen,
and nothing half-written on bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mpp.complaints.models import Complaint, ComplaintAction
from mpp.complaints.services import complaint_act
from mpp.complaints.validation import CODE_ALPHABET, code_clean, code_grouped
from mpp.core.errors import Conflict, Forbidden, Invalid, NotFound
from mpp.core.models import Event
from mpp.notifications.models import Message
from tests.complaints.conftest import MONDAY, file_one

pytestmark = pytest.mark.django_db

PHONE = "0812-3456-7890"


def counts() -> tuple[int, int, int, int]:
    return (
        Complaint.objects.count(),
        ComplaintAction.objects.count(),
        Event.objects.count(),
        Message.objects.count(),
    )


# Filing -------------------------------------------------------------------------


def test_filing_routes_to_the_booth_of_the_service_and_sets_deadlines(world):
    complaint = file_one(world, now=MONDAY)
    assert complaint.booth == world.booth_a
    assert complaint.service == world.offering_a.service
    assert complaint.status == "received" and complaint.track == "regular"
    local = world.mall.tz
    assert complaint.first_response_due.astimezone(local).date() == dt.date(2026, 6, 11)
    assert complaint.resolution_due.astimezone(local).date() == dt.date(2026, 6, 15)
    assert len(complaint.code) == 10 and set(complaint.code) <= set(CODE_ALPHABET)
    step = complaint.actions.get()
    assert (step.kind, step.to_status, step.booth) == ("received", "received", world.booth_a)
    event = Event.objects.get(kind="complaint.received")
    assert event.subject_id == str(complaint.pk) and event.mall_id == world.mall.pk
    assert event.data["booth_id"] == world.booth_a.pk and event.data["to"] == "received"


def test_filing_with_a_booth_or_nothing(world):
    chosen = file_one(world, service_code="", booth_id=world.booth_b.pk)
    assert chosen.booth == world.booth_b and chosen.service is None
    desk = file_one(world, service_code="")
    assert desk.booth is None  # the manager verifies and forwards it


@pytest.mark.parametrize("category", ["fees", "officer_behaviour"])
def test_pungli_and_officer_complaints_go_to_the_manager_not_the_booth(world, category):
    # about booth A's service: booth A's officers must not be the ones to handle it
    complaint = file_one(world, category=category)
    assert complaint.booth is None and complaint.about_booth == world.booth_a
    assert complaint.service == world.offering_a.service
    assert complaint.actions.get().booth is None
    assert Event.objects.get(kind="complaint.received").data["booth_id"] is None
    chosen = file_one(world, category=category, service_code="", booth_id=world.booth_b.pk)
    assert chosen.booth is None and chosen.about_booth == world.booth_b
    from mpp.complaints.selectors import complaints_for

    for officer in (world.officer_a, world.supervisor_a, world.officer_b):
        assert not complaints_for(officer).filter(pk=complaint.pk).exists()
    assert complaints_for(world.manager).filter(pk=complaint.pk).exists()
    with pytest.raises(Forbidden):
        complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="verify")
    complaint_act(complaint_id=complaint.pk, actor=world.manager, action="verify")


def test_other_categories_still_go_to_the_booth(world):
    for category in sorted(set(Complaint.Category.values) - set(Complaint.MANAGER_CATEGORIES)):
        complaint = file_one(world, category=category)
        assert complaint.booth == world.booth_a == complaint.about_booth, category


def test_contact_details_are_kept_only_with_consent(world):
    before = counts()
    for contact in ({"phone": PHONE}, {"email": "siti@example.com"}):
        with pytest.raises(Invalid) as refused:
            file_one(world, consent=False, **contact)
        assert refused.value.code == "consent_required"
    assert counts() == before
    assert file_one(world, consent=False).phone == ""  # no contact: nothing to agree to
    assert file_one(world, phone=PHONE, consent=True).phone == "+6281234567890"


def test_codes_are_unique_and_typed_in_any_form(world):
    codes = {file_one(world).code for _ in range(5)}
    assert len(codes) == 5
    code = codes.pop()
    assert code_clean(code_grouped(code).lower()) == code
    assert code_clean(f" {code[:5]} {code[5:]} ") == code
    assert code_clean("O0I1L00000") is None and code_clean("") is None


def test_anonymous_complaint_keeps_no_name_and_events_hold_no_personal_data(world):
    complaint = file_one(
        world, anonymous=True, name="Budi Santoso", phone=PHONE, email="budi@example.com"
    )
    assert complaint.anonymous and complaint.name == ""
    assert complaint.phone == "+6281234567890" and complaint.email == "budi@example.com"
    text = json.dumps(list(Event.objects.values_list("data", flat=True)))
    for secret in ("6281234567890", "budi", "Budi", "tiga jam"):
        assert secret not in text


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("category", "nonsense", "invalid_category"),
        ("channel", "fax", "invalid_channel"),
        ("description", "   pendek ", "invalid_description"),
        ("description", "x" * 4001, "invalid_description"),
        ("name", "12345", "invalid_name"),
        ("phone", "022-1234567", "invalid_phone"),  # a landline gets no SMS
        ("email", "not-an-address", "invalid_email"),
        ("incident_date", "2999-01-01", "invalid_date"),
        ("incident_date", "kemarin", "invalid_date"),
        ("ticket_ref", "not-a-uuid", "invalid_ticket"),
        ("booking_ref", "ABC", "invalid_booking"),
        ("service_code", "not-offered-here", "invalid_service"),
        ("booth_id", 999999, "invalid_booth"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, field, value, code):
    before = counts()
    kwargs = {field: value}
    if field == "booth_id":
        kwargs["service_code"] = ""
    with pytest.raises(Invalid) as refused:
        file_one(world, phone=PHONE, **kwargs) if field != "phone" else file_one(world, **kwargs)
    assert refused.value.code == code
    assert counts() == before


def test_another_malls_booth_is_refused(world):
    other_booth = world.other_mall.booths.first()
    with pytest.raises(Invalid) as refused:
        file_one(world, service_code="", booth_id=other_booth.pk)
    assert refused.value.code == "invalid_booth"


def test_links_to_ticket_and_booking_are_kept_as_values(world):
    complaint = file_one(
        world,
        ticket_ref="8a3f1c2e-0000-4000-8000-000000000001",
        booking_ref="k7m2-qx9p",
        incident_date="2026-06-01",
        now=MONDAY,
    )
    assert str(complaint.ticket_ref) == "8a3f1c2e-0000-4000-8000-000000000001"
    assert complaint.booking_ref == "K7M2QX9P"
    assert complaint.incident_date == dt.date(2026, 6, 1)


# Messages to the citizen --------------------------------------------------------


def test_received_message_with_the_code_goes_to_each_contact(world):
    complaint = file_one(world, phone=PHONE, email="siti@example.com", name="Siti")
    messages = Message.objects.order_by("channel")
    assert [(m.channel, m.template) for m in messages] == [
        ("email", "complaint_received"),
        ("sms", "complaint_received"),
    ]
    assert messages[1].recipient == "+6281234567890"
    assert messages[0].context["code"] == code_grouped(complaint.code)
    assert "phone" not in messages[0].context and PHONE not in json.dumps(messages[0].context)


def test_messages_link_the_tracking_page_when_the_public_address_is_known(world, settings):
    from mpp.notifications.rendering import render

    settings.MPP_PUBLIC_URL = "https://mpp.example.go.id/"
    file_one(world, email="siti@example.com")
    message = Message.objects.get()
    assert message.context["url"] == "https://mpp.example.go.id/pengaduan/lacak/"
    body = render(
        template=message.template, channel="email", language="en", context=message.context
    )
    assert "https://mpp.example.go.id/pengaduan/lacak/" in body.body
    assert message.context["code"].replace("-", "") not in message.context["url"]


def test_no_contact_no_message(world):
    complaint = file_one(world)
    complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="verify")
    complaint_act(
        complaint_id=complaint.pk, actor=world.officer_a, action="answer", message="Sudah."
    )
    assert Message.objects.count() == 0


def test_answer_and_rejection_are_messaged(world):
    answered = file_one(world, phone=PHONE)
    complaint_act(complaint_id=answered.pk, actor=world.officer_a, action="verify")
    complaint_act(
        complaint_id=answered.pk,
        actor=world.officer_a,
        action="answer",
        message="Loket tambahan dibuka mulai besok.",
    )
    rejected = file_one(world, email="a@example.com")
    complaint_act(
        complaint_id=rejected.pk, actor=world.manager, action="reject", reason="Bukan pengaduan."
    )
    templates = sorted(Message.objects.values_list("template", flat=True))
    assert templates == [
        "complaint_answered",
        "complaint_received",
        "complaint_received",
        "complaint_rejected",
    ]
    answer = Message.objects.get(template="complaint_answered")
    assert answer.context["message"] == "Loket tambahan dibuka mulai besok."


# Transitions ---------------------------------------------------------------------


def test_the_whole_way_verify_forward_start_answer_close(world):
    complaint = file_one(world, service_code="", now=MONDAY)
    at = MONDAY + dt.timedelta(hours=2)
    complaint_act(complaint_id=complaint.pk, actor=world.manager, action="verify", now=at)
    complaint_act(
        complaint_id=complaint.pk,
        actor=world.manager,
        action="forward",
        booth_id=world.booth_b.pk,
        message="Diteruskan ke gerai.",
        now=at,
    )
    complaint_act(complaint_id=complaint.pk, actor=world.officer_b, action="start", now=at)
    complaint_act(
        complaint_id=complaint.pk, actor=world.officer_b, action="answer", message="OK", now=at
    )
    done = complaint_act(complaint_id=complaint.pk, actor=world.manager, action="close", now=at)
    assert done.status == "closed" and done.booth == world.booth_b
    assert done.first_response_at == at and done.answered_at == at and done.closed_at == at
    kinds = list(done.actions.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        ("received", "", "received"),
        ("verified", "received", "verified"),
        ("forwarded", "verified", "forwarded"),
        ("started", "forwarded", "in_progress"),
        ("answered", "in_progress", "answered"),
        ("closed", "answered", "closed"),
    ]
    events = list(Event.objects.filter(subject_type="complaint").values_list("kind", flat=True))
    assert events == [
        "complaint.received",
        "complaint.verified",
        "complaint.forwarded",
        "complaint.started",
        "complaint.answered",
        "complaint.closed",
    ]


# (action, statuses it is allowed from)
ALLOWED = {
    "verify": {"received"},
    "forward": {"received", "verified", "forwarded"},
    "start": {"verified", "forwarded"},
    "answer": {"verified", "forwarded", "in_progress"},
    "close": {"answered"},
    "reject": {"received", "verified", "forwarded", "in_progress"},
    "note": set(Complaint.Status.values),
}
ARGS = {
    "forward": {"booth_id": "B"},
    "answer": {"message": "Jawaban."},
    "reject": {"reason": "Alasan."},
    "note": {"note": "Catatan."},
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("status", Complaint.Status.values)
def test_each_transition_is_allowed_only_from_its_statuses(world, action, status):
    complaint = file_one(world)
    Complaint.objects.filter(pk=complaint.pk).update(status=status)
    kwargs = dict(ARGS.get(action, {}))
    if "booth_id" in kwargs:
        kwargs["booth_id"] = world.booth_b.pk
    before = ComplaintAction.objects.count(), Event.objects.count()
    if status in ALLOWED[action]:
        result = complaint_act(
            complaint_id=complaint.pk, actor=world.manager, action=action, **kwargs
        )
        assert ComplaintAction.objects.count() == before[0] + 1
        if action != "note":
            assert result.status != status or action == "forward"
    else:
        with pytest.raises(Conflict) as refused:
            complaint_act(complaint_id=complaint.pk, actor=world.manager, action=action, **kwargs)
        assert refused.value.code == "invalid_state"
        assert (ComplaintAction.objects.count(), Event.objects.count()) == before
        assert Complaint.objects.get(pk=complaint.pk).status == status


@pytest.mark.parametrize(
    ("action", "kwargs", "code"),
    [
        ("answer", {}, "message_required"),
        ("answer", {"message": "   "}, "message_required"),
        ("reject", {}, "reason_required"),
        ("note", {}, "note_required"),
        ("forward", {}, "booth_required"),
        ("forward", {"booth_id": 999999}, "invalid_booth"),
        ("verify", {"track": "fast"}, "invalid_track"),
        ("explode", {}, "invalid_action"),
    ],
)
def test_missing_inputs_are_refused_before_anything_changes(world, action, kwargs, code):
    complaint = file_one(world)
    before = counts()
    with pytest.raises(Invalid) as refused:
        complaint_act(complaint_id=complaint.pk, actor=world.manager, action=action, **kwargs)
    assert refused.value.code == code
    assert counts() == before
    assert Complaint.objects.get(pk=complaint.pk).status == "received"


def test_forwarding_to_another_malls_booth_is_refused(world):
    complaint = file_one(world)
    with pytest.raises(Invalid):
        complaint_act(
            complaint_id=complaint.pk,
            actor=world.manager,
            action="forward",
            booth_id=world.other_mall.booths.first().pk,
        )
    assert Complaint.objects.get(pk=complaint.pk).booth == world.booth_a


def test_who_may_take_which_step(world):
    complaint = file_one(world)  # booth A's
    with pytest.raises(Forbidden):  # another booth's officer does not see it
        complaint_act(complaint_id=complaint.pk, actor=world.officer_b, action="verify")
    with pytest.raises(Forbidden):  # another mall's manager
        complaint_act(complaint_id=complaint.pk, actor=world.other_manager, action="verify")
    with pytest.raises(Forbidden):  # forwarding is the manager's
        complaint_act(
            complaint_id=complaint.pk,
            actor=world.supervisor_a,
            action="forward",
            booth_id=world.booth_b.pk,
        )
    with pytest.raises(Forbidden):  # officers do not reject
        complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="reject", reason="x")
    complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="verify")
    complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="answer", message="Ya")
    with pytest.raises(Forbidden):  # nor close
        complaint_act(complaint_id=complaint.pk, actor=world.officer_a, action="close")
    closed = complaint_act(complaint_id=complaint.pk, actor=world.supervisor_a, action="close")
    assert closed.status == "closed"
    other = file_one(world)
    assert complaint_act(complaint_id=other.pk, actor=world.national, action="verify").status == (
        "verified"
    )
    with pytest.raises(NotFound):
        complaint_act(complaint_id=10**9, actor=world.manager, action="verify")


# Deadlines per track ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("track", "due"),
    [
        ("regular", dt.date(2026, 6, 15)),
        ("dispute", dt.date(2026, 6, 29)),  # 14 days: 16 June (Islamic New Year) skipped
        ("field_check", dt.date(2026, 9, 3)),  # 60 days: 16 June, 17 and 25 August skipped
    ],
)
def test_the_track_sets_the_answer_deadline(world, track, due):
    complaint = file_one(world, now=MONDAY)
    verified = complaint_act(
        complaint_id=complaint.pk,
        actor=world.manager,
        action="verify",
        track=track,
        now=MONDAY + dt.timedelta(hours=1),
    )
    assert verified.track == track
    assert verified.resolution_due.astimezone(world.mall.tz).date() == due
    first = verified.first_response_due.astimezone(world.mall.tz).date()
    assert first == dt.date(2026, 6, 11)  # 3 working days whatever the track


def test_first_response_is_the_first_step_out_of_received(world):
    complaint = file_one(world, now=MONDAY)
    later = MONDAY + dt.timedelta(days=1)
    noted = complaint_act(
        complaint_id=complaint.pk, actor=world.manager, action="note", note="Cek CCTV.", now=later
    )
    assert noted.first_response_at is None and noted.status == "received"
    rejected = complaint_act(
        complaint_id=complaint.pk, actor=world.manager, action="reject", reason="Ganda.", now=later
    )
    assert rejected.first_response_at == later and rejected.closed_at == later
    assert rejected.rejection_reason == "Ganda."
