"""Writes of webhook subscriptions: create, change, rotate the secret, disable, enable,
delete, and send messages again.

Why services: a subscription sends an agency's records out of the installation, so the
rules live in one place whatever the caller (API, admin): the URL is HTTPS (plain HTTP
only to this machine, and only when allowed for development), the event types and the
mall/agency/service filters lie within what the client may read, the secret is made
here and shown only once (at creation and rotation), and every change is written to
the event log, never with a secret. Disabling cancels the messages not yet sent and
tells the client's contact; a replay puts already finished messages back in the queue
with their own id and body, so receivers can recognise them.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.core.errors import Conflict, Invalid
from mpp.core.events import event_record
from mpp.integrations.models import (
    UNFINISHED,
    ApiClient,
    MessageStatus,
    Subscription,
    WebhookMessage,
)
from mpp.integrations.webhooks import signing
from mpp.integrations.webhooks.catalogue import patterns_check

URL_MAX = Subscription._meta.get_field("url").max_length
DESCRIPTION_MAX = Subscription._meta.get_field("description").max_length
REASON_MAX = Subscription._meta.get_field("disabled_reason").max_length
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
REPLAY_DAYS_MAX = 31
REPLAY_MESSAGES_MAX = 10_000
ROTATE_OVERLAP_MAX = dt.timedelta(days=7)
REPLAYABLE = (MessageStatus.DELIVERED, MessageStatus.DEAD, MessageStatus.CANCELLED)


# Checks ----------------------------------------------------------------------------------


def _bad_url(message: str) -> Invalid:
    return Invalid(message, code="invalid_url")


def url_check(url: str) -> str:
    """The receiver's URL, trimmed, or Invalid invalid_url.

    HTTPS only. Plain HTTP only to this machine (localhost, 127.0.0.1, [::1]) and only
    with settings.MPP_WEBHOOK_ALLOW_HTTP (development and tests). No user or password in
    the URL (they would be logged and shown), no fragment."""
    url = str(url or "").strip()
    if not url:
        raise _bad_url(_("Give the URL that receives the webhooks."))
    if len(url) > URL_MAX:
        raise _bad_url(_("The URL is too long: at most %(n)d characters.") % {"n": URL_MAX})
    try:
        URLValidator(schemes=["https", "http"])(url)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except (ValidationError, ValueError):
        raise _bad_url(_("This is not a valid URL.")) from None
    if parts.username or parts.password:
        raise _bad_url(_("Do not put a user name or password in the URL."))
    if parts.fragment:
        raise _bad_url(_("The URL must not have a fragment (#...)."))
    if parts.scheme == "https":
        return url
    if host in LOCAL_HOSTS and settings.MPP_WEBHOOK_ALLOW_HTTP:
        return url
    raise _bad_url(_("The URL must start with https://."))


def _description_clean(description) -> str:
    text = str(description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise Invalid(
            _("The description is too long: at most %(n)d characters.") % {"n": DESCRIPTION_MAX},
            code="invalid_description",
        )
    return text


def _bad_filter(message: str) -> Invalid:
    return Invalid(message, code="invalid_filter")


def _filters_check(client: ApiClient, mall, agency, service) -> None:
    """The filters must lie within the client's scope: its malls, its agency."""
    if mall is not None and mall.pk not in client.mall_ids:
        raise _bad_filter(_("This client does not serve that mall."))
    if agency is not None and agency.pk != client.agency_id:
        raise _bad_filter(_("A client may only filter by its own agency."))
    if service is not None and service.agency_id != client.agency_id:
        raise _bad_filter(_("This service is not one of the client's agency."))


def _client_usable(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise Conflict(
            _("This API client is revoked; it cannot have webhook subscriptions."),
            code="client_revoked",
        )


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=subscription.pk)
    )


def _sync(target: Subscription, source: Subscription) -> None:
    """Bring the caller's instance up to date with what was saved."""
    if target is not source:
        for f in Subscription._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))


def _event(subscription: Subscription, verb: str, **data) -> None:
    """The change in the log: ids, event types and filters; never a secret or the URL's
    path and query (they may hold the receiver's own token)."""
    event_record(
        kind=f"subscription.{verb}",
        subject_type="subscription",
        subject_id=subscription.pk,
        mall_id=subscription.mall_id,
        data={"client_id": subscription.client_id, **data},
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "")[:100]


# Services --------------------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *,
    client: ApiClient,
    url: str,
    events: list[str],
    mall=None,
    agency=None,
    service=None,
    description: str = "",
) -> tuple[Subscription, str]:
    """A new active subscription of `client`, and its signing secret (shown only now)."""
    _client_usable(client)
    url = url_check(url)
    patterns = patterns_check(events, client)
    _filters_check(client, mall, agency, service)
    secret = signing.secret_new()
    subscription = Subscription.objects.create(
        client=client,
        url=url,
        events=patterns,
        description=_description_clean(description),
        mall=mall,
        agency=agency,
        service=service,
        secret=secret,
    )
    _event(
        subscription,
        "created",
        host=_host(url),
        events=patterns,
        agency_id=subscription.agency_id,
        service_id=subscription.service_id,
    )
    return subscription, secret


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
) -> Subscription:
    """Change the URL, the event types or the description (None: keep it)."""
    locked = _locked(subscription)
    changed = []
    if url is not None:
        locked.url = url_check(url)
        changed.append("url")
    if events is not None:
        locked.events = patterns_check(events, locked.client)
        changed.append("events")
    if description is not None:
        locked.description = _description_clean(description)
        changed.append("description")
    if changed:
        locked.save(update_fields=changed)
        _event(locked, "updated", changed=changed, host=_host(locked.url), events=locked.events)
    _sync(subscription, locked)
    return locked


