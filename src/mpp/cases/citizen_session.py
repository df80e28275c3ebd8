"""Which cases the person at this browser may see: the ones they opened or started here.

Why: a case holds personal data (answers, documents), and its number alone is no proof
(it is printed on receipts and read out at counters). A citizen proves a case once, by
starting it here or by giving its number with the last four digits of the NIK (or, C2, a
one-time code sent to the phone); from then on the session remembers the case's id, so
the case's own pages (/cases/<number>/...) carry nothing secret in their address. The
phone sign-in stores the phone's keyed digest in the session, and every case with that
digest is the citizen's too. The session (a server-side store, the cookie holds only its
key) is the only place this is kept; nothing personal is written to it.
"""

from __future__ import annotations

SESSION_KEY = "cases_open"
PHONE_KEY = "citizen_phone_digest"
# A shared kiosk or a family phone may open a few cases; older grants fall off first.
MAX_CASES = 20


def _granted(request) -> list[str]:
    value = request.session.get(SESSION_KEY)
    return [str(v) for v in value] if isinstance(value, list) else []


def grant(request, case) -> None:
    """Remember that this browser proved `case` (its id only, never its number or NIK)."""
    key = str(case.pk)
    opened = [v for v in _granted(request) if v != key]
    opened.append(key)
    request.session[SESSION_KEY] = opened[-MAX_CASES:]


def forget(request, case) -> None:
    """Stop showing `case` to this browser (a kiosk hands the screen to the next person)."""
    key = str(case.pk)
    opened = _granted(request)
    if key in opened:
        request.session[SESSION_KEY] = [v for v in opened if v != key]


def may_see(request, case) -> bool:
    """True when this browser opened `case`, or signed in with the case's phone number."""
    if case is None:
        return False
    if str(case.pk) in _granted(request):
        return True
    digest = request.session.get(PHONE_KEY)
    return bool(digest) and bool(case.phone_digest) and digest == case.phone_digest
