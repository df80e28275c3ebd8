"""Ticket endpoints: issue (registered kiosks and staff), look up, and officer actions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404, ticket_or_404
from mpp.api.render import ticket_out
from mpp.api.schemas import ErrorOut, MallCode, TicketIn, TicketOut, TransferIn, ValidationErrorOut
from mpp.bookings.services import walkin_ticket_issue
from mpp.devices.auth import DeviceKey
from mpp.devices.guard import issuer_check, issuer_throttle
from mpp.devices.models import Device
from mpp.queueing import services
from mpp.queueing.models import Source

router = Router(tags=["queue"])

TicketId = Path(..., description="The ticket's id (a UUID); unknown or malformed: 404.")

_OFFICER_RESPONSES = {
    200: TicketOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


# Who may issue: a registered kiosk of the mall (X-Device-Key), or staff of the mall or a
# national admin (API token or session). Anonymous: 401; another mall's: 403.
ISSUE_AUTH = [DeviceKey(), *OFFICER_AUTH]


def _issue_throttle(request, **kwargs) -> None:
    issuer_throttle(request.auth)  # per kiosk or staff member (mpp.devices.guard)


@router.post(
    "/malls/{mall}/tickets",
    response={
        201: TicketOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
        429: ErrorOut,
    },
    auth=ISSUE_AUTH,
    operation_id="issueTicket",
)
@idempotent(TicketOut, status=201, throttle=_issue_throttle)
def issue_ticket(
    request,
    payload: TicketIn,
    mall: str = MallCode,
    idempotency_key: str | None = IdempotencyKey,
):
    """Take a number for a service of this mall: a registered kiosk of this mall
    (`X-Device-Key: mppd_...`), or staff of this mall or a national admin (token or session).

    Without a credential: 401 unauthorized; a kiosk or staff member of another mall: 403
    forbidden. Each kiosk (and staff member) may issue a limited number per minute: 429
    rate_limited with Retry-After beyond it. Services with online booking keep walk-in and
    priority places per day; when they are used up: 409 walkin_full. A kiosk that retries
    with the same Idempotency-Key gets the first ticket back (header Idempotent-Replayed:
    true), never a second one.
    """
    mall_obj = mall_or_404(mall)
    issuer_check(request.auth, mall_obj)
    ticket = walkin_ticket_issue(
        mall=mall_obj,
        service_code=payload.service,
        priority=payload.priority,
        source=Source.API,
        actor_id=None if isinstance(request.auth, Device) else request.auth.pk,
    )
    return Status(201, ticket_out(ticket, reload=False))


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketOut, 404: ErrorOut},
    operation_id="getTicket",
)
def get_ticket(request, ticket_id: str = TicketId):
    """A ticket by its id (a random UUID, so it cannot be guessed): status, place, wait."""
    return ticket_out(ticket_or_404(ticket_id))


# Officer actions take an Idempotency-Key too: a retry with the same key gets the first
# answer back instead of 409 invalid_state (or a second recall).


def _officer_action(request, ticket_id: str, action, *, access_action="ticket.operate", **kwargs):
    """Act on a ticket the caller may act on (accounts.access): a ticket at a counter is
    that counter's business, a waiting one its booth's (another booth's officer: 403)."""
    ticket = ticket_or_404(ticket_id)
    access.require(request.auth, access_action, ticket, _("You may not act on this ticket."))
    return ticket_out(action(ticket_id=ticket.pk, actor_id=request.auth.pk, **kwargs))


@router.post(
    "/tickets/{ticket_id}/recall",
    response=_OFFICER_RESPONSES,
    auth=OFFICER_AUTH,
    operation_id="recallTicket",
)
@idempotent(TicketOut)
def recall_ticket(request, ticket_id: str = TicketId, idempotency_key: str | None = IdempotencyKey):
    """Call a called ticket again (the citizen has not come forward)."""
    return _officer_action(request, ticket_id, services.ticket_recall)


@router.post(
    "/tickets/{ticket_id}/start",
    response=_OFFICER_RESPONSES,
    auth=OFFICER_AUTH,
    operation_id="startTicket",
)
@idempotent(TicketOut)
def start_ticket(request, ticket_id: str = TicketId, idempotency_key: str | None = IdempotencyKey):
    """The citizen is at the counter: service time starts."""
    return _officer_action(request, ticket_id, services.ticket_start)


@router.post(
    "/tickets/{ticket_id}/finish",
    response=_OFFICER_RESPONSES,
    auth=OFFICER_AUTH,
    operation_id="finishTicket",
)
@idempotent(TicketOut)
def finish_ticket(request, ticket_id: str = TicketId, idempotency_key: str | None = IdempotencyKey):
    """Service done."""
    return _officer_action(request, ticket_id, services.ticket_finish)


@router.post(
    "/tickets/{ticket_id}/no-show",
    response=_OFFICER_RESPONSES,
    auth=OFFICER_AUTH,
    operation_id="noShowTicket",
)
@idempotent(TicketOut)
def no_show_ticket(
    request, ticket_id: str = TicketId, idempotency_key: str | None = IdempotencyKey
):
    """The citizen did not come after the mall's number of recalls (409 recall_first before)."""
    return _officer_action(request, ticket_id, services.ticket_no_show)


@router.post(
    "/tickets/{ticket_id}/transfer",
    response={**_OFFICER_RESPONSES, 422: ValidationErrorOut},
    auth=OFFICER_AUTH,
    operation_id="transferTicket",
)
@idempotent(TicketOut)
def transfer_ticket(
    request,
    payload: TransferIn,
    ticket_id: str = TicketId,
    idempotency_key: str | None = IdempotencyKey,
):
    """Send the ticket to another service of the mall; it keeps its original arrival time."""
    return _officer_action(
        request,
        ticket_id,
        services.ticket_transfer,
        access_action="ticket.transfer",
        service_code=payload.service,
    )
