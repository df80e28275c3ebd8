"""Check-in at the kiosk: a booking code (typed or scanned) plus the last digits of the
NIK become a printed queue ticket.

Why: a citizen who booked online walks up to the kiosk and must get a number as fast as
a walk-in. The page has one big field: a USB QR scanner types the QR code's payload
("MPPB:" + code, see bookings.views) and Enter into it; on a touch kiosk without a
keyboard, an on-screen keypad of the code alphabet types into it. Without JavaScript
each key is a submit button and the server adds the character, so the keypad still
works. Then it asks for the last CHECKIN_NIK_DIGITS digits of the NIK (a second screen
with a digit keypad, the code in a hidden field), so a code bought from a tout, or read
off someone's screen, is not enough: the booking service checks the digits against a
keyed digest, counts wrong tries and locks the code after too many (bookings.proof). A
wrong code and wrong digits get the same answer. Only the kiosk's own mall's bookings are
found; then it goes to the slip page, which prints. Attempts are rate-limited per IP,
because the page is reachable from anywhere and codes must not be guessed.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.bookings.forms import code_from_scan
from mpp.bookings.proof import CHECKIN_NIK_DIGITS, tail_clean
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.services import booking_check_in
from mpp.bookings.validation import CODE_ALPHABET, CODE_LENGTH
from mpp.bookings.views.common import Problem, code_grouped, problem
from mpp.catalog.models import Mall
from mpp.catalog.pages import mall_or_404
from mpp.core.errors import DomainError
from mpp.core.ratelimit import client_ip, ratelimit_hit

CHECKIN_LIMIT = (60, 60)  # attempts per IP and seconds: a busy kiosk does a few a minute
TYPED_MAX = 40  # characters kept in the field (a scanned payload is 13)
KEY_BACK, KEY_CLEAR = "back", "clear"
DIGITS = "1234567890"
STAGE_TAIL = "tail"


def _page(
    request,
    mall: Mall,
    *,
    typed="",
    tried="",
    error=None,
    ticket=None,
    status=200,
    code=None,
):
    """The check-in screen: the code, or (with `code`) the NIK's last digits. After an
    attempt the field is empty again (`tried` shows what was sent), so the next scan is
    not appended to the last one."""
    context = {
        "mall": mall,
        "typed": typed,
        "tried": tried,
        "keys": list(DIGITS) if code else list(CODE_ALPHABET),
        "code_length": CODE_LENGTH,
        "error": error,
        "ticket": ticket,
        "kiosk_url": reverse("kiosk", kwargs={"mall": mall.code}),
        "stage": STAGE_TAIL if code else "code",
        "code": code or "",
        "code_shown": code_grouped(code) if code else "",
        "tail_digits": CHECKIN_NIK_DIGITS,
    }
    return render(request, "bookings/kiosk_check_in.html", context, status=status)


def _typed(request, field: str = "code", alphabet: str = CODE_ALPHABET, most=TYPED_MAX) -> str:
    """The field's content with the pressed key (no-JS keypad) applied."""
    typed = "".join(str(request.POST.get(field, "")).split())[:most].upper()
    key = request.POST.get("key", "")
    if key == KEY_BACK:
        return typed[:-1]
    if key == KEY_CLEAR:
        return ""
    if len(key) == 1 and key in alphabet and len(typed) < most:
        return typed + key
    return typed


@never_cache
def kiosk_check_in(request, mall: str):
    mall_obj = mall_or_404(mall)
    if mall_obj.status != Mall.Status.OPERATING:
        return render(request, "queueing/kiosk_closed.html", {"mall": mall_obj})
    if request.method != "POST":
        return _page(request, mall_obj)
    if request.POST.get("stage") == STAGE_TAIL:
        return _tail_stage(request, mall_obj)
    typed = _typed(request)
    if "key" in request.POST:  # a keypad key without JavaScript: show the field again
        return _page(request, mall_obj, typed=typed)
    code = code_from_scan(typed)
    if code is None:
        error = Problem("bad_code", _("A booking code has 8 letters and digits. Please check it."))
        return _page(request, mall_obj, tried=typed, error=error, status=422)
    return _page(request, mall_obj, code=code)  # now the NIK's last digits


def _tail_stage(request, mall_obj: Mall):
    """The second screen: the NIK's last digits for the code carried in a hidden field."""
    code = code_from_scan(str(request.POST.get("code", "")))
    if code is None:
        return _page(request, mall_obj)
    typed = _typed(request, "tail", DIGITS, CHECKIN_NIK_DIGITS)
    if "key" in request.POST:
        return _page(request, mall_obj, code=code, typed=typed)
    tail = tail_clean(typed)
    if tail is None:
        error = Problem(
            "bad_digits",
            _("Type the last %(n)d digits of your NIK, as on your KTP.")
            % {"n": CHECKIN_NIK_DIGITS},
        )
        return _page(request, mall_obj, code=code, error=error, status=422)
    limited = ratelimit_hit(
        scope="kiosk_checkin_ip",
        key=client_ip(request),
        limit=CHECKIN_LIMIT[0],
        window_seconds=CHECKIN_LIMIT[1],
    )
    if not limited.allowed:
        error = Problem(
            "rate_limited",
            _("Too many attempts. Please try again in %(seconds)d seconds.")
            % {"seconds": limited.retry_after},
        )
        return _page(request, mall_obj, tried=code_grouped(code), error=error, status=429)
    try:
        ticket = booking_check_in(code=code, mall=mall_obj, nik_tail=tail)
    except DomainError as exc:
        return _refused(request, mall_obj, code, exc)
    return redirect(reverse("ticket-print", args=[ticket.secret]) + "?autoprint=1")


def _refused(request, mall: Mall, code: str, exc: DomainError):
    ticket = None
    error = problem(exc)
    if exc.code == "booking_not_found":
        error = Problem(
            exc.code,
            _(
                "This booking code and these NIK digits do not match a booking at this "
                "mall. Please check both."
            ),
        )
    elif exc.code == "invalid_state":
        booking = booking_by_code(code, None)
        if booking is not None and booking.mall_id == mall.pk and booking.ticket_id:
            ticket = booking.ticket  # already checked in: show the ticket it got
            error = Problem(exc.code, _("This booking is already checked in."))
        else:
            error = Problem(exc.code, exc.message)
    return _page(
        request, mall, tried=code_grouped(code), error=error, ticket=ticket, status=exc.status
    )
