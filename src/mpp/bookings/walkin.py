"""Walk-in tickets within the walk-in and priority places a booking policy keeps.

Why: a service with online booking splits each slot's capacity between online,
walk-in and priority groups, so that online booking cannot eat the places of people
who just walk in, and walk-ins cannot overrun the day either. Services without an
enabled policy issue walk-in tickets without a quota.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from mpp.bookings.models import BookingPolicy
from mpp.bookings.selectors import priority_left, walkin_left
from mpp.catalog.models import Mall, Offering
from mpp.core.errors import Conflict
from mpp.queueing.models import Priority, Source, Ticket
from mpp.queueing.services import ticket_issue


@transaction.atomic
def walkin_ticket_issue(
    *,
    mall: Mall,
    service_code: str,
    priority: str = Priority.REGULAR,
    source: str = Source.KIOSK,
    actor_id: int | None = None,
) -> Ticket:
    """Issue a walk-in ticket, within the day's walk-in (or priority) places.

    Only offerings with an enabled booking policy have a walk-in quota; when it is
    used up, Conflict walkin_full. The policy row is locked while counting, so two
    kiosks cannot both take the last place. Otherwise queueing.ticket_issue as is.
    """
    offering = (
        Offering.objects.filter(mall=mall, service__code=service_code, is_active=True)
        .select_related("service")
        .first()
    )
    policy = (
        BookingPolicy.objects.select_for_update().filter(offering=offering, is_enabled=True).first()
        if offering is not None
        else None
    )
    if policy is not None:
        offering.mall = mall
        day = mall.today()
        is_priority = priority in Priority.values and priority != Priority.REGULAR
        left = priority_left(offering, day) if is_priority else walkin_left(offering, day)
        if left is not None and left <= 0:
            message = (
                _("No priority places are left today for this service.")
                if is_priority
                else _("No walk-in places are left today for this service.")
            )
            raise Conflict(message, code="walkin_full")
    return ticket_issue(
        mall=mall, service_code=service_code, priority=priority, source=source, actor_id=actor_id
    )
