"""The outbox admin: national admins only, read-only, recipients masked, requeue action."""

import pytest

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.core.models import Event
from mpp.notifications.admin import email_mask
from mpp.notifications.models import Message, Status
from mpp.notifications.services import message_enqueue
from tests.factories import MallFactory, UserFactory
from tests.notifications.conftest import PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff(username, role, **extra):
    user = UserFactory(username=username, role=role, **extra)
    staff_sync_permissions(user=user)
    return user


@pytest.fixture
def messages(context):
    sms = message_enqueue(
        channel="sms", recipient=PHONE, template="booking_confirmed", context=context
    )
    email = message_enqueue(
        channel="email",
        recipient="warga.majalengka@example.id",
        template="booking_confirmed",
        context=context,
    )
    return sms, email


def test_national_admin_sees_masked_recipients(client, messages):
    sms, email = messages
    client.force_login(staff("nasional", Role.NATIONAL_ADMIN))
    page = client.get("/admin/notifications/message/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "0812****7890" in html and "w***@example.id" in html
    assert PHONE not in html and "warga.majalengka" not in html
    detail = client.get(f"/admin/notifications/message/{sms.pk}/change/")
    assert detail.status_code == 200
    assert PHONE not in detail.content.decode()


def test_mall_staff_do_not_see_messages(client, messages):
    mall = MallFactory()
    client.force_login(staff("manager", Role.MALL_MANAGER, mall=mall))
    assert client.get("/admin/notifications/message/").status_code == 403
    assert "/admin/notifications/" not in client.get("/admin/").content.decode()


def test_nobody_adds_or_changes_messages(client, messages):
    sms, _ = messages
    client.force_login(staff("nasional", Role.NATIONAL_ADMIN))
    assert client.get("/admin/notifications/message/add/").status_code == 403
    assert client.post(f"/admin/notifications/message/{sms.pk}/delete/").status_code == 403
    client.post(f"/admin/notifications/message/{sms.pk}/change/", {"recipient": "+62811"})
    sms.refresh_from_db()
    assert sms.recipient == PHONE


def test_requeue_action_sends_given_up_messages_again(client, messages):
    sms, email = messages
    Message.objects.filter(pk=sms.pk).update(status=Status.DEAD, attempts=8)
    client.force_login(staff("nasional", Role.NATIONAL_ADMIN))
    page = client.post(
        "/admin/notifications/message/",
        {"action": "requeue", "_selected_action": [sms.pk, email.pk]},
    )
    assert page.status_code == 302
    sms.refresh_from_db()
    email.refresh_from_db()
    assert sms.status == Status.PENDING and sms.attempts == 0
    assert email.status == Status.PENDING  # untouched: it was not given up


def test_email_mask():
    assert email_mask("warga@example.id") == "w***@example.id"
    assert email_mask("broken") == "***"


def test_national_admin_lists_given_up_messages_and_resends_them(client, context):
    dead = [
        message_enqueue(
            channel="sms", recipient=PHONE, template="booking_reminder", context=context
        )
        for _ in range(3)
    ]
    alive = message_enqueue(
        channel="sms", recipient="+6281299990000", template="booking_confirmed", context=context
    )
    Message.objects.filter(pk__in=[m.pk for m in dead]).update(
        status=Status.DEAD, attempts=8, last_error="no gateway configured"
    )
    admin_user = staff("nasional", Role.NATIONAL_ADMIN)
    client.force_login(admin_user)

    page = client.get("/admin/notifications/message/", {"status__exact": "dead"})
    assert page.status_code == 200
    listed = [m.pk for m in page.context["cl"].result_list]
    assert sorted(listed) == sorted(m.pk for m in dead)
    html = page.content.decode()
    assert "no gateway configured" in html and "0812****7890" in html
    assert PHONE not in html and "+6281299990000" not in html

    # One, then the rest: each requeue is logged with the admin as actor.
    client.post(
        "/admin/notifications/message/",
        {"action": "requeue", "_selected_action": [dead[0].pk]},
    )
    client.post(
        "/admin/notifications/message/",
        {"action": "requeue", "_selected_action": [m.pk for m in dead[1:]] + [alive.pk]},
    )
    assert Message.objects.filter(status=Status.DEAD).count() == 0
    assert set(
        Message.objects.filter(pk__in=[m.pk for m in dead]).values_list("status", "attempts")
    ) == {(Status.PENDING, 0)}
    events = Event.objects.filter(kind="message.requeued")
    assert sorted(int(e.subject_id) for e in events) == sorted(m.pk for m in dead)
    assert {e.actor_id for e in events} == {admin_user.pk}
    assert all(PHONE not in str(e.data) for e in events)
    page = client.get("/admin/notifications/message/", {"status__exact": "dead"})
    assert list(page.context["cl"].result_list) == []
