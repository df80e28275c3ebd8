"""Shared parts of the citizen's application pages: the case of a page (only for the
browser that proved it), the language, the plain sentence of a refusal, the "too many
attempts" page, and the reads the pages need about what one may apply for.

Why: every page under /cases/<number>/ must refuse a browser that has not opened the
case, and must refuse it the same way whether the number exists or not (a number is no
secret, but which numbers exist should not be learnt by trying them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.cases import citizen_session
from mpp.cases.forms import OpenForm
from mpp.cases.models import Case, CaseDocument, CaseType, Channel
from mpp.cases.numbers import number_display
from mpp.cases.selectors import case_by_number
from mpp.core.ratelimit import RateLimitResult

# The statuses in which the citizen still writes: the answers and documents pages.
EDITABLE = (Case.Status.DRAFT, Case.Status.RETURNED)
# What a citizen may download of their case: what they sent and the product.
CITIZEN_KINDS = (CaseDocument.Kind.SUBMITTED, CaseDocument.Kind.OUTPUT)
STEPS = (
    (1, gettext_lazy("You")),
    (2, gettext_lazy("Form")),
    (3, gettext_lazy("Documents")),
    (4, gettext_lazy("Send")),
)
FORMAT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
FORMAT_EXTENSIONS = {"pdf": ".pdf", "jpg": ".jpg,.jpeg", "png": ".png"}


@dataclass(frozen=True)
class Problem:
    """A refusal as the page shows it: a stable code (for tests) and a plain sentence."""

    code: str
    text: str


def problem(exc) -> Problem:
    """The plain sentence of a service's refusal (its own message is already plain)."""
    return Problem(getattr(exc, "code", "bad_request"), str(getattr(exc, "message", exc)))


def language() -> str:
    """The page's language as a case keeps it ("id" or "en")."""
    code = (translation.get_language() or "id").split("-")[0]
    return code if code in ("id", "en") else "id"


def channel_of(request) -> str:
    """Where this page is used from: a self-service kiosk when the browser is an enrolled
    kiosk (mpp.devices: a server-side fact, not a parameter one could forge; the kiosk's
    start screen links here), else the web."""
    from mpp.devices.enrolment import device_from_request
    from mpp.devices.models import DeviceKind

    if device_from_request(request, kind=DeviceKind.KIOSK) is not None:
        return Channel.KIOSK
    return Channel.WEB


def jsonable(value):
    """A form's cleaned value as the answers (JSON) keep it."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


FLASH_KEY = "cases_flash"


def flash(request, text) -> None:
    """A sentence for the next page this browser opens ("your files are saved")."""
    request.session[FLASH_KEY] = str(text)


def page(request, template: str, context: dict, status: int = 200):
    """Render a citizen page, with the sentence left by the step before, if any.

    (Not django.contrib.messages: its list in base.html is one axe-core flags.)"""
    context = {**context, "flash": request.session.pop(FLASH_KEY, "")}
    return render(request, template, context, status=status)


def open_page(request, *, form=None, number: str = "", error=None, status: int = 200):
    """The "open my application" page (also the answer to a case not opened here)."""
    form = form or OpenForm(initial={"number": number})
    context = {"form": form, "error": error}
    return page(request, "cases/citizen/open.html", context, status=status)


def citizen_case_or_refusal(request, number: str):
    """(case, None) when this browser may see the case numbered `number`, else
    (None, the open page asking for the number and NIK digits), the same either way."""
    case = case_by_number(number)
    if case is not None and citizen_session.may_see(request, case):
        return case, None
    error = Problem("not_opened", _("Open your application first with its number and your NIK."))
    return None, open_page(request, number=number[:24], error=error, status=403)


def too_many(request, result: RateLimitResult, *, back_url: str):
    """The friendly 429 page: wait N seconds, then try again."""
    response = render(
        request,
        "cases/citizen/too_many.html",
        {"seconds": result.retry_after, "back_url": back_url},
        status=429,
    )
    response["Retry-After"] = str(result.retry_after)
    return response


def case_types_open(mall) -> list[CaseType]:
    """The mall's application types taking online applications, by service name."""
    return list(
        CaseType.objects.filter(mall=mall, is_open=True)
        .select_related("service", "booth", "service__agency")
        .order_by("service__name", "pk")
    )


def case_type_open(mall, service_code: str) -> CaseType | None:
    """The mall's open application type for the service with this code, or None."""
    return (
        CaseType.objects.filter(mall=mall, is_open=True, service__code=service_code)
        .select_related("service", "booth", "mall")
        .prefetch_related("documents")
        .order_by("pk")
        .first()
    )


def citizen_documents(case: Case) -> list[CaseDocument]:
    """The case's current files the citizen may see (sent and products), oldest first."""
    return list(
        case.documents.filter(is_current=True, kind__in=CITIZEN_KINDS).select_related("requirement")
    )


def _accept(formats: str) -> str:
    kinds = [f.strip() for f in (formats or "").split(",") if f.strip() in FORMAT_TYPES]
    return ",".join([FORMAT_TYPES[k] for k in kinds] + [FORMAT_EXTENSIONS[k] for k in kinds])


def requirement_rows(case: Case, errors: dict | None = None) -> list[dict]:
    """Each requirement with the files already sent for it and any error of this POST."""
    errors = errors or {}
    current = citizen_documents(case)
    missing_codes = set((case.missing or {}).get("documents") or [])
    rows = []
    for req in case.case_type.documents.all():
        formats = [f.strip() for f in req.formats.split(",") if f.strip() in FORMAT_TYPES]
        files = [d for d in current if d.requirement_id == req.pk]
        rows.append(
            {
                "req": req,
                "files": files,
                "formats": ", ".join(f.upper() for f in formats),
                "accept": _accept(req.formats),
                "photo": any(f in ("jpg", "png") for f in formats),
                # One file per document: a new one replaces it; more: room left?
                "replaces": req.max_files <= 1 and bool(files),
                "full": req.max_files > 1 and len(files) >= req.max_files,
                "asked_again": req.code in missing_codes,
                "errors": errors.get(req.code, []),
            }
        )
    return rows


def case_context(case: Case, step: int = 0) -> dict:
    """What every page about one case shows at its top."""
    return {
        "case": case,
        "mall": case.mall,
        "case_type": case.case_type,
        "number_shown": number_display(case.number),
        "step": step,
        "steps": STEPS,
        "is_returned": case.status == Case.Status.RETURNED,
    }


def case_url(case: Case, name: str = "citizen_case") -> str:
    return reverse(f"cases:{name}", args=[case.number])
