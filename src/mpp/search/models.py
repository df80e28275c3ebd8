"""The search index of the catalogue: one processed document per service, and the index's
state (version, dirty marks).

Why tables and not only memory: documents are normalised and stemmed once, when the
catalogue changes, instead of on every query in every server process; each process keeps
an in-memory copy (mpp.search.ranking) and reloads it when the version changes. Both
SQLite and PostgreSQL store the same JSON, so both rank identically.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall, Service


class SearchDocument(models.Model):
    """One active service as the ranking sees it: its processed terms per field.

    `terms` maps a field name (mpp.search.documents.FIELDS) to its list of terms, in text
    order; `words` lists the surface words of the service's texts (lower case), the
    vocabulary typos are corrected against.
    """

    service = models.OneToOneField(
        Service,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("service"),
    )
    terms = models.JSONField(_("terms"), default=dict)
    words = models.JSONField(_("words"), default=list)
    fingerprint = models.CharField(_("analyser fingerprint"), max_length=64)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A national record (services are shared by every mall).
    mall_path = None

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document of service {self.service_id}"


class SearchIndexState(models.Model):
    """The index as a whole (one row): its generation and version, changed on every
    change, and the fingerprint of the analyser (code version + data tables) its documents
    were built with.

    A server process compares the version with its in-memory copy's on every search; a
    fingerprint unlike the running code's means the tables changed: everything is rebuilt.
    """

    generation = models.PositiveBigIntegerField(_("generation"), default=0)
    # A new random value with every change: what processes compare (a counter could come
    # back to the same value after a database is restored or a test rolled back).
    version = models.CharField(_("version"), max_length=32, blank=True)
    fingerprint = models.CharField(_("analyser fingerprint"), max_length=64, blank=True)
    rebuilt_at = models.DateTimeField(_("last full rebuild"), null=True, blank=True)

    mall_path = None

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index state")

    def __str__(self) -> str:
        return f"search index generation {self.generation}"


class SearchPending(models.Model):
    """A catalogue change not yet in the index (the dirty flag).

    Written by signal handlers in the same transaction as the change, so a change that
    is rolled back leaves no mark and a committed one is never lost (even if the process
    dies right after). The next search (or `search_index_rebuild`) applies and deletes
    the marks. Both ids empty: everything.
    """

    service_id = models.BigIntegerField(_("service"), null=True, blank=True)
    agency_id = models.BigIntegerField(_("agency"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    mall_path = None

    class Meta:
        verbose_name = _("pending index change")
        verbose_name_plural = _("pending index changes")

    def __str__(self) -> str:
        return f"pending: service {self.service_id} agency {self.agency_id}"


class SearchGap(models.Model):
    """A word citizens searched with that the search does not know, counted per mall (or
    nationally: no mall) and day.

    Why: the spelling and synonym tables should grow from what citizens really type
    (`ngocor`, `pareum`), not from what their authors guess. Why so little: a query is
    free text and can hold a name or an address (UU PDP 27/2022), so the query itself
    is never stored; only single unknown words of letters alike (3 to 24), with no IP,
    no user and no time of day, shown to staff only once seen on several days
    (selectors.search_gaps), and deleted after services.GAP_RETENTION_DAYS.
    """

    mall = models.ForeignKey(
        Mall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mall"),
    )
    day = models.DateField(_("day"))
    word = models.CharField(_("word"), max_length=32)
    searches = models.PositiveIntegerField(_("searches"), default=1)

    mall_path = "mall"

    class Meta:
        verbose_name = _("unknown search word")
        verbose_name_plural = _("unknown search words")
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "day", "word"],
                condition=models.Q(mall__isnull=False),
                name="search_gap_mall_day_word",
            ),
            models.UniqueConstraint(
                fields=["day", "word"],
                condition=models.Q(mall__isnull=True),
                name="search_gap_national_day_word",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.word} ({self.day}: {self.searches})"
