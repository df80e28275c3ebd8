"""The webhooks' admin: subscriptions scoped like their clients, secrets shown once,
disable/enable/rotate, replaying a range or one message, a read-only delivery log."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.core.models import Event
from mpp.integrations.models import DeliveryAttempt, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks import subscriptions as services
from tests.factories import MallFactory, OfferingFactory, UserFactory, client_with_key

pytestmark = pytest.mark.django_db

SUBS = "/admin/integrations/subscription/"
MESSAGES = "/admin/integrations/webhookmessage/"
ATTEMPTS = "/admin/integrations/deliveryattempt/"
URL = "https://siak.example.go.id/mpp/webhook"


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    browser.cookies["django_language"] = "en"
    return browser


def secrets_on(page) -> list[str]:
    return re.findall(r'class="webhook-secret"[^>]*>(whsec_[^<]+)<', page.content.decode())


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(mall):
    user = UserFactory(username="manajer", role=Role.MALL_MANAGER, mall=mall)
    staff_sync_permissions(user=user)
    return user


@pytest.fixture
def national(db):
    user = UserFactory(username="nasional", role=Role.NATIONAL_ADMIN, mall=None)
    staff_sync_permissions(user=user)
    return user


@pytest.fixture
def own(mall, offering):
    """A client of the mall's booth's agency, at this mall only, with a subscription."""
    client, _ = client_with_key(agency=offering.booth.agency, malls=[mall], name="Own system")
    subscription, secret = services.subscription_create(
        client=client, url=URL, events=["ticket.*"], description="own"
    )
    return subscription


@pytest.fixture
def theirs(mall):
    """A client that also serves another mall: national business, not the manager's."""
    elsewhere = OfferingFactory(booth__mall=MallFactory())
    client, _ = client_with_key(
        agency=elsewhere.booth.agency, malls=[mall, elsewhere.mall], name="Shared system"
    )
    subscription, _ = services.subscription_create(
        client=client, url="https://shared.example/hook", events=["case.*"]
    )
    return subscription


def message(subscription, n: int, *, status=MessageStatus.DELIVERED, at=None) -> WebhookMessage:
    at = at or timezone.now() - dt.timedelta(hours=2)
    return WebhookMessage.objects.create(
        subscription=subscription,
        webhook_id=f"msg_{uuid.uuid4().hex}",
        event_id=n,
        event_type="ticket.called",
        subject=f"ticket/{n}",
        occurred_at=at,
        body=json.dumps({"type": "ticket.called", "subject": str(n)}),
        status=status,
        attempts=1,
        next_attempt_at=at,
    )


def _add_form(client, **extra) -> dict:
    data = {
        "client": client.pk,
        "url": URL,
        "events": "ticket.*, case.completed",
        "description": "SIAK",
        "mall": "",
        "agency": "",
        "service": "",
    }
    data.update(extra)
    return data


def test_adding_a_subscription_shows_its_secret_once(national, mall, offering):
    client, _ = client_with_key(agency=offering.booth.agency, malls=[mall])
    browser = signed_in(national)
    assert browser.get(SUBS + "add/").status_code == 200
    page = browser.post(SUBS + "add/", _add_form(client, mall=mall.pk))
    assert page.status_code == 200, page.content
    assert "no-store" in page["Cache-Control"]
    (secret,) = secrets_on(page)
    subscription = Subscription.objects.get()
    assert subscription.secret == secret
    assert subscription.events == ["ticket.*", "case.completed"]
    assert subscription.mall == mall and subscription.client == client
    assert Event.objects.filter(kind="subscription.created").count() == 1
    change = browser.get(f"{SUBS}{subscription.pk}/change/").content.decode()
    listing = browser.get(SUBS).content.decode()
    assert URL in listing and secret not in listing and secret not in change
    stored = str(list(Event.objects.values_list("data", flat=True)))
    assert secret not in stored  # neither the service's event nor the admin's audit


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"url": "http://siak.example.go.id/hook"}, "https://"),
        ({"events": "ticket.nonsense"}, "Unknown event types"),
        ({"events": ""}, "This field is required"),
    ],
)
def test_a_refused_subscription_is_a_form_error(national, mall, offering, extra, words):
    client, _ = client_with_key(agency=offering.booth.agency, malls=[mall])
    page = signed_in(national).post(SUBS + "add/", _add_form(client, **extra))
    assert page.status_code == 200
    assert words in page.content.decode()
    assert not secrets_on(page)
    assert not Subscription.objects.exists()
    assert not Event.objects.filter(kind="subscription.created").exists()


