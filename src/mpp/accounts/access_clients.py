"""The access rule for API clients: where an agency's system may do what it may do.

Why a module of its own: mpp.accounts.access is the one rule; its table has a column
for API clients (access.CLIENT_RULES, scope ``agency``), and this module answers that
column for objects and querysets, so that access.allowed() and access.restrict() agree
for clients as they do for people (tests/accounts/test_access_clients.py).

An agency's system (mpp.integrations.models.ApiClient) acts only at booths of its own
agency in its own malls: a row whose booth is another agency's, a row of another mall,
a row without a booth and whatever the mall's booths share (a counter without a booth,
the tickets at it, the mall itself) are refused. ``webhook.manage`` is different: a
client manages its own subscriptions and their messages, nobody else's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mpp.accounts import access as rule

# For webhook.manage: the lookup from a row to the API client it belongs to.
CLIENT_PATHS = {
    "integrations.apiclient": "pk",
    "integrations.apiclientkey": "client",
    "integrations.subscription": "client",
    "integrations.webhookmessage": "subscription__client",
    "integrations.deliveryattempt": "subscription__client",
}


def _label(model) -> str:
    meta = getattr(model, "_meta", None)  # an access.Place has none
    return meta.label_lower if meta is not None else ""


def agency_q(model, agency_id: int) -> Q | None:
    """Rows of `model` at a booth of agency `agency_id`; None when rows have no booth.
    What a mall's booths share (a counter without a booth, tickets at it) is no
    agency's."""
    label = _label(model)
    if label == "catalog.counter":
        return Q(booth__agency_id=agency_id)
    if label == "queueing.ticket":  # at a counter: the counter's; waiting: its service's
        return Q(counter__isnull=True, offering__booth__agency_id=agency_id) | Q(
            counter__booth__agency_id=agency_id
        )
    path = rule.booth_path(model)
    if path is None:
        return None
    return Q(agency_id=agency_id) if path == "pk" else Q(**{f"{path}__agency_id": agency_id})


def _agency_of_booth(obj, booth_id: int) -> int | None:
    """The agency of booth `booth_id`, from `obj` when it holds that booth already."""
    booth = obj if _label(type(obj)) == "catalog.booth" else None
    cache = getattr(getattr(obj, "_state", None), "fields_cache", {})
    if booth is None and cache.get("booth") is not None:
        booth = cache["booth"]
    if booth is not None and booth.pk == booth_id:
        return booth.agency_id
    from mpp.catalog.models import Booth

    return Booth.objects.filter(pk=booth_id).values_list("agency_id", flat=True).first()


def client_allowed(client, action: str, obj) -> bool:
    """May `client` (whose scope for `action` is ``agency``) do `action` on `obj`? Its
    own webhook rows for webhook.manage; else a row at a booth of its agency in one of
    its malls."""
    if action == rule.WEBHOOK:
        path = CLIENT_PATHS.get(_label(type(obj)))
        return path is not None and rule._walk(obj, path) == client.pk
    where = rule.place_of(obj)
    if where.mall_id not in client.mall_ids or where.booth_id in (None, rule.SHARED):
        return False
    return _agency_of_booth(obj, where.booth_id) == client.agency_id


def client_restrict(queryset: models.QuerySet, client, action: str) -> models.QuerySet:
    """The rows of `queryset` client_allowed() lets through, as a queryset."""
    model = queryset.model
    if action == rule.WEBHOOK:
        path = CLIENT_PATHS.get(_label(model))
        return queryset.filter(**{path: client.pk}) if path else queryset.none()
    path, where = rule.mall_path(model), agency_q(model, client.agency_id)
    if path is None or where is None:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": sorted(client.mall_ids)}).filter(where)
