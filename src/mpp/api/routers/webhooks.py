"""Webhook endpoints (issue 13): an agency system manages its own subscriptions.

An API client (`Authorization: Bearer mppc_...`) with the "webhook.manage" operation
subscribes a URL of its system to event types of its agency's booths in its malls,
reads the delivery log (every attempt: outcome, status, latency, the answer's first
500 characters), lists the messages and asks for one message or a time range to be
sent again (same webhook id, same body). The catalogue of event types is public.

Who: answered by mpp.accounts.access ("webhook.manage"): people, whatever their role,
get 403 forbidden (subscriptions belong to an agency system, not to a person; the admin
is where staff see them). A subscription of another client is 404
subscription_not_found, as for an unknown id. The writes go through
mpp.integrations.webhooks.subscriptions; the signing secret is in the answer of the
creation and of a rotation only. Creating, rotating and replaying accept an
Idempotency-Key (a retried creation gets the same subscription and secret back).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH
from mpp.api.conditional import json_only
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.render_webhooks import (
    created_out,
    delivery_out,
    event_types_out,
    message_out,
    page,
    subscription_out,
    subscriptions_of,
)
from mpp.api.schemas import ErrorOut, ValidationErrorOut
from mpp.api.schemas_webhooks import (
    PAGE_MAX,
    DeliveryPageOut,
    EventTypeListOut,
    MessageStatusName,
    OutcomeName,
    ReplayIn,
    ReplayOut,
    SecretOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionListOut,
    SubscriptionOut,
    SubscriptionPatch,
    WebhookMessageOut,
    WebhookMessagePageOut,
)
from mpp.catalog.models import Agency, Mall, Service
from mpp.core.errors import Forbidden, Invalid, NotFound
from mpp.integrations.models import DeliveryAttempt, Subscription, WebhookMessage
from mpp.integrations.webhooks import subscriptions as services

router = Router(tags=["webhooks"])

SubscriptionId = Path(
    ..., description="The subscription's id (a UUID); unknown, malformed or another client's: 404."
)
WebhookId = Path(..., description='The message\'s webhook id ("msg_" and 32 hex digits).')
MAX_ID = 2**62
_WEBHOOK_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")

_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {**_ERRORS, 409: ErrorOut, 415: ErrorOut, 422: ValidationErrorOut | ErrorOut}


def _client(request, **kwargs):
    """The API client calling, if it may manage webhooks (else 403 forbidden)."""
    caller = request.auth
    message = _(
        "Only an agency system's API client with the webhook.manage operation manages "
        "webhook subscriptions (Authorization: Bearer mppc_...)."
    )
    access.require(caller, "webhook.manage", message=message)
    if not getattr(caller, "is_api_client", False):
        raise Forbidden(message, code="forbidden")
    return caller


def _manage_json(request, **kwargs) -> None:
    """Before an Idempotency-Key is claimed: a client that may do this, a JSON body."""
    _client(request)
    json_only(request)


def _manage(request, **kwargs) -> None:
    _client(request)


def _subscription_or_404(request, subscription_id: str) -> Subscription:
    client = _client(request)
    try:
        pk = uuid.UUID(subscription_id)
    except ValueError:
        pk = None
    subscription = subscriptions_of(client).filter(pk=pk).first() if pk else None
    if subscription is None:
        raise NotFound(
            _("No webhook subscription with this id that is yours."),
            code="subscription_not_found",
        )
    return subscription


def _refreshed(request, subscription: Subscription) -> dict:
    """The subscription as it stands after a change, read again."""
    return subscription_out(subscriptions_of(request.auth).get(pk=subscription.pk))


def _filter(model, code: str | None, label: str):
    """The mall, agency or service a filter names by its code (None: no filter)."""
    if code is None:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise Invalid(
            _("There is no %(what)s with the code %(code)s.") % {"what": label, "code": code},
            code="invalid_filter",
        )
    return found


@router.post(
    "/webhooks/subscriptions",
    response={201: SubscriptionCreatedOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="createWebhookSubscription",
)
@idempotent(SubscriptionCreatedOut, status=201, throttle=_manage_json)
def create_subscription(
    request, payload: SubscriptionIn, idempotency_key: str | None = IdempotencyKey
):
    """Subscribe a URL of the client's system to event types. 201 with the subscription
    and its signing secret (`whsec_...`, shown only now: keep it). Every delivery is a
    POST signed as Standard Webhooks v1 with a CloudEvents 1.0 body.

    422 invalid_url (not HTTPS), invalid_events (an unknown type or family, or one the
    client's operations do not cover), invalid_filter (a mall, agency or service
    outside the client's scope); 403 forbidden (not an API client with
    webhook.manage); 415 unsupported_media_type (not JSON). With an Idempotency-Key a
    retry gets the same answer back; the same key with another body: 422
    idempotency_key_reused.
    """
    client = _client(request)
    subscription, secret = services.subscription_create(
        client=client,
        url=payload.url,
        events=payload.events,
        mall=_filter(Mall, payload.mall, _("mall")),
        agency=_filter(Agency, payload.agency, _("agency")),
        service=_filter(Service, payload.service, _("service")),
        description=payload.description,
    )
    return Status(201, created_out(subscriptions_of(client).get(pk=subscription.pk), secret))


@router.get(
    "/webhooks/subscriptions",
    response={200: SubscriptionListOut, **_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="listWebhookSubscriptions",
)
def list_subscriptions(request):
    """The client's subscriptions, oldest first (never their secrets)."""
    client = _client(request)
    rows = subscriptions_of(client).order_by("created_at", "pk")
    return {"items": [subscription_out(s) for s in rows]}


