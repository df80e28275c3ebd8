"""The service assistant (asisten layanan): a guided chat on the web and behind a
WhatsApp/SMS webhook. Its cleanup of old conversations runs in the `mpp worker` process."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CLEANUP_SECONDS = 600


def _cleanup() -> tuple[int, int]:
    from mpp.assistant.services import assistant_cleanup

    return assistant_cleanup()


class AssistantConfig(AppConfig):
    name = "mpp.assistant"
    verbose_name = _("Service assistant")

    def ready(self):
        from mpp.notifications.periodic import register_periodic

        # Conversations silent for 30 minutes and week-old message receipts are deleted.
        register_periodic("assistant.cleanup", CLEANUP_SECONDS, _cleanup)
