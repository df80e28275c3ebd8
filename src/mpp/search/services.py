"""Writes of the search index: rebuild it, apply pending catalogue changes, mark changes;
and the counts of words the search does not know (search_gaps_record).

How the index follows the catalogue (a dirty flag, not transaction.on_commit): a save or
delete of a Service, Agency or Offering writes a SearchPending row in the same
transaction (mpp.search.signals). The next search sees the mark and applies it before
ranking (`search_index_refresh`: rebuilds the documents of the services concerned and
changes the version, so every process reloads its copy). Why: the mark commits or rolls
back with the change itself, so nothing is lost when a process dies between commit and
an on-commit hook, and nothing is indexed that was rolled back. `mpp worker` applies
the marks every few seconds (search_index_refresh_if_due); a small catalogue's search
applies them itself (mpp.search.index). Bulk writes that send no signals
(queryset.update, bulk_create) must call `search_index_rebuild()` themselves, as the
demo loader does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from mpp.catalog.models import Offering, Service
from mpp.search.documents import document_build
from mpp.search.models import SearchDocument, SearchGap, SearchIndexState, SearchPending
from mpp.search.text import fingerprint

STATE_ID = 1


def _state_locked() -> SearchIndexState:
    """The index state row, locked until the end of the transaction (made if missing)."""
    state = SearchIndexState.objects.select_for_update().filter(pk=STATE_ID).first()
    if state is None:
        try:
            with transaction.atomic():
                SearchIndexState.objects.create(pk=STATE_ID)
        except IntegrityError:
            pass  # another process made it meanwhile
        state = SearchIndexState.objects.select_for_update().get(pk=STATE_ID)
    return state


def _documents_write(service_ids: set[int] | None) -> int:
    """(Re)write the documents of these services (None: all); drop those of services that
    are gone or inactive. Returns how many documents were written."""
    services = Service.objects.select_related("agency__regency").filter(is_active=True)
    stale = SearchDocument.objects.all()
    if service_ids is not None:
        services = services.filter(pk__in=service_ids)
        stale = stale.filter(service_id__in=service_ids)
    stale.delete()
    stamp = fingerprint()
    rows = []
    for service in services.order_by("pk"):
        terms, words = document_build(service)
        rows.append(SearchDocument(service=service, terms=terms, words=words, fingerprint=stamp))
    SearchDocument.objects.bulk_create(rows, batch_size=200)
    return len(rows)


def _bump(state: SearchIndexState, *, full: bool) -> None:
    state.generation = F("generation") + 1
    state.version = uuid.uuid4().hex
    state.fingerprint = fingerprint()
    fields = ["generation", "version", "fingerprint"]
    if full:
        state.rebuilt_at = timezone.now()
        fields.append("rebuilt_at")
    state.save(update_fields=fields)


@transaction.atomic
def search_index_rebuild(*, mall_id: int | None = None) -> int:
    """Rebuild the index: every active service, or those offered in one mall.

    Called by the demo loader and after bulk catalogue writes; safe to run any time.
    Returns the number of documents written.
    """
    state = _state_locked()
    if mall_id is None:
        written = _documents_write(None)
        SearchPending.objects.all().delete()
    else:
        ids = set(Offering.objects.filter(mall_id=mall_id).values_list("service_id", flat=True))
        written = _documents_write(ids)
        SearchPending.objects.filter(service_id__in=ids).delete()
    _bump(state, full=mall_id is None)
    return written


@transaction.atomic
def search_index_refresh() -> bool:
    """Apply the pending catalogue changes; rebuild everything when the analyser changed
    or the index was never built. Returns whether anything was done."""
    state = _state_locked()
    if state.fingerprint != fingerprint():
        _documents_write(None)
        SearchPending.objects.all().delete()
        _bump(state, full=True)
        return True
    marks = list(SearchPending.objects.values_list("pk", "service_id", "agency_id"))
    if not marks:
        return False
    if any(service is None and agency is None for _, service, agency in marks):
        _documents_write(None)
    else:
        ids = {service for _, service, _ in marks if service is not None}
        agencies = {agency for _, _, agency in marks if agency is not None}
        if agencies:
            ids |= set(Service.objects.filter(agency_id__in=agencies).values_list("pk", flat=True))
        _documents_write(ids)
    SearchPending.objects.filter(pk__in=[pk for pk, _, _ in marks]).delete()
    _bump(state, full=False)
    return True


def search_mark_changed(*, service_id: int | None = None, agency_id: int | None = None) -> None:
    """Note a catalogue change for the index (both None: everything). Called by signals,
    inside the transaction of the change."""
    SearchPending.objects.create(service_id=service_id, agency_id=agency_id)


def search_index_refresh_if_due() -> bool:
    """search_index_refresh when there is something to do, checked with plain reads
    first (an idle `mpp worker` runs this every few seconds and must not take SQLite's
    write lock each time). Returns whether anything was done."""
    stamp = (
        SearchIndexState.objects.filter(pk=STATE_ID).values_list("fingerprint", flat=True).first()
    )
    if stamp == fingerprint() and not SearchPending.objects.exists():
        return False
    return search_index_refresh()


GAP_RETENTION_DAYS = 90
GAP_WORDS_MAX = 5  # unknown words counted per search (a pasted text counts little)
_GAP_UPSERT = (
    "INSERT INTO search_searchgap (mall_id, day, word, searches) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT {target} DO UPDATE SET searches = search_searchgap.searches + 1"
)
_GAP_TARGET_MALL = "(mall_id, day, word) WHERE mall_id IS NOT NULL"
_GAP_TARGET_NATIONAL = "(day, word) WHERE mall_id IS NULL"


@transaction.atomic
def search_gaps_record(*, mall_id: int | None, words: Sequence[str]) -> int:
    """Count a search's unknown words (SearchResult.unknown_words) for today, in one mall
    or nationally. One upsert per word (an atomic increment: parallel searches never lose
    a count). Returns how many words were counted."""
    words = [w for w in dict.fromkeys(words) if w.isalpha() and 3 <= len(w) <= 24]
    words = words[:GAP_WORDS_MAX]
    if not words:
        return 0
    today = timezone.localdate()
    target = _GAP_TARGET_NATIONAL if mall_id is None else _GAP_TARGET_MALL
    sql = _GAP_UPSERT.format(target=target)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(mall_id, today, word) for word in words])
    return len(words)


def search_gaps_purge() -> int:
    """Delete the counts older than GAP_RETENTION_DAYS (a daily job of `mpp worker`)."""
    oldest = timezone.localdate() - dt.timedelta(days=GAP_RETENTION_DAYS)
    deleted, _ = SearchGap.objects.filter(day__lt=oldest).delete()
    return deleted
