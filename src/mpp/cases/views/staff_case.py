"""The officer's page of one application (/staff/cases/<number>/) and its POST steps.

Why: verification is the officer's whole job on a case: read the answers, open each
document, then verify, return it with a checklist of what is missing, reject it with a
reason, mark it ready and hand it over, attaching the product or scanning papers the
citizen brought (a file input with capture="environment" opens a phone's or tablet's
camera). Each step is a plain POST form calling one service (cases.services,
cases.documents) and coming back here with a message; keys press the buttons
(cases/staff_cases.js). The version the officer saw goes with every step, so a case
changed meanwhile (by a colleague, the citizen or the agency's system) is not stepped
blindly: the service answers "version_mismatch" and the page shows the case again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mpp.cases import deadlines, documents, formschema, selectors, services, workflow
from mpp.cases.models import Case, CaseDocument, Channel
from mpp.cases.views.staff_common import (
    WITH_FORM,
    case_for_staff,
    counter_draft,
    officer_steps,
)
from mpp.cases.views.staff_forms import StepForm, UploadForm
from mpp.core.errors import DomainError

OUTPUT_STATUSES = (Case.Status.PROCESSING.value, Case.Status.READY.value)
# What a step that changes no status is called in the history (CaseEvent.kind).
EVENT_LABELS = {
    "started": gettext_lazy("Application started"),
    "answers": gettext_lazy("Answers saved"),
    "document": gettext_lazy("Document added"),
    "output": gettext_lazy("Product attached"),
    "document_retired": gettext_lazy("Document removed"),
    "assigned": gettext_lazy("Officer assigned"),
    "escalated": gettext_lazy("Supervisors warned: due soon"),
    "note": gettext_lazy("Note"),
}


def _language() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def _requirements(case: Case) -> list:
    return list(case.case_type.documents.all())


def _context(request, case: Case, *, step_form=None, upload_form=None, answers_form=None):
    requirements = _requirements(case)
    missing_now = {r.code for r in documents.required_documents_missing(case)}
    steps = officer_steps(case)
    docs = list(
        case.documents.select_related("requirement", "uploaded_by").order_by("created_at", "pk")
    )
    if answers_form is None and counter_draft(case):
        answers_form = formschema.form_for(
            case.case_type, initial=case.answers, language=_language(), partial=True
        )
    return {
        "case": case,
        "explained": workflow.status_explained(case.status),
        "answers": formschema.answers_display(case, language=_language()),
        "answers_form": answers_form,
        "documents": [d for d in docs if d.is_current],
        "retired": [d for d in docs if not d.is_current],
        "requirements": requirements,
        "missing_now": missing_now,
        "missing_asked": set((case.missing or {}).get("documents", [])),
        "steps": [s for s in steps if s.to not in WITH_FORM],
        "return_step": next((s for s in steps if s.to == Case.Status.RETURNED), None),
        "reject_step": next((s for s in steps if s.to == Case.Status.REJECTED), None),
        "history": _history(case),
        "step_form": step_form,
        "upload_form": upload_form or UploadForm(requirements=requirements),
        "may_upload": case.status not in workflow.TERMINAL,
        "may_output": case.status in OUTPUT_STATUSES,
        "is_mine": case.assigned_to_id == request.user.pk,
        "is_overdue": deadlines.is_overdue(case),
    }


def _history(case: Case) -> list:
    """The case's steps, each with what the history calls it."""
    statuses = dict(Case.Status.choices)
    events = selectors.case_history(case, for_citizen=False)
    for event in events:
        if event.kind == "transition" and event.to_status:
            event.label = statuses.get(event.to_status, event.to_status)
        else:
            event.label = EVENT_LABELS.get(event.kind, event.kind)
    return events


def _page(request, case: Case, status: int = 200, **forms):
    return render(request, "cases/staff/case.html", _context(request, case, **forms), status=status)


@login_required
@never_cache
@require_GET
def staff_case(request, number: str):
    """The application, its answers, documents, history and the steps allowed now."""
    case = case_for_staff(request, number)
    return _page(request, case)


@login_required
@require_POST
def staff_case_act(request, number: str):
    """One step (verify, send for processing, ready, complete, return, reject, submit)."""
    case = case_for_staff(request, number)
    form = StepForm(request.POST, requirements=_requirements(case))
    if not form.is_valid():
        messages.error(request, _("Check the step's form below."))
        return _page(request, case, status=400, step_form=form)
    data = form.cleaned_data
    missing = None
    if data["to"] == Case.Status.RETURNED:
        missing = {"documents": data["missing"], "note": data["note"].strip()}
    try:
        if data["to"] == Case.Status.SUBMITTED:  # recorded at the counter, sent for the citizen
            services.case_submit(
                case=case,
                channel=Channel.COUNTER,
                actor=request.user,
                actor_kind=workflow.OFFICER,
                expected_version=data["version"],
            )
        else:
            services.case_transition(
                case=case,
                to=data["to"],
                channel=Channel.COUNTER,
                actor=request.user,
                actor_kind=workflow.OFFICER,
                note=data["note"].strip(),
                internal_note=data["internal_note"].strip(),
                missing=missing,
                expected_version=data["version"],
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(number)s: %(status)s.")
            % {"number": case.number, "status": Case.Status(data["to"]).label},
        )
    return redirect("cases:staff_case", number=case.number)


@login_required
@require_POST
def staff_case_assign(request, number: str):
    """Take the application: it becomes this officer's."""
    case = case_for_staff(request, number)
    try:
        services.case_assign(case=case, officer=request.user, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You now handle %(number)s.") % {"number": case.number})
    return redirect("cases:staff_case", number=case.number)


@login_required
@require_POST
def staff_case_answers(request, number: str):
    """Save the answers of an application recorded at the counter (still a draft)."""
    case = case_for_staff(request, number)
    if not counter_draft(case):
        messages.error(request, _("Only an application recorded at the counter is filled in here."))
        return redirect("cases:staff_case", number=case.number)
    form = formschema.form_for(
        case.case_type, data=request.POST, language=_language(), partial=True
    )
    if not form.is_valid():
        messages.error(request, _("Check the answers below."))
        return _page(request, case, status=400, answers_form=form)
    try:
        services.case_save_answers(
            case=case, answers=form.answers, channel=Channel.COUNTER, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Answers saved."))
    return redirect("cases:staff_case", number=case.number)


@login_required
@require_POST
def staff_case_upload(request, number: str):
    """A scanned paper or the product, checked and stored by cases.documents."""
    case = case_for_staff(request, number)
    requirements = _requirements(case)
    form = UploadForm(request.POST, request.FILES, requirements=requirements)
    if not form.is_valid():
        messages.error(request, _("Choose a file to add."))
        return _page(request, case, status=400, upload_form=form)
    data = form.cleaned_data
    requirement = next((r for r in requirements if r.code == data["requirement"]), None)
    try:
        document = documents.document_add(
            case=case,
            upload=data["file"],
            requirement=requirement,
            kind=data["kind"],
            channel=Channel.COUNTER,
            actor=request.user,
            actor_kind=workflow.OFFICER,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, case, status=400, upload_form=form)
    if document.kind == CaseDocument.Kind.OUTPUT:
        messages.success(request, _("The product is attached."))
    else:
        messages.success(request, _("The scanned paper is added."))
    return redirect("cases:staff_case", number=case.number)


@login_required
@never_cache
@require_GET
def staff_case_document(request, number: str, document_id: int):
    """One file of the application, streamed after the access check."""
    case = case_for_staff(request, number)
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404(_("No such document."))
    return documents.document_response(document, as_attachment=True)
