"""The citizen's case page: where the application stands, in plain words, and what to do.

Why: after sending, a citizen wants to know where the application is, why it takes the
time it takes, what is missing when it comes back, and where the product is. The page
shows the status explained, the deadline (stopped while returned), the history with the
channel of each step (web, counter, kiosk...), the missing documents with their upload
form, "send again", "withdraw", the product to download and, once completed, the link to
the satisfaction survey (SKM). It opens only for the browser that started or opened the
case (mpp.cases.citizen_session); opening asks for the number and the NIK's last four
digits in a POST form, counted by core.ratelimit, with one answer for any wrong input.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mpp.cases import citizen_session
from mpp.cases.documents import document_response
from mpp.cases.forms import OpenForm, WithdrawForm
from mpp.cases.models import Case, CaseDocument
from mpp.cases.selectors import case_history, case_open
from mpp.cases.services import case_withdraw
from mpp.cases.views.citizen_common import (
    CITIZEN_KINDS,
    EDITABLE,
    Problem,
    case_context,
    case_url,
    channel_of,
    citizen_case_or_refusal,
    citizen_documents,
    flash,
    open_page,
    page,
    problem,
    requirement_rows,
    too_many,
)
from mpp.cases.workflow import next_statuses, status_explained
from mpp.core.errors import DomainError
from mpp.core.ratelimit import RateLimited, RateLimitResult, ratelimit_check
from mpp.surveys.selectors import open_token_for

NOT_FOUND = "case_not_found"
# What the history calls the steps that change no status.
KIND_LABELS = {
    "started": _lazy("Application started"),
    "document": _lazy("Document added"),
    "document_retired": _lazy("Document removed"),
    "answers": _lazy("Answers saved"),
    "note": _lazy("Note"),
    "assigned": _lazy("Officer assigned"),
}


@never_cache
def open_case(request):
    """/cases/open/: GET the form; POST the number and NIK digits, then the case page."""
    if request.method != "POST":
        return open_page(request)
    form = OpenForm(request.POST)
    if not form.is_valid():
        return open_page(request, form=form, status=422)
    limited = ratelimit_check(request, name="case_lookup")
    if not limited.allowed:
        return too_many(request, limited, back_url=reverse("cases:open"))
    try:
        case = case_open(
            number=form.cleaned_data["number"], nik_last4=form.cleaned_data["nik_last4"]
        )
    except RateLimited as exc:
        refused = RateLimitResult(allowed=False, retry_after=exc.retry_after)
        return too_many(request, refused, back_url=reverse("cases:open"))
    except DomainError as exc:
        text = _("We could not find an application with this number and these NIK digits.")
        error = Problem(NOT_FOUND if exc.status == 404 else exc.code, text)
        return open_page(request, form=form, error=error, status=exc.status)
    citizen_session.grant(request, case)
    return redirect(case_url(case))


def _status_label(value: str) -> str:
    try:
        return Case.Status(value).label
    except ValueError:
        return ""


def _history(case: Case) -> list[dict]:
    rows = []
    for event in case_history(case, for_citizen=True):
        rows.append(
            {
                "event": event,
                "status": (
                    _status_label(event.to_status)
                    if event.to_status and event.to_status != event.from_status
                    else KIND_LABELS.get(event.kind, "")
                ),
                "channel": event.get_channel_display(),
                "actor": event.get_actor_kind_display(),
            }
        )
    return rows


def _survey_url(case: Case) -> str:
    if case.status != Case.Status.COMPLETED:
        return ""
    token = open_token_for("case", case.pk)
    return reverse("survey", args=[token]) if token else ""


@never_cache
def citizen_case(request, number: str):
    """/cases/<number>/: the status explained, the deadline, the history, what to do."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    documents = citizen_documents(case)
    is_returned = case.status == Case.Status.RETURNED
    missing = case.missing or {}
    context = case_context(case)
    context |= {
        "status_label": case.get_status_display(),
        "explained": status_explained(case.status),
        "history": _history(case),
        "is_draft": case.status == Case.Status.DRAFT,
        "is_editable": case.status in EDITABLE,
        "may_withdraw": "withdrawn" in next_statuses(case.case_type, case.status, "citizen"),
        "missing_note": missing.get("note", "") if is_returned else "",
        "rows": ([r for r in requirement_rows(case) if r["asked_again"]] if is_returned else []),
        "sent": [d for d in documents if d.kind == CaseDocument.Kind.SUBMITTED],
        "products": [d for d in documents if d.kind == CaseDocument.Kind.OUTPUT],
        "survey_url": _survey_url(case),
        "back_to_case": True,
    }
    return page(request, "cases/citizen/case.html", context)


@never_cache
def citizen_withdraw(request, number: str):
    """/cases/<number>/withdraw/: GET asks to confirm; POST withdraws the application."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    context = case_context(case)
    if "withdrawn" not in next_statuses(case.case_type, case.status, "citizen"):
        flash(request, _("This application can no longer be withdrawn."))
        return redirect(case_url(case))
    if request.method != "POST":
        context["form"] = WithdrawForm()
        return page(request, "cases/citizen/withdraw.html", context)
    form = WithdrawForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return page(request, "cases/citizen/withdraw.html", context, status=422)
    try:
        case_withdraw(case=case, channel=channel_of(request), note=form.cleaned_data["note"])
    except DomainError as exc:
        context["error"] = problem(exc)
        return page(request, "cases/citizen/withdraw.html", context, status=exc.status)
    flash(request, _("Your application is withdrawn."))
    return redirect(case_url(case))


@never_cache
@require_GET
def citizen_document(request, number: str, document_id: int):
    """/cases/<number>/files/<id>/: one of the case's files (sent, or the product)."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    document = (
        CaseDocument.objects.filter(
            pk=document_id, case=case, is_current=True, kind__in=CITIZEN_KINDS
        )
        .select_related("case")
        .first()
    )
    if document is None:
        raise Http404(_("No such file in this application."))
    response = document_response(document, as_attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response
