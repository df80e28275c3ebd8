from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REFRESH_SECONDS = 5


class SearchConfig(AppConfig):
    name = "mpp.search"
    verbose_name = _("Service search")

    def ready(self):
        from mpp.notifications.periodic import register_periodic
        from mpp.search import signals
        from mpp.search.services import search_gaps_purge, search_index_refresh_if_due

        signals.connect()
        # catalogue changes reach the stored index in the worker, not in a search
        register_periodic("search.index_refresh", REFRESH_SECONDS, search_index_refresh_if_due)
        # unknown-word counts are kept GAP_RETENTION_DAYS (personal data: as short as useful)
        register_periodic("search.gaps_purge", 24 * 3600, search_gaps_purge)
