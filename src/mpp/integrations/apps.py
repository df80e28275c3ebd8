from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Agency systems: API clients, signed webhooks and connectors to agency back ends.

    The top floor next to insights (ARCHITECTURE.md): it reads the event log and calls
    the domain apps' services; no domain app imports it. It takes part in lower apps
    only through the hooks they own, registered here.
    """

    name = "mpp.integrations"
    verbose_name = _("Agency systems")

    def ready(self) -> None:
        from mpp.integrations import hooks  # noqa: F401  (registers into lower apps' hooks)
