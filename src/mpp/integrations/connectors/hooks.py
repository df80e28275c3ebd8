"""Where the connectors take part in lower apps: the event log, the worker, the checks.

Why: a submitted application must be handed to the agency's system without the cases
app knowing any agency system. So, registered once from mpp.integrations.hooks:

- the event listener "connectors": for case.submitted (and booking.created or
  booking.confirmed, for connectors that take bookings) at a booth whose agency an
  enabled connector serves, an ExternalRecord due now, in the same transaction
  (sync.records_create). Any other event returns at once without a query, and so does
  every event while no connector is enabled;
- the drain "connectors" of `mpp worker`: pushes due records (sync.push_due);
- the periodic job "connectors.pull": pulls the agency's statuses and moves the cases
  (sync.pull_job);
- the system check mpp.integrations.E001: MPP_CONNECTORS names classes that load.
"""

from __future__ import annotations

from django.core import checks

from mpp.core.events import event_listener_register
from mpp.core.models import Event
from mpp.integrations.connectors import sync
from mpp.integrations.connectors.registry import check_connectors, connectors
from mpp.notifications.periodic import register_periodic
from mpp.notifications.worker import register_drain

# Event kinds that hand a subject to the connectors that take it.
TRIGGERS = {
    "case.submitted": "case",
    "booking.created": "booking",
    "booking.confirmed": "booking",
}
PULL_JOB_SECONDS = 60  # how often the worker looks for records due a pull


def on_event(event: Event) -> None:
    """The listener: records to push for a submitted case (or a new booking)."""
    subject_type = TRIGGERS.get(event.kind)
    if subject_type is None:
        return
    active = [c for c in connectors() if subject_type in c.subjects]
    if not active:
        return
    sync.records_create(
        subject_type=subject_type,
        subject_id=event.subject_id,
        active=active,
        now=event.occurred_at,
        again=bool((event.data or {}).get("resubmitted")),
    )


def register() -> None:
    """Register into the lower apps' hooks (called once from mpp.integrations.hooks)."""
    event_listener_register("connectors", on_event)
    register_drain("connectors", sync.push_due)
    register_periodic("connectors.pull", PULL_JOB_SECONDS, sync.pull_job)
    checks.register(check_connectors, "mpp")
