"""`mpp serve`: run MPP over ASGI with uvicorn (the board streams server-sent events)."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.core.commands import MppCommand


def display_host(host: str) -> str:
    """A host a browser can open: a wildcard bind address shows as 127.0.0.1."""
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host


def proxy_options() -> dict:
    """uvicorn's proxy settings from MPP_TRUSTED_PROXIES: X-Forwarded-For and
    X-Forwarded-Proto are believed only from those addresses (uvicorn's own default
    believes 127.0.0.1, so anything on the machine could claim any client address);
    with none trusted, the headers are ignored."""
    trusted = list(getattr(settings, "MPP_TRUSTED_PROXIES", []) or [])
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def serve(*, host: str, port: int, workers: int = 1) -> None:
    """Run uvicorn on mpp.asgi:application until interrupted."""
    import os

    import uvicorn

    # WhiteNoise warns at start-up when STATIC_ROOT is missing (nothing collected yet).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

    # Each worker loads the search index at start-up, not in a citizen's first search.
    os.environ["MPP_WARM_SEARCH"] = "1"
    uvicorn.run(
        "mpp.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # paths carry citizens' secrets (core.logsafe); Django logs errors
        **proxy_options(),
    )


class Command(MppCommand):
    help = gettext_lazy(
        "Serve MPP with uvicorn (ASGI). More than one worker needs REDIS_URL, so that "
        "display boards served by every worker receive the same updates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help=gettext_lazy("Address to bind."))
        parser.add_argument("--port", type=int, default=8000, help=gettext_lazy("Port to bind."))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=gettext_lazy("Worker processes (more than one needs REDIS_URL)."),
        )

    def handle(self, *args, host, port, workers, **options):
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write(
                _(
                    "Warning: %(n)d workers without REDIS_URL: a display board only sees "
                    "tickets handled by its own worker."
                )
                % {"n": workers}
            )
        if not settings.PRODUCTION:
            self.stderr.write(
                _(
                    "Demo profile: keys generated and kept in %(var)s, any host name "
                    "accepted, no HTTPS. A real installation sets MPP_ENV=production "
                    "(docs/production.md)."
                )
                % {"var": settings.VAR_DIR}
            )
        url = f"http://{display_host(host)}:{port}/"
        self.stdout.write(_("Serving MPP on %(url)s (Ctrl+C to stop)") % {"url": url})
        serve(host=host, port=port, workers=workers)