def test_a_filter_outside_the_clients_malls_is_a_form_error(national, mall, offering):
    client, _ = client_with_key(agency=offering.booth.agency, malls=[mall])
    page = signed_in(national).post(SUBS + "add/", _add_form(client, mall=MallFactory().pk))
    assert "does not serve that mall" in page.content.decode()
    assert not Subscription.objects.exists()


def test_a_manager_sees_only_subscriptions_of_their_own_clients(manager, own, theirs):
    browser = signed_in(manager)
    assert SUBS in browser.get("/admin/").content.decode()
    listing = browser.get(SUBS).content.decode()
    assert URL in listing and theirs.url not in listing
    assert browser.get(f"{SUBS}{own.pk}/change/").status_code == 200
    assert browser.get(f"{SUBS}{theirs.pk}/change/").status_code == 404
    assert browser.get(f"{SUBS}{theirs.pk}/replay/").status_code == 404
    mine, other = message(own, 1), message(theirs, 2)
    messages_page = browser.get(MESSAGES).content.decode()
    assert mine.webhook_id in messages_page and other.webhook_id not in messages_page
    assert theirs.url not in messages_page  # not even among the filter's choices
    filtered = browser.get(MESSAGES, {"subscription__id__exact": str(own.pk)}).content.decode()
    assert mine.webhook_id in filtered
    sneaky = browser.get(MESSAGES, {"subscription__id__exact": str(theirs.pk)}).content.decode()
    assert other.webhook_id not in sneaky
    attempts_page = browser.get(ATTEMPTS, {"subscription__id__exact": "junk"})
    assert attempts_page.status_code == 200
    assert browser.get(f"{MESSAGES}{other.pk}/change/").status_code == 404
    # The add form offers only the manager's own clients.
    add = browser.get(SUBS + "add/").content.decode()
    assert "Own system" in add and "Shared system" not in add


def test_booth_staff_see_no_webhooks(mall, offering, own):
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall, booth=offering.booth)
    staff_sync_permissions(user=supervisor)
    browser = signed_in(supervisor)
    assert SUBS not in browser.get("/admin/").content.decode()
    for path in (SUBS, MESSAGES, ATTEMPTS, f"{SUBS}{own.pk}/change/"):
        assert browser.get(path).status_code in (403, 404)


def test_changing_events_goes_through_the_service(national, own):
    browser = signed_in(national)
    path = f"{SUBS}{own.pk}/change/"
    page = browser.get(path).content.decode()
    assert "ticket.*" in page and own.secret not in page
    data = {"url": URL + "/v2", "events": "ticket.called ticket.finished", "description": "x"}
    response = browser.post(path, data)
    assert response.status_code == 302, response.content
    own.refresh_from_db()
    assert own.events == ["ticket.called", "ticket.finished"]
    assert own.url == URL + "/v2"
    assert Event.objects.filter(kind="subscription.updated").count() == 1
    refused = browser.post(path, {**data, "events": "bogus.thing"})
    assert refused.status_code == 200 and "Unknown event types" in refused.content.decode()
    own.refresh_from_db()
    assert own.events == ["ticket.called", "ticket.finished"]


