from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "mpp.surveys"
    verbose_name = _("Satisfaction survey (SKM)")

    def ready(self) -> None:
        from mpp.notifications.periodic import register_periodic
        from mpp.surveys.digest import EVERY_SECONDS, survey_digest_job

        # A booth's answers of each ended day, counted, for agencies' systems (webhooks).
        register_periodic("surveys.digest", EVERY_SECONDS, survey_digest_job)