@transaction.atomic
def subscription_secret_rotate(
    *, subscription: Subscription, overlap: dt.timedelta = dt.timedelta(hours=24)
) -> str:
    """A new signing secret (returned, shown once); the current one keeps signing too
    until now + `overlap` (0 to 7 days), so the receiver can switch without a gap."""
    if not isinstance(overlap, dt.timedelta) or not (
        dt.timedelta(0) <= overlap <= ROTATE_OVERLAP_MAX
    ):
        raise Invalid(_("The overlap must be between 0 and 7 days."), code="invalid_overlap")
    locked = _locked(subscription)
    secret = signing.secret_new()
    now = timezone.now()
    locked.previous_secret = locked.secret if overlap else ""
    locked.previous_secret_until = now + overlap if overlap else None
    locked.secret = secret
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    _event(
        locked,
        "secret_rotated",
        previous_valid_until=locked.previous_secret_until.isoformat() if overlap else None,
    )
    _sync(subscription, locked)
    return secret


def _notice(subscription: Subscription, reason: str) -> None:
    """Tell the client's contact (webhooks.dispatch.notice_contact, once it exists)."""
    from mpp.integrations.webhooks import dispatch

    notice = getattr(dispatch, "notice_contact", None)
    if notice is not None:
        notice(subscription=subscription, template="webhook_disabled", context={"reason": reason})


@transaction.atomic
def subscription_disable(*, subscription: Subscription, reason: str) -> Subscription:
    """Stop a subscription: nothing more is sent, and its messages not yet sent are
    cancelled (a replay can bring them back). The client's contact is told. Disabling
    a disabled subscription changes nothing."""
    reason = str(reason or "").strip()[:REASON_MAX]
    if not reason:
        raise Invalid(_("Give the reason for disabling."), code="reason_required")
    locked = _locked(subscription)
    if locked.status == Subscription.Status.DISABLED:
        _sync(subscription, locked)
        return locked
    now = timezone.now()
    locked.status = Subscription.Status.DISABLED
    locked.disabled_reason = reason
    locked.disabled_at = now
    locked.save(update_fields=["status", "disabled_reason", "disabled_at"])
    cancelled = WebhookMessage.objects.filter(subscription=locked, status__in=UNFINISHED).update(
        status=MessageStatus.CANCELLED
    )
    _event(locked, "disabled", reason=reason, cancelled=cancelled)
    _notice(locked, reason)
    _sync(subscription, locked)
    return locked


@transaction.atomic
def subscription_enable(*, subscription: Subscription) -> Subscription:
    """Send again from now on (what was cancelled stays so: replay a range for it)."""
    locked = _locked(subscription)
    _client_usable(locked.client)
    if locked.status != Subscription.Status.ACTIVE:
        locked.status = Subscription.Status.ACTIVE
        locked.disabled_reason = ""
        locked.disabled_at = None
        locked.paused_until = None
        locked.save(update_fields=["status", "disabled_reason", "disabled_at", "paused_until"])
        _event(locked, "enabled")
    _sync(subscription, locked)
    return locked


@transaction.atomic
def subscription_delete(*, subscription: Subscription) -> None:
    """Remove the subscription with its messages and delivery log."""
    locked = _locked(subscription)
    _event(locked, "deleted", host=_host(locked.url))
    locked.delete()


def _replayable(locked: Subscription) -> None:
    _client_usable(locked.client)
    if locked.status != Subscription.Status.ACTIVE:
        raise Conflict(
            _("This subscription is disabled; enable it before sending messages again."),
            code="subscription_disabled",
        )


def _bad_range(message: str) -> Invalid:
    return Invalid(message, code="invalid_range")


@transaction.atomic
def messages_replay(*, subscription: Subscription, start: dt.datetime, end: dt.datetime) -> int:
    """Send again the finished messages (delivered, given up or cancelled) of events that
    happened in [start, end): same webhook id, same body, attempts kept. At most 31 days
    and 10,000 messages at once. Returns how many were queued."""
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        raise _bad_range(_("Give the start and end of the range as date and time."))
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise _bad_range(_("Give the range's times with their time zone."))
    if end <= start:
        raise _bad_range(_("The end of the range must be after its start."))
    if end - start > dt.timedelta(days=REPLAY_DAYS_MAX):
        raise _bad_range(_("Replay at most %(n)d days at once.") % {"n": REPLAY_DAYS_MAX})
    locked = _locked(subscription)
    _replayable(locked)
    rows = WebhookMessage.objects.filter(
        subscription=locked, occurred_at__gte=start, occurred_at__lt=end, status__in=REPLAYABLE
    )
    count = rows.count()
    if count > REPLAY_MESSAGES_MAX:
        raise _bad_range(
            _("The range holds %(count)d messages; replay at most %(n)d at once.")
            % {"count": count, "n": REPLAY_MESSAGES_MAX}
        )
    if count:
        count = rows.update(
            status=MessageStatus.PENDING, next_attempt_at=timezone.now(), delivered_at=None
        )
    _event(locked, "replayed", start=start.isoformat(), end=end.isoformat(), queued=count)
    return count


@transaction.atomic
def message_replay(*, message: WebhookMessage) -> WebhookMessage:
    """Send one message again now (same webhook id and body). A message waiting for a
    retry is tried now; one being sent is left to its dispatcher."""
    subscription = _locked(message.subscription)
    _replayable(subscription)
    locked = WebhookMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status == MessageStatus.SENDING:
        return locked
    locked.status = MessageStatus.PENDING
    locked.next_attempt_at = timezone.now()
    locked.delivered_at = None
    locked.save(update_fields=["status", "next_attempt_at", "delivered_at"])
    _event(subscription, "message_replayed", webhook_id=locked.webhook_id)
    return locked
