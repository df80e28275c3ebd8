"""`mpp worker`: send queued notifications and run periodic jobs until stopped.

Run one or more next to `mpp serve` (systemd, a container, ...). SIGTERM or SIGINT
finishes the message in hand and stops (a worker claims one message at a time, so it
holds nothing else). A worker killed outright holds at most that one message, due again
when its lease ends (MPP_OUTBOX_LEASE, docs/faults.md).
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.notifications.worker import run_once

log = logging.getLogger("mpp.notifications.worker")


class Command(BaseCommand):
    help = gettext_lazy(
        "Send queued e-mail, SMS and WhatsApp messages and run periodic jobs (such as the "
        "no-show sweep). Several workers may run at once."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs a real string (a lazy one breaks `mpp worker --help`).
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help=gettext_lazy("Run one pass, then exit.")
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help=gettext_lazy("Seconds to wait when there is nothing to send."),
        )

    def handle(self, *args, once, interval, **options):
        stop = threading.Event()

        def on_signal(signum, frame):
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            if once:
                result = run_once(should_stop=stop.is_set)
                self.stdout.write(
                    _("Sent %(sent)d, retry %(retry)d, given up %(dead)d.")
                    % {
                        "sent": len(result.sent),
                        "retry": len(result.retried),
                        "dead": len(result.dead),
                    }
                )
                return
            self._loop(stop, max(interval, 0.05))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, stop: threading.Event, interval: float) -> None:
        failures = 0
        while not stop.is_set():
            try:
                result = run_once(should_stop=stop.is_set)
                failures = 0
            except (DatabaseError, InterfaceError):
                # The database went away or restarted: reconnect on the next pass.
                failures += 1
                log.exception("worker pass failed (database)")
                connection.close()
                stop.wait(min(interval * 2**failures, 60.0))
                continue
            if not result.handled:
                stop.wait(interval)  # nothing was due; when something was, go again at once
