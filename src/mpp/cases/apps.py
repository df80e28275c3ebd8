from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "mpp.cases"
    verbose_name = _("Applications (MPP Digital)")

    def ready(self) -> None:
        # Hooks of lower apps (search next steps, kiosk links, survey) register here.
        from mpp.cases import hooks  # noqa: F401
        from mpp.cases.escalation import EVERY_SECONDS, cases_escalate
        from mpp.notifications.periodic import register_periodic

        # A working day before a case is due, its booth's supervisors hear of it (A1).
        register_periodic("cases.escalate", EVERY_SECONDS, cases_escalate)
