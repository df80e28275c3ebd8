"""What apps above the search tell it about a service offered in a mall.

Why a hook: the search sits on the queueing floor (ARCHITECTURE.md) and must not import
bookings, one floor up; yet a result's "book" step needs to know whether an offering can
be booked online. Bookings registers at start-up (its AppConfig.ready) a factory of a
query expression answering that for an Offering row (OuterRef("pk") is the offering);
without one, no offering is bookable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import BooleanField, Expression, Value

_bookable: Callable[[], Expression] | None = None


def offering_bookable_register(factory: Callable[[], Expression]) -> None:
    """Say how to tell, in a query over offerings, whether one is bookable online."""
    global _bookable
    _bookable = factory


def offering_bookable() -> Expression:
    """The registered expression, or False for every offering."""
    return _bookable() if _bookable is not None else Value(False, output_field=BooleanField())
