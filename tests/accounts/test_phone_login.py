"""The citizen's one-time code to the phone (mpp.accounts.phone_login): sent through the
outbox, kept only as digests, single use, limited tries, resends and codes per number."""

import datetime as dt

import pytest
from django.utils import timezone

from mpp.accounts import phone_login
from mpp.accounts.models import PhoneCode
from mpp.cases.numbers import phone_digest as case_phone_digest
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import Event
from mpp.core.ratelimit import RateLimited
from mpp.notifications.models import Message
from mpp.web.phone_sms import phone_code_send

pytestmark = pytest.mark.django_db

PHONE = "0812-3456-7890"
E164 = "+6281234567890"
SIGN_IN = PhoneCode.Purpose.SIGN_IN


def otp_of(code: PhoneCode) -> str:
    message = (
        Message.objects.filter(dedupe_key__startswith=f"phone-code:{code.pk}:")
        .order_by("-created_at", "-pk")
        .first()
    )
    return message.context["otp"]


def other(otp: str) -> str:
    return f"{(int(otp) + 1) % 10**6:06d}"


def test_a_code_goes_by_sms_and_only_digests_are_kept():
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN)
    message = Message.objects.get(template="phone_code")
    assert message.channel == "sms" and message.recipient == E164
    otp = message.context["otp"]
    assert len(otp) == 6 and otp.isdigit()
    assert set(message.context) == {"otp", "minutes", "purpose", "language"}
    row = PhoneCode.objects.get(pk=code.pk)
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert "8123456789" not in stored and otp not in stored
    assert row.phone_digest == case_phone_digest(PHONE) != ""
    assert row.sends == 1 and row.attempts == 0 and row.used_at is None
    event = Event.objects.get(kind="phone_code.sent")
    assert "8123456789" not in str(event.data)


def test_the_digest_is_the_one_cases_keep():
    for typed in (PHONE, E164, "6281234567890", "081234567890"):
        assert phone_login.phone_digest(typed) == case_phone_digest(typed)
    assert phone_login.phone_digest("021-555-1234") == ""  # a landline: no digest


def test_the_right_code_works_once():
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN)
    otp = otp_of(code)
    used = phone_login.code_verify(code_id=code.pk, otp=f"{otp[:3]} {otp[3:]}")
    assert used.used_at is not None and used.code_digest == ""
    assert used.phone_digest == phone_login.phone_digest(E164)
    with pytest.raises(Conflict) as exc:
        phone_login.code_verify(code_id=code.pk, otp=otp)
    assert exc.value.code == "otp_used"


def test_wrong_codes_are_counted_and_then_nothing_works():
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN)
    otp = otp_of(code)
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(Invalid) as exc:
            phone_login.code_verify(code_id=code.pk, otp=other(otp))
        assert exc.value.code == "invalid_otp" and f"{left} " in exc.value.message
    assert PhoneCode.objects.get(pk=code.pk).attempts == 5
    with pytest.raises(Conflict) as exc:
        phone_login.code_verify(code_id=code.pk, otp=otp)
    assert exc.value.code == "otp_attempts_exhausted"
    with pytest.raises(Invalid):
        phone_login.code_verify(
            code_id=(code2 := phone_login.code_send(phone=PHONE, purpose=SIGN_IN)).pk, otp="12ab56"
        )
    assert PhoneCode.objects.get(pk=code2.pk).attempts == 1


def test_a_code_expires():
    now = timezone.now()
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN, now=now)
    later = now + dt.timedelta(minutes=phone_login.OTP_VALID_MINUTES, seconds=1)
    with pytest.raises(Conflict) as exc:
        phone_login.code_verify(code_id=code.pk, otp=otp_of(code), now=later)
    assert exc.value.code == "otp_expired"


def test_resend_waits_a_minute_replaces_the_code_and_stops_after_three():
    now = timezone.now()
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN, now=now)
    first = otp_of(code)
    with pytest.raises(RateLimited) as exc:
        phone_login.code_resend(code_id=code.pk, phone=PHONE, now=now + dt.timedelta(seconds=30))
    assert exc.value.retry_after == 30
    now += dt.timedelta(seconds=61)
    phone_login.code_resend(code_id=code.pk, phone=PHONE, now=now)
    second = otp_of(code)
    assert Message.objects.filter(template="phone_code").count() == 2
    if second != first:  # one chance in a million they are equal
        with pytest.raises(Invalid):
            phone_login.code_verify(code_id=code.pk, otp=first, now=now)
    now += dt.timedelta(seconds=61)
    phone_login.code_resend(code_id=code.pk, phone=PHONE, now=now)
    assert PhoneCode.objects.get(pk=code.pk).sends == 3
    assert PhoneCode.objects.get(pk=code.pk).attempts == 0  # a new code, new tries
    with pytest.raises(Conflict) as exc:
        phone_login.code_resend(code_id=code.pk, phone=PHONE, now=now + dt.timedelta(minutes=2))
    assert exc.value.code == "otp_sends_exhausted"
    phone_login.code_verify(code_id=code.pk, otp=otp_of(code), now=now)


def test_resend_to_another_number_is_refused():
    code = phone_login.code_send(phone=PHONE, purpose=SIGN_IN)
    later = timezone.now() + dt.timedelta(minutes=2)
    with pytest.raises(NotFound):
        phone_login.code_resend(code_id=code.pk, phone="0813-1111-2222", now=later)
    assert Message.objects.filter(template="phone_code").count() == 1


def test_one_number_gets_at_most_five_codes_an_hour():
    now = timezone.now()
    for i in range(phone_login.PHONE_SENDS_PER_HOUR):
        phone_login.code_send(phone=PHONE, purpose=SIGN_IN, now=now + dt.timedelta(minutes=i))
    with pytest.raises(RateLimited) as exc:
        phone_login.code_send(phone=E164, purpose=SIGN_IN, now=now + dt.timedelta(minutes=10))
    assert 49 * 60 <= exc.value.retry_after <= 50 * 60
    assert PhoneCode.objects.count() == phone_login.PHONE_SENDS_PER_HOUR
    # another number is not affected, and the hour passes
    phone_login.code_send(phone="0813-1111-2222", purpose=SIGN_IN, now=now)
    phone_login.code_send(phone=PHONE, purpose=SIGN_IN, now=now + dt.timedelta(minutes=61))


def test_bad_input_writes_nothing():
    for phone in ("", "12345", "021-555-1234", "x" * 200):
        with pytest.raises(Invalid) as exc:
            phone_login.code_send(phone=phone, purpose=SIGN_IN)
        assert exc.value.code == "invalid_phone"
    with pytest.raises(Invalid):
        phone_login.code_send(phone=PHONE, purpose="everything")
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", None):
        with pytest.raises(NotFound):
            phone_login.code_verify(code_id=bad, otp="123456")
    assert not PhoneCode.objects.exists() and not Message.objects.exists()


def test_without_a_sender_no_code_is_made():
    phone_login.code_sender_register(None)
    try:
        with pytest.raises(Conflict) as exc:
            phone_login.code_send(phone=PHONE, purpose=SIGN_IN)
        assert exc.value.code == "sms_unavailable"
        assert not PhoneCode.objects.exists()
    finally:
        phone_login.code_sender_register(phone_code_send)
