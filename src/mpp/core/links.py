"""Absolute links for messages (SMS, WhatsApp, e-mail), which leave the site.

Why one function: a message can only carry a link when the installation knows where
citizens reach it (settings.MPP_PUBLIC_URL); bookings, complaints, surveys and the
assistant all build such links, and must agree on when there is none.
"""

from __future__ import annotations

from django.conf import settings


def public_base_url() -> str:
    """The address citizens reach this installation at (settings.MPP_PUBLIC_URL, no
    trailing slash), or "" when it is not configured."""
    return str(getattr(settings, "MPP_PUBLIC_URL", "") or "").rstrip("/")


def public_url(path: str) -> str:
    """`path` of this site as an absolute link, or "" without MPP_PUBLIC_URL."""
    base = public_base_url()
    return f"{base}{path}" if base else ""
