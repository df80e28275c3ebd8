"""Find the mall, counter or ticket a URL names, or raise a 404 domain error.

Path values come straight from the client, so they are checked before they reach
the database (PostgreSQL refuses NUL bytes, SQLite refuses integers beyond 64 bits).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from mpp.catalog.models import Counter, Mall
from mpp.catalog.selectors import counter_get, mall_get
from mpp.core.errors import NotFound
from mpp.queueing.models import Ticket
from mpp.queueing.selectors import ticket_get

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
MAX_ID = 2**63 - 1


def mall_or_404(code: str) -> Mall:
    mall = mall_get(code) if _SLUG.match(code or "") else None
    if mall is None:
        raise NotFound(_("Mall not found."), code="mall_not_found")
    return mall


def counter_or_404(counter_id: int) -> Counter:
    counter = counter_get(counter_id) if 0 < counter_id <= MAX_ID else None
    if counter is None:
        raise NotFound(_("Counter not found."), code="counter_not_found")
    return counter


def ticket_or_404(ticket_id: str) -> Ticket:
    ticket = ticket_get(ticket_id)  # None for a malformed id
    if ticket is None:
        raise NotFound(_("Ticket not found."), code="ticket_not_found")
    return ticket
