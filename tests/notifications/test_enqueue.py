"""message_enqueue: the outbox row, deduplication, validation, and no network call."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from mpp.core.errors import Invalid
from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from tests.notifications.conftest import PHONE
from tests.notifications.gateway import gateway_server


@pytest.mark.django_db
def test_enqueue_writes_a_pending_row_due_now(context):
    before = timezone.now()
    message = message_enqueue(
        channel="sms", recipient=PHONE, template="booking_confirmed", context=context
    )
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 0
    assert message.language == "id"
    assert message.context == context
    assert before <= message.not_before == message.next_attempt_at <= timezone.now()
    assert message.dedupe_key is None


@pytest.mark.django_db
def test_not_before_sets_the_first_due_time(context):
    later = timezone.now() + dt.timedelta(hours=20)
    message = message_enqueue(
        channel="email",
        recipient="warga@example.id",
        template="booking_reminder",
        context=context,
        not_before=later,
    )
    assert message.not_before == later and message.next_attempt_at == later


@pytest.mark.django_db
def test_same_dedupe_key_returns_the_first_message(context):
    first = message_enqueue(
        channel="sms",
        recipient=PHONE,
        template="booking_reminder",
        context=context,
        dedupe_key="booking:1:reminder",
    )
    again = message_enqueue(
        channel="sms",
        recipient=PHONE,
        template="booking_reminder",
        context={**context, "time": "10:00-11:00"},
        dedupe_key="booking:1:reminder",
    )
    other = message_enqueue(
        channel="sms",
        recipient=PHONE,
        template="booking_reminder",
        context=context,
        dedupe_key="booking:2:reminder",
    )
    assert again.pk == first.pk and again.context["time"] == "09:00-10:00"
    assert other.pk != first.pk
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_messages_without_key_are_never_deduplicated(context):
    for _ in range(2):
        message_enqueue(
            channel="sms", recipient=PHONE, template="booking_confirmed", context=context
        )
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueues_with_one_key_make_one_message(context):
    """Two transactions enqueue the same key at once: the second waits for the first
    (PostgreSQL: on the unique index; SQLite: at BEGIN IMMEDIATE), gets the first's
    row, and its own transaction stays usable (a savepoint absorbed the conflict)."""
    inserted, results = threading.Event(), {}

    def enqueue():
        return message_enqueue(
            channel="sms",
            recipient=PHONE,
            template="booking_confirmed",
            context=context,
            dedupe_key="booking:7:confirmed",
        )

    def first():
        try:
            with transaction.atomic():
                results["first"] = enqueue().pk
                inserted.set()
                time.sleep(0.5)  # the second is now waiting on us
        finally:
            connection.close()

    def second():
        inserted.wait(5)
        try:
            with transaction.atomic():
                results["second"] = enqueue().pk
                results["count_inside"] = Message.objects.count()
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results["first"] == results["second"]
    assert results["count_inside"] == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_message_exists_only_if_the_callers_transaction_commits(context):
    with pytest.raises(RuntimeError), transaction.atomic():
        message_enqueue(
            channel="sms", recipient=PHONE, template="booking_confirmed", context=context
        )
        raise RuntimeError("the booking failed")
    assert Message.objects.count() == 0
    with transaction.atomic():
        message_enqueue(
            channel="sms", recipient=PHONE, template="booking_confirmed", context=context
        )
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_request_path_never_calls_the_gateway(context, settings):
    """With a gateway that would hang for 5 s, enqueueing still returns at once."""
    with gateway_server(delay=5.0) as gw:
        settings.MPP_SMS_GATEWAY_URL = gw.url
        started = time.monotonic()
        with transaction.atomic():
            for channel in ("sms", "whatsapp"):
                message_enqueue(
                    channel=channel, recipient=PHONE, template="booking_confirmed", context=context
                )
        elapsed = time.monotonic() - started
        assert elapsed < 4.0  # less than the gateway's 5 s: it was not waited for
        assert gw.requests == []
    assert Message.objects.filter(status=Status.PENDING).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"channel": "fax"},
        {"template": "no_such_template"},
        {"template": "_details"},
        {"template": "../booking_confirmed"},
        {"recipient": "081234567890"},  # not E.164
        {"recipient": "+62 812"},
        {"channel": "email", "recipient": "not-an-address"},
        {"context": {"nik": "3210010101900001"}},
        {"context": {"when": object()}},
        {"context": {"language": "fr"}},
        {"not_before": dt.datetime(2026, 12, 1, 9, 0)},  # naive
    ],
)
def test_bad_input_is_invalid_and_writes_nothing(kwargs, context):
    args = {
        "channel": "sms",
        "recipient": PHONE,
        "template": "booking_confirmed",
        "context": context,
        **kwargs,
    }
    with pytest.raises(Invalid):
        message_enqueue(**args)
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_language_comes_from_the_context(context):
    message = message_enqueue(
        channel="email",
        recipient="warga@example.id",
        template="booking_confirmed",
        context={**context, "language": "en"},
    )
    assert message.language == "en"


@pytest.mark.django_db
def test_messages_enqueue_writes_all_in_one_insert_and_skips_known_keys(context):
    from django.test.utils import CaptureQueriesContext

    from mpp.notifications.services import messages_enqueue

    first = message_enqueue(
        channel="sms", recipient=PHONE, template="booking_confirmed", context=context,
        dedupe_key="k:1",
    )  # fmt: skip
    specs = [
        {"channel": "sms", "recipient": PHONE, "template": "booking_confirmed",
         "context": context, "dedupe_key": key}
        for key in ("k:1", "k:2", "k:3")
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        assert messages_enqueue(messages=specs) == 3
    inserts = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    keys = sorted(Message.objects.values_list("dedupe_key", flat=True))
    assert keys == ["k:1", "k:2", "k:3"]
    assert Message.objects.get(dedupe_key="k:1").pk == first.pk  # kept, not replaced


@pytest.mark.django_db
def test_messages_enqueue_checks_every_message_before_writing_any(context):
    from mpp.notifications.services import messages_enqueue

    good = {"channel": "sms", "recipient": PHONE, "template": "booking_confirmed",
            "context": context}  # fmt: skip
    bad = {**good, "recipient": "0812"}
    with pytest.raises(Invalid):
        messages_enqueue(messages=[good, bad])
    assert Message.objects.count() == 0
