"""This process's copy of the search index, kept in step with the database.

On every search: one small query reads the index's version, its fingerprint and
whether catalogue changes are pending. Pending changes (or an index built with other
data tables, or none at all) are applied first (mpp.search.services); a version unlike
the copy's reloads the copy. Everything else is served from memory.
"""

from __future__ import annotations

import threading

from django.db.models import Exists

from mpp.catalog.models import Mall, Offering
from mpp.search.models import SearchDocument, SearchIndexState, SearchPending
from mpp.search.ranking import Snapshot, snapshot_build
from mpp.search.services import STATE_ID, search_index_refresh
from mpp.search.text import fingerprint, tables
from mpp.search.typos import Corrector

CHUNK = 500  # documents read from the database at a time while loading
_lock = threading.Lock()
_current: tuple[Snapshot, Corrector] | None = None


def _state() -> tuple[str, str, bool] | None:
    """(version, fingerprint, whether changes are pending) of the stored index, or None."""
    return (
        SearchIndexState.objects.filter(pk=STATE_ID)
        .annotate(pending=Exists(SearchPending.objects.values("pk")))
        .values_list("version", "fingerprint", "pending")
        .first()
    )


def _load(version: str, stamp: str) -> Snapshot:
    # Streamed in chunks: a national catalogue's decoded documents would otherwise all be
    # held at once (300 MB for 25,000 services) just to be turned into flat arrays.
    documents = (
        SearchDocument.objects.filter(service__is_active=True)
        .order_by("service_id")
        .values_list("service_id", "service__code", "service__name", "terms", "words")
        .iterator(chunk_size=CHUNK)
    )
    offerings = (
        Offering.objects.filter(is_active=True, service__is_active=True)
        .values_list("mall_id", "service_id")
        .iterator(chunk_size=CHUNK * 4)
    )
    malls = Mall.objects.values_list("pk", "code", "name", "regency_id")
    return snapshot_build(
        version=version, fingerprint=stamp, documents=documents, offerings=offerings, malls=malls
    )


def current() -> tuple[Snapshot, Corrector]:
    """The up-to-date index and its typo corrector (applies pending changes first)."""
    global _current
    state = _state()
    if state is None or state[2] or state[1] != fingerprint():
        search_index_refresh()
        state = _state()
    version, stamp = (state[0], state[1]) if state else ("", "")
    held = _current
    if held is not None and held[0].version == version and held[0].fingerprint == stamp:
        return held
    with _lock:
        held = _current
        if held is None or held[0].version != version or held[0].fingerprint != stamp:
            snapshot = _load(version, stamp)
            t = tables()
            corrector = Corrector(snapshot.vocabulary, targets=t.targets, known=t.known)
            held = (snapshot, corrector)
            _current = held
    return held


def forget() -> None:
    """Drop this process's copy (tests; the next search reloads it)."""
    global _current
    with _lock:
        _current = None
