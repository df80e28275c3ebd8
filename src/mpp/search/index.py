"""This process's copy of the search index, kept in step with the database.

On every search: one small query reads the index's version, its fingerprint and
whether catalogue changes are pending. Everything else is served from memory.

When the stored index is ahead of the copy (pending catalogue changes, an analyser
change, or another version), who brings the copy up to date depends on its size:

* a small catalogue (at most `settings.MPP_SEARCH_INLINE_MAX` services, default 2,000:
  a mall, a province; loading takes tens of milliseconds) is refreshed and reloaded at
  once, inside the search, so the next answer already reflects the change;
* a large one (a national installation: 25,000 services load in 1.4-2.8 s, and an
  analyser change rebuilds every document, 6-13 s) keeps answering from the copy it
  holds while one background thread of the process applies the changes and loads the
  new copy, then swaps it in. No citizen's request waits for it.

With no copy at all (a new process) the first search loads it; `warm()` does that ahead
of time (`mpp serve` calls it in each worker process at start-up). `mpp worker` applies
pending catalogue changes every few seconds (services.search_index_refresh_if_due), so
searches rarely find any to apply.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections
from django.db.models import Exists

from mpp.catalog.models import Mall, Offering
from mpp.search.models import SearchDocument, SearchIndexState, SearchPending
from mpp.search.ranking import Snapshot, snapshot_build
from mpp.search.services import STATE_ID, search_index_refresh
from mpp.search.text import fingerprint, tables
from mpp.search.typos import Corrector

log = logging.getLogger(__name__)

CHUNK = 500  # documents read from the database at a time while loading
INLINE_MAX = 2000  # default of settings.MPP_SEARCH_INLINE_MAX
_lock = threading.Lock()  # held while a copy is loaded (one load at a time)
_current: tuple[Snapshot, Corrector] | None = None
_reloader: threading.Thread | None = None  # the background reload running, if any
_reloader_lock = threading.Lock()  # never held while loading: a search must not wait


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


def _work_pending(state) -> bool:
    """Whether the stored index must be refreshed first: never built, catalogue changes
    pending, or built with other data tables."""
    return state is None or state[2] or state[1] != fingerprint()


def _stale(state, held) -> bool:
    """Whether the stored index is ahead of the copy held (or has work pending)."""
    if _work_pending(state):
        return True
    return held is None or held[0].version != state[0] or held[0].fingerprint != state[1]


def _bring_up_to_date() -> tuple[Snapshot, Corrector]:
    """Apply pending changes, then load the stored index unless the copy held is it."""
    global _current
    state = _state()
    if _work_pending(state):
        search_index_refresh()
        state = _state()
    version, stamp = (state[0], state[1]) if state else ("", "")
    with _lock:
        held = _current
        if held is None or held[0].version != version or held[0].fingerprint != stamp:
            snapshot = _load(version, stamp)
            t = tables()
            held = (snapshot, Corrector(snapshot.vocabulary, targets=t.targets, known=t.known))
            _current = held
    return held


def _reload_in_background() -> None:
    """Start one background reload of this process's copy (none if one is running)."""
    global _reloader
    with _reloader_lock:
        if _reloader is not None and _reloader.is_alive():
            return
        _reloader = threading.Thread(target=_reload, name="mpp-search-reload", daemon=True)
        _reloader.start()


def _reload() -> None:
    try:
        _bring_up_to_date()
    except Exception:  # the old copy keeps serving; the next search tries again
        log.exception("search index reload failed")
    finally:
        connections.close_all()  # this thread's own connections


def current() -> tuple[Snapshot, Corrector]:
    """The index and its typo corrector: up to date for a small catalogue; for a large
    one, the copy held while a newer one loads in the background (see the module)."""
    held = _current
    if not _stale(_state(), held):
        return held
    inline_max = getattr(settings, "MPP_SEARCH_INLINE_MAX", INLINE_MAX)
    if held is None or held[0].size <= inline_max:
        return _bring_up_to_date()
    _reload_in_background()
    return held


def warm() -> None:
    """Load this process's copy now (a server worker at start-up), so that no citizen's
    search pays for it. Errors are logged, not raised: the first search tries again."""
    try:
        _bring_up_to_date()
    except Exception:
        log.exception("search index warm-up failed")


def warm_in_background() -> threading.Thread:
    """warm() in a thread of its own, which closes its database connections after."""

    def run() -> None:
        try:
            warm()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="mpp-search-warm", daemon=True)
    thread.start()
    return thread


def reload_wait(timeout: float | None = None) -> bool:
    """Wait for a background reload to finish (tests, benchmarks); True if none runs."""
    reloader = _reloader
    if reloader is not None:
        reloader.join(timeout)
        return not reloader.is_alive()
    return True


def forget() -> None:
    """Drop this process's copy (tests; the next search reloads it)."""
    global _current
    reload_wait()
    with _lock:
        _current = None