def test_disable_enable_and_rotate(manager, own, theirs):
    waiting = message(own, 1, status=MessageStatus.PENDING)
    browser = signed_in(manager)
    both = [own.pk, theirs.pk]
    response = browser.post(
        SUBS, {"action": "disable_subscriptions", "_selected_action": both}, follow=True
    )
    assert "1 subscription disabled" in response.content.decode()
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == "disabled" and theirs.status == "active"
    assert own.disabled_reason == "Disabled by an administrator"
    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.CANCELLED

    browser.post(SUBS, {"action": "enable_subscriptions", "_selected_action": both})
    own.refresh_from_db()
    assert own.status == "active"

    old = own.secret
    page = browser.post(SUBS, {"action": "rotate_secrets", "_selected_action": both})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    (secret,) = secrets_on(page)
    own.refresh_from_db()
    assert own.secret == secret and own.previous_secret == old
    assert own.previous_secret_until > timezone.now() + dt.timedelta(hours=23)
    assert Subscription.objects.get(pk=theirs.pk).previous_secret == ""


def test_replaying_a_time_range_from_the_admin(national, own):
    now = timezone.now()
    old = message(own, 1, status=MessageStatus.DEAD, at=now - dt.timedelta(hours=3))
    outside = message(own, 2, at=now - dt.timedelta(days=3))
    browser = signed_in(national)
    change = browser.get(f"{SUBS}{own.pk}/change/").content.decode()
    assert f"{SUBS}{own.pk}/replay/" in change
    path = f"{SUBS}{own.pk}/replay/"
    assert browser.get(path).status_code == 200
    local = timezone.localtime(now)
    start = local - dt.timedelta(hours=6)
    form = {
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "end_0": local.strftime("%Y-%m-%d"),
        "end_1": local.strftime("%H:%M:%S"),
    }
    response = browser.post(path, form, follow=True)
    assert "1 message will be sent again." in response.content.decode()
    old.refresh_from_db()
    outside.refresh_from_db()
    assert old.status == MessageStatus.PENDING
    assert outside.status == MessageStatus.DELIVERED

    backwards = {**form, "start_0": form["end_0"], "end_0": start.strftime("%Y-%m-%d")}
    backwards["start_1"], backwards["end_1"] = form["end_1"], form["start_1"]
    page = browser.post(path, backwards)
    assert page.status_code == 200
    assert "must be after its start" in page.content.decode()


def test_messages_are_read_only_and_can_be_sent_again(national, own):
    dead = message(own, 1, status=MessageStatus.DEAD)
    DeliveryAttempt.objects.create(
        message=dead,
        subscription=own,
        number=1,
        started_at=timezone.now(),
        outcome="failed",
        status_code=500,
        latency_ms=12,
        response_excerpt="upstream broke",
    )
    browser = signed_in(national)
    listing = browser.get(MESSAGES, {"status__exact": "dead"}).content.decode()
    assert dead.webhook_id in listing
    page = browser.get(f"{MESSAGES}{dead.pk}/change/").content.decode()
    assert "upstream broke" in page  # the attempts inline
    assert 'name="_save"' not in page
    assert browser.post(f"{MESSAGES}{dead.pk}/change/", {}).status_code == 403
    assert browser.post(f"{MESSAGES}{dead.pk}/delete/", {"post": "yes"}).status_code == 403
    response = browser.post(
        MESSAGES, {"action": "send_again", "_selected_action": [dead.pk]}, follow=True
    )
    assert "1 message will be sent again" in response.content.decode()
    dead.refresh_from_db()
    assert dead.status == MessageStatus.PENDING
    attempts = browser.get(ATTEMPTS).content.decode()
    assert dead.webhook_id in attempts and "500" in attempts


def test_deleting_a_subscription_goes_through_the_service(national, own):
    message(own, 1)
    response = signed_in(national).post(f"{SUBS}{own.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Subscription.objects.exists() and not WebhookMessage.objects.exists()
    assert Event.objects.filter(kind="subscription.deleted").count() == 1
