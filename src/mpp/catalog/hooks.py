"""Links that apps above the catalogue add to pages about a service or a mall.

Why a hook: the service page (bookings' public pages) and the kiosk's start screen
(queueing) must offer "apply online" when a mall receives online applications for the
service, yet neither may import cases (a sibling, or a floor up: ARCHITECTURE.md). The
cases app registers at start-up (mpp.cases.hooks, from its AppConfig.ready) callables
that answer for one offering or one mall; the pages ask here and show what comes back.
Without a registration nothing is added. A link provider that fails is logged and
skipped: a page never breaks because an extra link could not be worked out.

    offering_link_register("cases.apply", fn)   # fn(offering) -> Link | None
    mall_link_register("cases.apply", fn)       # fn(mall, where) -> Link | None
    offering_links(offering) -> list[Link]
    mall_links(mall, where="kiosk") -> list[Link]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    """A next step on a page: its kind ("apply"), label and hint (translated), address."""

    kind: str
    label: str
    url: str
    hint: str = ""


OfferingLink = Callable[[object], Link | None]
MallLink = Callable[[object, str], Link | None]

_offering: dict[str, OfferingLink] = {}
_mall: dict[str, MallLink] = {}


def offering_link_register(name: str, provider: OfferingLink) -> None:
    """Add (or replace, by name) a provider of a link for a service offered at a mall."""
    _offering[name] = provider


def mall_link_register(name: str, provider: MallLink) -> None:
    """Add (or replace, by name) a provider of a link for a mall's pages; `where` says
    which page asks ("kiosk": the kiosk's start screen)."""
    _mall[name] = provider


def _collect(providers: dict, *args) -> list[Link]:
    links = []
    for name, provider in providers.items():
        try:
            link = provider(*args)
        except Exception:  # an extra link is never worth a broken page
            log.exception("link provider %s failed", name)
            continue
        if link is not None:
            links.append(link)
    return links


def offering_links(offering) -> list[Link]:
    """The registered links for this offering (a service at a mall's booth)."""
    return _collect(_offering, offering)


def mall_links(mall, where: str = "kiosk") -> list[Link]:
    """The registered links for this mall on the page `where`."""
    return _collect(_mall, mall, where)
