"""Where the cases app takes part in lower apps' work (their hooks.py registries).

Why: a citizen should meet "apply online" wherever they look at a service the mall
takes online applications for: the search result's next step (search/hooks.py), the
service page and the kiosk's start screen (catalog/hooks.py). Those apps sit below
cases and may not import it, so it registers here, on import from CasesConfig.ready.
A mall "takes applications" for a service when the offering has an open CaseType and
the mall is operating; the links lead to the pages of mpp.cases.urls (by URL name, so
nothing is shown until they are routed).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from mpp.cases.models import CaseType
from mpp.catalog.hooks import Link, mall_link_register, offering_link_register
from mpp.catalog.models import Mall
from mpp.search.hooks import offering_appliable_register


def _open_types():
    return CaseType.objects.filter(
        is_open=True, offering__is_active=True, offering__service__is_active=True
    )


def offering_appliable():
    """For a query over offerings: does this one take online applications?"""
    return Exists(CaseType.objects.filter(offering=OuterRef("pk"), is_open=True))


def _reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the pages are not routed (yet)
        return None


def apply_link(offering) -> Link | None:
    """The service page's "Apply online", when the mall takes applications for it."""
    if offering.mall.status != Mall.Status.OPERATING:
        return None
    if not _open_types().filter(offering=offering).exists():
        return None
    url = _reverse("cases:apply_start", offering.mall.code, offering.service.code)
    if url is None:
        return None
    return Link(
        kind="apply",
        label=_("Apply online"),
        url=url,
        hint=_("Fill in the form and send your documents from home, then follow your application."),
    )


def mall_apply_link(mall, where: str) -> Link | None:
    """The kiosk start screen's way to apply at this mall, when it takes any online
    application."""
    if where != "kiosk" or mall.status != Mall.Status.OPERATING:
        return None
    if not _open_types().filter(mall=mall).exists():
        return None
    url = _reverse("cases:apply_list", mall.code)
    if url is None:
        return None
    return Link(kind="apply", label=_("Apply for a service here (self-service)"), url=url)


def mall_queue_link(mall, where: str) -> Link | None:
    """The officer console's way to the applications' work queue, when the mall takes
    applications at all (the queue page checks who may see what)."""
    if where != "console" or not CaseType.objects.filter(mall=mall).exists():
        return None
    url = _reverse("cases:staff_queue")
    if url is None:
        return None
    return Link(kind="cases", label=_("Applications (work queue)"), url=url)


offering_appliable_register(offering_appliable)
offering_link_register("cases.apply", apply_link)
mall_link_register("cases.apply", mall_apply_link)
mall_link_register("cases.queue", mall_queue_link)
