"""Turning catalogue and queue records into the API's response dicts.

Kept apart from the handlers so every endpoint that returns a ticket (issue,
lookup, each officer action) returns the very same shape.
"""

from __future__ import annotations

from mpp.catalog.models import Counter, Mall, Offering
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import ticket_estimate, ticket_get


def _texts(value) -> list[str]:
    """A JSON list of steps or requirements as strings (tolerates odd stored values)."""
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, str) else str(item) for item in value]


def mall_out(mall: Mall) -> dict:
    return {
        "code": mall.code,
        "name": mall.name,
        "regency_code": mall.regency_id,
        "regency_name": mall.regency.name,
        "province_code": mall.regency.province_code,
        "inaugurated_on": mall.inaugurated_on,
        "status": mall.status,
        "timezone": mall.timezone,
    }


def service_out(offering: Offering) -> dict:
    service = offering.service
    agency = service.agency
    return {
        "code": service.code,
        "name": service.name,
        "description": service.description,
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "short_name": agency.short_name,
            "kind": agency.kind,
        },
        "booth": offering.booth.name,
        "ticket_prefix": offering.booth.ticket_prefix,
        "requirements": _texts(service.requirements),
        "procedure": _texts(service.procedure),
        "completion_time": service.completion_time,
        "fee": service.fee,
        "fee_basis": service.fee_basis,
        "fee_varies": service.fee_varies,
        "product": service.product,
        "legal_basis": service.legal_basis,
        "complaint_channel": service.complaint_channel,
        "channels": service.channels,
    }


def counter_out(counter: Counter) -> dict:
    """A counter; uses prefetched offerings (with service) when present."""
    if "offerings" in getattr(counter, "_prefetched_objects_cache", {}):
        offerings = counter.offerings.all()
    else:
        offerings = counter.offerings.select_related("service")
    return {
        "id": counter.pk,
        "number": counter.number,
        "name": str(counter),
        "booth": counter.booth.name if counter.booth_id else None,
        "is_open": counter.is_open,
        "services": [o.service.code for o in offerings if o.is_active],
    }


def ticket_out(ticket: Ticket, *, reload: bool = True) -> dict:
    """A ticket with its place in the queue, read fresh from the database.

    reload=False: `ticket` is the instance a service has just created, with its mall and
    offering (service, booth) loaded; reading it again would only cost a six-table join.
    """
    fresh = (ticket_get(ticket.pk) if reload else None) or ticket
    estimate = ticket_estimate(fresh)
    counter = fresh.counter
    return {
        "id": fresh.pk,
        "number": fresh.number,
        "service": fresh.offering.service.code,
        "service_name": fresh.offering.service.name,
        "priority": fresh.priority,
        "status": fresh.status,
        "mall": fresh.mall.code,
        "issued_at": fresh.issued_at,
        "called_at": fresh.called_at,
        "started_at": fresh.started_at,
        "finished_at": fresh.finished_at,
        "counter_number": counter.number if counter else None,
        "counter_name": str(counter) if counter else None,
        "recall_count": fresh.recall_count,
        "position": estimate.position,
        "people_ahead": estimate.ahead,
        "estimated_wait_minutes": estimate.minutes,
        # No survey token here: staff learn ticket ids from call-next, and whoever holds
        # the token can answer in the citizen's place. The citizen's ticket page (its own
        # secret address) is the only place that hands it out (docs/survey-privacy.md).
    }
