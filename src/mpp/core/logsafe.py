"""Secrets in addresses never reach a log line.

Why: a citizen's booking code, the secret of their ticket page and a complaint's tracking
code are bearer secrets (whoever has one acts as the citizen), and some sit in the
addresses citizens open: /booking/<code>/, /t/<secret>/. Django logs every 4xx and 5xx
with its path ("Not Found: /booking/…/"), and a server's access log writes every path. So
the one log handler of the project (settings.LOGGING) passes each record through
`SecretPaths`, which replaces the segment after such a prefix with "***" before the line
is written. Staff never put codes in addresses (they act on internal ids), so only these
citizen prefixes need it.
"""

from __future__ import annotations

import logging
import re

# The path segments that are secrets: /booking/<code>/…, /api/v1/bookings/<code>/…,
# /t/<ticket secret>/…, /cases/<application number>/…
SECRET_SEGMENT = re.compile(r"(/(?:booking|bookings|t|cases)/)[^/\s?#\"']+")
HIDDEN = "***"


def redact(text: str) -> str:
    """`text` with every secret path segment replaced by ***."""
    return SECRET_SEGMENT.sub(lambda m: m.group(1) + HIDDEN, text)


class SecretPaths(logging.Filter):
    """A handler filter: the record's message with its secret path segments hidden.

    The message is rendered once here (msg % args) and kept as plain text, so no handler
    or formatter after this one can put the secret back in.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
