from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Jemput bola: the mobile service, from registered demand to the crew's offline records.

    Floor 7 of the house (ARCHITECTURE.md): it calls the services of the apps below it and
    takes part in them only through the hooks they own, registered here.
    """

    name = "mpp.outreach"
    verbose_name = _("Mobile service (jemput bola)")

    def ready(self) -> None:
        from mpp.outreach import hooks  # noqa: F401  (registers into lower apps' hooks)
