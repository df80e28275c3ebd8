"""What apps above the search tell it about a service offered in a mall.

Why a hook: the search sits on the queueing floor (ARCHITECTURE.md) and must not import
bookings, one floor up; yet a result's "book" step needs to know whether an offering can
be booked online. Bookings registers at start-up (its AppConfig.ready) a factory of a
query expression answering that for an Offering row (OuterRef("pk") is the offering);
without one, no offering is bookable. Likewise, cases registers (mpp.cases.hooks) an
expression saying whether a mall receives online applications for an offering: the
result's "apply" step then leads to the mall's own application page instead of the
agency's site.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import BooleanField, Expression, Value

_bookable: Callable[[], Expression] | None = None
_appliable: Callable[[], Expression] | None = None


def offering_bookable_register(factory: Callable[[], Expression]) -> None:
    """Say how to tell, in a query over offerings, whether one is bookable online."""
    global _bookable
    _bookable = factory


def offering_bookable() -> Expression:
    """The registered expression, or False for every offering."""
    return _bookable() if _bookable is not None else Value(False, output_field=BooleanField())


def offering_appliable_register(factory: Callable[[], Expression]) -> None:
    """Say how to tell, in a query over offerings, whether one takes online applications
    at the mall itself (OuterRef("pk") is the offering)."""
    global _appliable
    _appliable = factory


def offering_appliable() -> Expression:
    """The registered expression, or False for every offering."""
    return _appliable() if _appliable is not None else Value(False, output_field=BooleanField())
