"""API v1 app; it registers the daily clean-up of expired idempotency keys (`mpp worker`)."""

from django.apps import AppConfig

IDEMPOTENCY_PURGE_SECONDS = 3600  # keys live 24 hours; dropped within the hour after


def _purge_idempotency_keys() -> int:
    from mpp.core.idempotency import idempotency_purge

    return idempotency_purge()


class ApiConfig(AppConfig):
    name = "mpp.api"

    def ready(self):
        from mpp.notifications.periodic import register_periodic

        register_periodic(
            "core.idempotency_purge", IDEMPOTENCY_PURGE_SECONDS, _purge_idempotency_keys
        )
