from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "mpp.search"
    verbose_name = _("Service search")

    def ready(self):
        from mpp.search import signals

        signals.connect()
