"""Catalogue changes mark the search index dirty (see mpp.search.services for why a mark).

Service: its own document. Agency: its services' documents (their agency field).
Offering: which mall offers what (the index's mall scopes). Raw saves (fixtures being
loaded) are skipped: whoever loads fixtures rebuilds the index.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from mpp.catalog.models import Agency, Offering, Service

_UID = "mpp.search"


def _service_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        from mpp.search.services import search_mark_changed

        search_mark_changed(service_id=instance.pk)


def _agency_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        from mpp.search.services import search_mark_changed

        search_mark_changed(agency_id=instance.pk)


def _offering_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        from mpp.search.services import search_mark_changed

        search_mark_changed(service_id=instance.service_id)


def connect() -> None:
    """Connect the handlers (from SearchConfig.ready)."""
    for model, handler in (
        (Service, _service_changed),
        (Agency, _agency_changed),
        (Offering, _offering_changed),
    ):
        uid = f"{_UID}:{model._meta.label}"
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}:delete")
