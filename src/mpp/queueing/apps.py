from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EXPIRE_PAST_DAYS_SECONDS = 900
EXPIRE_REMOTE_SECONDS = 120


def _expire_past_days() -> int:
    from mpp.queueing.dayend import tickets_expire_past_days

    return tickets_expire_past_days()


def _expire_remote() -> int:
    from mpp.queueing.remote import remote_tickets_expire

    return remote_tickets_expire()


class QueueingConfig(AppConfig):
    name = "mpp.queueing"
    verbose_name = _("Walk-in queue")

    def ready(self):
        from mpp.notifications.periodic import register_periodic

        # Tickets nobody closed at the end of a day expire in the worker the day after.
        register_periodic("queueing.expire_past_days", EXPIRE_PAST_DAYS_SECONDS, _expire_past_days)
        # Phone tickets not checked in by their time (reads already show them expired).
        register_periodic("queueing.expire_remote", EXPIRE_REMOTE_SECONDS, _expire_remote)
