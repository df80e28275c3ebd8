"""Counter (loket) endpoints for officers' consoles of any vendor: call next, open, close.

Call-next takes an Idempotency-Key (mpp.api.idempotency): a console that lost the answer
and sends the same key again gets the first answer back, not a second call (nor
counter_busy for the ticket it has just called).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import MAX_ID, counter_or_404
from mpp.api.render import counter_out, ticket_out
from mpp.api.schemas import CounterOut, ErrorOut, TicketOut, ValidationErrorOut
from mpp.queueing import services

router = Router(tags=["officer"], auth=OFFICER_AUTH)

CounterId = Path(..., ge=1, le=MAX_ID, description="The counter's id (see listMallCounters).")
_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _counter(request, counter_id: int):
    counter = counter_or_404(counter_id)
    access.require(request.auth, "counter.operate", counter, _("You may not act at this counter."))
    return counter


@router.post(
    "/counters/{counter}/call-next",
    response={200: TicketOut, 204: None, 409: ErrorOut, **_ERRORS},
    operation_id="callNext",
)
@idempotent(TicketOut)
def call_next(request, counter: int = CounterId, idempotency_key: str | None = IdempotencyKey):
    """Call the next waiting ticket this counter serves; 204 when nobody waits.

    409 `counter_busy` while the counter still has a called or serving ticket. With the
    same Idempotency-Key again: the first answer (header Idempotent-Replayed: true).
    """
    found = _counter(request, counter)
    ticket = services.ticket_call_next(counter_id=found.pk, actor_id=request.auth.pk)
    if ticket is None:
        return Status(204, None)
    return Status(200, ticket_out(ticket))


@router.post(
    "/counters/{counter}/open",
    response={200: CounterOut, **_ERRORS},
    operation_id="openCounter",
)
def open_counter(request, counter: int = CounterId):
    """The signed-in officer takes this counter (it then counts for wait estimates)."""
    found = _counter(request, counter)
    return counter_out(services.counter_open(counter_id=found.pk, officer_id=request.auth.pk))


@router.post(
    "/counters/{counter}/close",
    response={200: CounterOut, **_ERRORS},
    operation_id="closeCounter",
)
def close_counter(request, counter: int = CounterId):
    """The counter stops taking tickets (end of shift, break)."""
    found = _counter(request, counter)
    return counter_out(services.counter_close(counter_id=found.pk, officer_id=request.auth.pk))
