"""Shared parts of the complaint pages: the mall, the services to choose from, the
attachment download, the "too many attempts" page.

Why: an attachment (a photo of a receipt, a letter) can hold personal data, so it is
never a public file: it is streamed by a view only after the caller proved the tracking
code or is staff who see the complaint, with headers that keep a browser from running
anything in it.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall
from mpp.catalog.selectors import offerings_for_mall
from mpp.complaints.models import Complaint
from mpp.complaints.validation import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES
from mpp.core.ratelimit import RateLimitResult

# A POST larger than this is refused before Django reads it (the attachment's limit
# plus room for the form's text).
POST_MAX_BYTES = ATTACHMENT_MAX_BYTES + 256 * 1024


def service_groups(mall: Mall) -> list[tuple[str, list[tuple[str, str]]]]:
    """The mall's services grouped by booth: [(booth name, [(code, name), ...]), ...]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for offering in offerings_for_mall(mall):
        groups.setdefault(offering.booth.name, []).append(
            (offering.service.code, offering.service.name)
        )
    return list(groups.items())


def service_choices(groups) -> list[tuple[str, str]]:
    return [item for _booth, items in groups for item in items]


def too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > POST_MAX_BYTES
    except ValueError:
        return True


def too_many(request, result: RateLimitResult, *, back_url: str, template_base: str = ""):
    """The friendly 429 page: wait N seconds, then try again."""
    response = render(
        request,
        "complaints/too_many.html",
        {"seconds": result.retry_after, "back_url": back_url, "kiosk": template_base == "kiosk"},
        status=429,
    )
    response["Retry-After"] = str(result.retry_after)
    return response


def serve_attachment(complaint: Complaint) -> FileResponse:
    """The complaint's attachment as a download the browser does not execute."""
    kind = complaint.attachment_type
    if not complaint.attachment or kind not in ATTACHMENT_TYPES:
        raise Http404(_("This complaint has no attachment."))
    try:
        handle = complaint.attachment.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("This complaint has no attachment.")) from None
    response = FileResponse(
        handle,
        content_type=ATTACHMENT_TYPES[kind],
        as_attachment=kind == "pdf",
        filename=f"lampiran-pengaduan.{kind}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