@router.get(
    "/webhooks/subscriptions/{subscription_id}",
    response={200: SubscriptionOut, **_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="getWebhookSubscription",
)
def get_subscription(request, subscription_id: str = SubscriptionId):
    """A subscription: its URL, event types, filters and status (never its secret)."""
    return subscription_out(_subscription_or_404(request, subscription_id))


@router.patch(
    "/webhooks/subscriptions/{subscription_id}",
    response={200: SubscriptionOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="updateWebhookSubscription",
)
def update_subscription(request, payload: SubscriptionPatch, subscription_id: str = SubscriptionId):
    """Change the URL, the event types or the description; what is left out stays.
    Messages already written keep going to the URL of their subscription.

    422 invalid_url, invalid_events; 415 unsupported_media_type (not JSON).
    """
    subscription = _subscription_or_404(request, subscription_id)
    json_only(request)
    services.subscription_update(
        subscription=subscription,
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    return _refreshed(request, subscription)


@router.delete(
    "/webhooks/subscriptions/{subscription_id}",
    response={204: None, **_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="deleteWebhookSubscription",
)
def delete_subscription(request, subscription_id: str = SubscriptionId):
    """Delete a subscription with its messages and delivery log. 204."""
    subscription = _subscription_or_404(request, subscription_id)
    services.subscription_delete(subscription=subscription)
    return Status(204, None)


@router.post(
    "/webhooks/subscriptions/{subscription_id}/rotate-secret",
    response={200: SecretOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="rotateWebhookSecret",
)
@idempotent(SecretOut, throttle=_manage)
def rotate_secret(
    request,
    subscription_id: str = SubscriptionId,
    idempotency_key: str | None = IdempotencyKey,
):
    """A new signing secret, shown only now. The old one keeps signing (a second
    signature in webhook-signature) for 24 hours, until `previous_valid_until`: switch
    the receiver over within that time. With an Idempotency-Key a retry gets the same
    new secret back rather than rotating again.
    """
    subscription = _subscription_or_404(request, subscription_id)
    secret = services.subscription_secret_rotate(subscription=subscription)
    subscription.refresh_from_db(fields=["previous_secret_until"])
    return {"secret": secret, "previous_valid_until": subscription.previous_secret_until}


@router.post(
    "/webhooks/subscriptions/{subscription_id}/enable",
    response={200: SubscriptionOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="enableWebhookSubscription",
)
def enable_subscription(request, subscription_id: str = SubscriptionId):
    """Enable a subscription disabled after a 410 answer, too many dead letters or by an
    admin: new events are sent again. What was cancelled meanwhile is not; replay its
    time range for that. 409 client_revoked when the client was revoked."""
    subscription = _subscription_or_404(request, subscription_id)
    services.subscription_enable(subscription=subscription)
    return _refreshed(request, subscription)


class DeliveryFilters(Schema):
    outcome: OutcomeName | None = None
    before: int | None = Field(None, ge=1, le=MAX_ID, description="The `next` of the last page.")
    limit: int = Field(50, ge=1, le=PAGE_MAX)


class WebhookMessageFilters(Schema):
    status: MessageStatusName | None = None
    before: int | None = Field(None, ge=1, le=MAX_ID, description="The `next` of the last page.")
    limit: int = Field(50, ge=1, le=PAGE_MAX)


FiltersQuery = Query(...)


@router.get(
    "/webhooks/subscriptions/{subscription_id}/deliveries",
    response={200: DeliveryPageOut, **_ERRORS, 422: ValidationErrorOut},
    auth=OFFICER_AUTH,
    operation_id="listWebhookDeliveries",
)
def list_deliveries(
    request, subscription_id: str = SubscriptionId, filters: DeliveryFilters = FiltersQuery
):
    """The delivery log: every attempt, newest first, `limit` at a time; pass `next`
    as `before` for older ones. `outcome` filters (delivered, failed, timeout, gone)."""
    subscription = _subscription_or_404(request, subscription_id)
    rows = DeliveryAttempt.objects.filter(subscription=subscription).select_related("message")
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    return page(rows, delivery_out, before=filters.before, limit=filters.limit)


@router.get(
    "/webhooks/subscriptions/{subscription_id}/messages",
    response={200: WebhookMessagePageOut, **_ERRORS, 422: ValidationErrorOut},
    auth=OFFICER_AUTH,
    operation_id="listWebhookMessages",
)
def list_messages(
    request, subscription_id: str = SubscriptionId, filters: WebhookMessageFilters = FiltersQuery
):
    """The subscription's messages (one per event), newest first, `limit` at a time;
    pass `next` as `before` for older ones. `status=dead`: the ones given up."""
    subscription = _subscription_or_404(request, subscription_id)
    rows = WebhookMessage.objects.filter(subscription=subscription)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return page(rows, message_out, before=filters.before, limit=filters.limit)


def _utc(moment: dt.datetime) -> dt.datetime:
    """The instant in UTC (a time without a zone is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # an offset past the ends of the calendar
        raise _bad_range() from None


def _bad_range() -> Invalid:
    return Invalid(_("This time range cannot be replayed."), code="invalid_range")


@router.post(
    "/webhooks/subscriptions/{subscription_id}/replay",
    response={202: ReplayOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="replayWebhookMessages",
)
@idempotent(ReplayOut, status=202, throttle=_manage_json)
def replay_messages(
    request,
    payload: ReplayIn,
    subscription_id: str = SubscriptionId,
    idempotency_key: str | None = IdempotencyKey,
):
    """Send again every delivered, dead or cancelled message of events that happened in
    [from, to): the same webhook ids and bodies, in their order per subject. 202 with
    how many were queued. Unfinished ones are left alone (they are on their way).

    422 invalid_range (`to` not after `from`, more than 31 days or more than 10,000
    messages: ask for smaller ranges).
    """
    subscription = _subscription_or_404(request, subscription_id)
    start, end = _utc(payload.start), _utc(payload.end)
    try:
        queued = services.messages_replay(subscription=subscription, start=start, end=end)
    except OverflowError:  # at the ends of the calendar
        raise _bad_range() from None
    return Status(202, {"queued": queued})


@router.post(
    "/webhooks/subscriptions/{subscription_id}/messages/{webhook_id}/replay",
    response={202: WebhookMessageOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="replayWebhookMessage",
)
def replay_message(request, subscription_id: str = SubscriptionId, webhook_id: str = WebhookId):
    """Send one message again (the same webhook id and body), whatever became of it. 202
    with the message, pending again. 404 message_not_found."""
    subscription = _subscription_or_404(request, subscription_id)
    message = None
    if _WEBHOOK_ID.match(webhook_id):
        message = WebhookMessage.objects.filter(
            subscription=subscription, webhook_id=webhook_id
        ).first()
    if message is None:
        raise NotFound(
            _("No message with this webhook id in this subscription."), code="message_not_found"
        )
    return Status(202, message_out(services.message_replay(message=message)))


@router.get(
    "/webhooks/event-types",
    response={200: EventTypeListOut},
    operation_id="listWebhookEventTypes",
)
def list_event_types(request):
    """Every event type a subscription may ask for, with its description, the client
    operation it needs (null: any client) and an example of the CloudEvents envelope
    a receiver gets. Public."""
    return event_types_out()
