"""Catalogue endpoints: malls, the services each offers, its counters (public, read-only)."""

from __future__ import annotations

from ninja import Router

from mpp.api.lookups import mall_or_404
from mpp.api.render import counter_out, mall_out, service_out
from mpp.api.schemas import CounterOut, ErrorOut, MallCode, MallOut, ServiceOut
from mpp.catalog.selectors import counters_for_mall, mall_list, offerings_for_mall

router = Router(tags=["catalogue"])


@router.get("/malls", response=list[MallOut], operation_id="listMalls")
def list_malls(request):
    """Every mall (MPP) known to this installation."""
    return [mall_out(m) for m in mall_list()]


@router.get(
    "/malls/{mall}/services",
    response={200: list[ServiceOut], 404: ErrorOut},
    operation_id="listMallServices",
)
def list_services(request, mall: str = MallCode):
    """Services offered in a mall, with their booth, ticket letter and published standard."""
    return [service_out(o) for o in offerings_for_mall(mall_or_404(mall))]


@router.get(
    "/malls/{mall}/counters",
    response={200: list[CounterOut], 404: ErrorOut},
    operation_id="listMallCounters",
)
def list_counters(request, mall: str = MallCode):
    """Counters (loket) of a mall: whether open, and which services each serves."""
    return [counter_out(c) for c in counters_for_mall(mall_or_404(mall))]
