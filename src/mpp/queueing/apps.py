from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EXPIRE_PAST_DAYS_SECONDS = 900


def _expire_past_days() -> int:
    from mpp.queueing.dayend import tickets_expire_past_days

    return tickets_expire_past_days()


class QueueingConfig(AppConfig):
    name = "mpp.queueing"
    verbose_name = _("Walk-in queue")

    def ready(self):
        from mpp.notifications.periodic import register_periodic

        # Tickets nobody closed at the end of a day expire in the worker the day after.
        register_periodic("queueing.expire_past_days", EXPIRE_PAST_DAYS_SECONDS, _expire_past_days)
