"""The population register's NIK check, against a fake register on a real local socket.

A booking (bookings.services.booking_create) and an application (cases.services.
case_start) ask the register when MPP_NIK_REGISTER_URL is set: a match goes on, no
match or a deceased resident is refused with one message (422 nik_not_verified, a form
error on the pages), and an outage, a 500, a slow or strange answer falls back to the
NIK's format check with a NikCheck row UNAVAILABLE and a warning. The NikCheck row holds
the NIK's keyed digest only; neither the rows nor the logs hold the NIK or the name.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from mpp.bookings.models import Booking, Slot
from mpp.bookings.services import booking_create
from mpp.cases.models import Case
from mpp.cases.services import case_start
from mpp.catalog.models import OpeningHours
from mpp.core import identity
from mpp.core.errors import Invalid
from mpp.core.pii import nik_digest
from mpp.integrations.connectors import population
from mpp.integrations.models import NikCheck
from tests.api.helpers import assert_error, post_json
from tests.bookings.test_pages import book_through_pages, english, future_day
from tests.factories import (
    BookingPolicyFactory,
    CaseFieldFactory,
    CaseTypeFactory,
)
from tests.integrations.fake_register import FakeRegister

pytestmark = pytest.mark.django_db

NIK = "3210011505900001"  # Siti Aminah, alive
NIK_DEAD = "3210012001850003"  # Budi Santoso, deceased
NIK_UNKNOWN = "3210015505900002"  # valid format, not in the register
NAME = "Siti Aminah"
PHONE = "081234567890"
RESIDENTS = {NIK: ("SITI AMINAH", True), NIK_DEAD: ("BUDI SANTOSO", False)}
REFUSAL = "The NIK and name do not match the population register."
LOGGER = "mpp.integrations.connectors.population"


@pytest.fixture(autouse=True)
def _fresh_pause():
    population.pause_reset()
    with translation.override("en"):  # the messages below are asserted in English
        yield
    population.pause_reset()


@pytest.fixture
def register():
    with FakeRegister(residents=RESIDENTS) as fake:
        yield fake


@pytest.fixture
def configured(settings, register):
    settings.MPP_NIK_REGISTER_URL = register.url
    settings.MPP_NIK_REGISTER_KEY = register.key
    settings.MPP_NIK_REGISTER_TIMEOUT = 1.0
    return register


@pytest.fixture
def policy(mall, offering):
    """Open every day 00:00-23:59, 60-minute slots of 3 online places, 14 days ahead."""
    for weekday in range(7):
        OpeningHours.objects.create(
            mall=mall, weekday=weekday, opens=dt.time(0), closes=dt.time(23, 59)
        )
    return BookingPolicyFactory(offering=offering, window_days=14)


@pytest.fixture
def case_type(offering):
    ct = CaseTypeFactory(offering=offering, completion_days=5)
    CaseFieldFactory(case_type=ct, key="purpose", label="Keperluan", kind="text", required=False)
    return ct


def book(policy, *, nik=NIK, name=NAME, slot="10:00") -> Booking:
    """booking_create on the first bookable day; one mobile number per NIK (phone limits)."""
    return booking_create(
        mall=policy.offering.mall,
        service_code=policy.offering.service.code,
        date=future_day(policy),
        slot_start=slot,
        nik=nik,
        name=name,
        phone=f"0813{nik[-8:]}",
        channel="web",
    )


def apply(case_type, *, nik=NIK, name=NAME) -> Case:
    return case_start(case_type=case_type, channel="web", applicant_name=name, nik=nik, phone=PHONE)


def seats_taken(policy) -> int:
    return sum(
        Slot.objects.filter(offering=policy.offering).values_list("online_booked", flat=True)
    )


def only_check(**expected) -> NikCheck:
    check = NikCheck.objects.get()
    for field, value in expected.items():
        assert getattr(check, field) == value, field
    return check


# Not configured: today's behaviour ----------------------------------------------------


def test_without_a_register_url_nothing_is_asked_and_nothing_recorded(settings, register, policy):
    settings.MPP_NIK_REGISTER_URL = ""
    booking = book(policy, name="Someone Else")  # no register: the name is not compared
    assert booking.status == Booking.Status.PENDING
    assert register.requests == [] and NikCheck.objects.count() == 0
    with pytest.raises(Invalid) as refused:
        book(policy, nik="1234")
    assert refused.value.code == "invalid_nik"


def test_the_format_check_comes_first_and_the_register_is_not_asked(configured, policy):
    with pytest.raises(Invalid) as refused:
        book(policy, nik="3210013102900001")  # 31 February
    assert refused.value.code == "invalid_nik"
    assert configured.requests == [] and NikCheck.objects.count() == 0


# Answers --------------------------------------------------------------------------------


def test_a_match_books_and_records_only_the_digest_and_the_outcome(configured, policy, mall):
    booking = book(policy, name="  siti   aminah ")
    assert booking.status == Booking.Status.PENDING
    assert configured.requests == [{"NIK": NIK, "NAMA_LGKP": "SITI AMINAH", "KEPERLUAN": "booking"}]
    sent = configured.headers[0]
    assert sent["authorization"] == f"Bearer {configured.key}"
    assert sent["user-agent"] == population.USER_AGENT
    check = only_check(outcome=NikCheck.Outcome.MATCH, purpose="booking", mall_id=mall.pk)
    assert check.nik_digest == nik_digest(NIK) == booking.nik_digest
    assert check.connector == "population" and 0 <= check.latency_ms < 1000


@pytest.mark.parametrize(
    ("nik", "name", "outcome"),
    [
        (NIK, "Siti Rahayu", NikCheck.Outcome.NO_MATCH),
        (NIK_UNKNOWN, NAME, NikCheck.Outcome.NO_MATCH),
        (NIK_DEAD, "Budi Santoso", NikCheck.Outcome.DECEASED),
    ],
)
def test_no_match_or_deceased_refuses_with_one_message_and_writes_no_booking(
    configured, policy, nik, name, outcome
):
    with pytest.raises(Invalid) as refused:
        book(policy, nik=nik, name=name)
    assert refused.value.code == "nik_not_verified" and refused.value.status == 422
    assert refused.value.message == REFUSAL  # the same whatever did not match
    assert Booking.objects.count() == 0 and seats_taken(policy) == 0
    only_check(outcome=outcome, nik_digest=nik_digest(nik), purpose="booking")


def test_an_application_is_checked_when_it_starts(configured, case_type):
    case = apply(case_type)
    assert case.status == Case.Status.DRAFT
    assert configured.requests[0]["KEPERLUAN"] == "case"
    only_check(outcome=NikCheck.Outcome.MATCH, purpose="case", mall_id=case_type.mall_id)
    with pytest.raises(Invalid) as refused:
        apply(case_type, nik=NIK_DEAD, name="Budi Santoso")
    assert (refused.value.code, refused.value.message) == ("nik_not_verified", REFUSAL)
    assert Case.objects.count() == 1
    assert NikCheck.objects.filter(outcome=NikCheck.Outcome.DECEASED, purpose="case").count() == 1


# The register cannot answer: the format check alone --------------------------------------


def _unavailable(policy, caplog, expect_in_log: str) -> NikCheck:
    """A booking goes through on the format check alone, recorded UNAVAILABLE, with one
    warning that says why and nothing about whom."""
    with caplog.at_level(logging.DEBUG):
        booking = book(policy, name="Ahmad Rahman")
    assert booking.status == Booking.Status.PENDING
    check = only_check(outcome=NikCheck.Outcome.UNAVAILABLE, purpose="booking")
    warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1, caplog.text
    assert expect_in_log in warnings[0].getMessage()
    assert "format check only" in warnings[0].getMessage()
    for secret in (NIK, "Ahmad", "AHMAD"):
        assert secret not in caplog.text
    return check


def test_register_down_falls_back_to_the_format_check(configured, policy, caplog):
    configured.down()
    _unavailable(policy, caplog, "ConnectError")


def test_a_5xx_falls_back_to_the_format_check(configured, policy, caplog):
    configured.fail(503)
    _unavailable(policy, caplog, "HTTP 503")
    assert len(configured.requests) == 1


def test_a_slow_register_is_given_up_after_the_timeout(settings, configured, policy, caplog):
    settings.MPP_NIK_REGISTER_TIMEOUT = 0.3
    configured.slow(3.0)
    check = _unavailable(policy, caplog, "no answer within 0.3 s")
    assert 250 <= check.latency_ms < 2500


def test_an_answer_of_unknown_shape_is_not_guessed(configured, policy, caplog):
    configured.garbage()
    _unavailable(policy, caplog, "unknown shape")


def test_a_wrong_key_is_unavailable_and_says_which_setting(settings, configured, policy, caplog):
    settings.MPP_NIK_REGISTER_KEY = "wrong"
    _unavailable(policy, caplog, "HTTP 401: check MPP_NIK_REGISTER_KEY")


def test_plain_http_to_another_machine_is_never_sent(settings, configured, policy, caplog):
    settings.MPP_NIK_REGISTER_URL = "http://register.invalid/verify"
    _unavailable(policy, caplog, "must be https")
    assert configured.requests == []


def test_a_failing_register_is_left_alone_for_a_while(configured, policy, caplog):
    configured.fail(500)
    niks = (NIK, NIK_DEAD, NIK_UNKNOWN, "3210011505900004")
    with caplog.at_level(logging.WARNING):
        for nik, slot in zip(niks, ("08:00", "09:00", "10:00", "11:00"), strict=True):
            assert book(policy, nik=nik, slot=slot).status == Booking.Status.PENDING
    # Three failures, then a pause: the fourth booking did not wait for the register.
    assert len(configured.requests) == population.PAUSE_AFTER == 3
    outcomes = list(NikCheck.objects.values_list("outcome", flat=True))
    assert outcomes == [NikCheck.Outcome.UNAVAILABLE] * 4
    assert "not asked for 30 s" in caplog.text
    configured.normal()
    population.pause_reset()  # as when the pause ends
    Booking.objects.all().delete()
    book(policy)
    assert len(configured.requests) == 4
    assert NikCheck.objects.filter(outcome=NikCheck.Outcome.MATCH).count() == 1


def test_a_broken_verifier_does_not_stop_bookings(settings, policy, caplog):
    settings.MPP_NIK_REGISTER_URL = ""

    def broken(**kwargs):
        raise RuntimeError(f"bug with {kwargs['nik']}")

    identity.nik_verifier_register(broken)
    try:
        with caplog.at_level(logging.WARNING):
            assert book(policy).status == Booking.Status.PENDING
    finally:
        identity.nik_verifier_unregister(broken)
    assert "NIK verifier failed (RuntimeError)" in caplog.text and NIK not in caplog.text


@pytest.mark.parametrize(
    ("payload", "outcome"),
    [
        ({"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (87)", "STATUS": "HIDUP"}]}, "match"),
        (
            {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Tidak Sesuai", "STATUS": "HIDUP"}]},
            "no_match",
        ),
        ({"content": [{"NIK": "Tidak Sesuai", "NAMA_LGKP": "Tidak Sesuai"}]}, "no_match"),
        (
            {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai", "STATUS": "MENINGGAL"}]},
            "deceased",
        ),
        (
            {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Tidak Sesuai", "STATUS": "MENINGGAL"}]},
            "deceased",
        ),
        ({"content": [{"RESPON": "Data Tidak Ditemukan"}]}, "no_match"),
        ({"content": [{"RESPON": "Kuota akses habis"}]}, None),
        ({"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai", "STATUS": "?"}]}, None),
        ({"content": [{"NIK": "ya", "NAMA_LGKP": "ya", "STATUS": "HIDUP"}]}, None),
        ({"content": []}, None),
        ([], None),
    ],
)
def test_outcome_of_reads_one_word_and_refuses_to_guess(payload, outcome):
    if outcome is None:
        with pytest.raises(population.RegisterUnavailable):
            population.outcome_of(payload)
    else:
        assert population.outcome_of(payload) == outcome


def test_url_rules():
    allowed = population.url_allowed
    assert allowed("https://register.example.go.id/verify")
    assert allowed("http://127.0.0.1:8080/verify") and allowed("http://localhost/verify")
    assert allowed("http://[::1]:81/verify")
    assert not allowed("http://10.0.0.5/verify") and not allowed("ftp://x/verify")
    assert not allowed("register.example.go.id/verify")


# Privacy ------------------------------------------------------------------------------------


def test_no_nik_or_name_in_the_rows_or_the_logs(configured, policy, case_type, caplog):
    with caplog.at_level(logging.DEBUG):
        book(policy)
        with pytest.raises(Invalid):
            book(policy, nik=NIK_DEAD, name="Budi Santoso")
        configured.fail(500)
        apply(case_type)
    rows = list(NikCheck.objects.values())
    assert len(rows) == 3
    for row in rows:
        text = json.dumps(row, default=str)
        for secret in (NIK, NIK_DEAD, "Siti", "SITI", "Budi", "BUDI"):
            assert secret not in text
        assert set(row) == {
            "id", "nik_digest", "purpose", "connector", "outcome", "checked_at", "latency_ms",
            "mall_id",
        }  # fmt: skip
    for secret in (NIK, NIK_DEAD, "Siti", "SITI", "Budi", "BUDI"):
        assert secret not in caplog.text


# No transaction is open while the register is asked -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_register_is_asked_outside_any_transaction(configured, policy, case_type):
    seen: list[bool] = []

    def probe(**kwargs):
        seen.append(connection.in_atomic_block)
        return None

    identity.nik_verifier_register(probe)
    try:
        book(policy)
        apply(case_type)
    finally:
        identity.nik_verifier_unregister(probe)
    assert seen == [False, False]
    assert NikCheck.objects.filter(outcome=NikCheck.Outcome.MATCH).count() == 2


# Pages and API ---------------------------------------------------------------------------


def test_booking_page_shows_the_refusal_next_to_the_nik(configured, policy):
    browser = english()
    refused = book_through_pages(browser, policy, nik=NIK_DEAD, name="Budi Santoso")
    html = refused.content.decode()
    assert refused.status_code == 422
    assert REFUSAL in html and 'id="bk-nik-error"' in html and 'aria-invalid="true"' in html
    assert NIK_DEAD not in html.replace(f'value="{NIK_DEAD}"', "")  # only in its own field
    assert Booking.objects.count() == 0
    done = book_through_pages(english(), policy, nik=NIK, name=NAME)
    assert done.status_code == 302 and Booking.objects.get().status == Booking.Status.BOOKED


def test_apply_page_shows_the_refusal_as_a_form_error(configured, case_type):
    client = english().client
    url = reverse("cases:apply_start", args=[case_type.mall.code, case_type.service.code])
    data = {"applicant_name": "Siti Rahayu", "nik": NIK, "phone": PHONE, "relation": "self",
            "consent": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 422
    assert REFUSAL in response.content.decode()
    assert Case.objects.count() == 0
    assert client.post(url, {**data, "applicant_name": NAME}).status_code == 302
    assert Case.objects.count() == 1


@pytest.mark.parametrize("idempotent", [False, True])
def test_booking_api_answers_422_nik_not_verified(client, configured, policy, idempotent):
    client.cookies["django_language"] = "en"
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if idempotent else {}
    body = {"service": policy.offering.service.code, "date": future_day(policy).isoformat(),
            "slot": "10:00", "nik": NIK, "name": "Siti Rahayu", "phone": PHONE}  # fmt: skip
    url = f"/api/v1/malls/{policy.offering.mall.code}/bookings"
    refused = post_json(client, url, body, **headers)
    assert assert_error(refused, 422, "nik_not_verified")["message"] == REFUSAL
    assert NIK not in refused.content.decode() and Booking.objects.count() == 0
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if idempotent else {}
    assert post_json(client, url, {**body, "name": NAME}, **headers).status_code == 201


def test_case_api_answers_422_nik_not_verified(client, configured, case_type, officer):
    from mpp.accounts.services import token_create

    client.cookies["django_language"] = "en"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=officer.username)}"}
    body = {"mall": case_type.mall.code, "service": case_type.service.code,
            "applicant_name": "Siti Rahayu", "nik": NIK, "phone": PHONE}  # fmt: skip
    refused = post_json(client, "/api/v1/cases", body, **auth)
    assert assert_error(refused, 422, "nik_not_verified")["message"] == REFUSAL
    assert Case.objects.count() == 0
    assert (
        post_json(client, "/api/v1/cases", {**body, "applicant_name": NAME}, **auth).status_code
        == 201
    )
