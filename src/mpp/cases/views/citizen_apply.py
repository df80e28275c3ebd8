"""The citizen's application pages: what one may apply for, who applies, the form, the
documents, and the review that sends it.

Why: a citizen applies from a cheap phone, often in several sittings (a document to
photograph at home), so every step is a plain server-rendered page that works without
JavaScript, and every step is saved: the draft is a case from the first step on, and
its number (with the NIK's last four digits) opens it again later. The pages parse,
call one service of mpp.cases and render; the rules live in the services.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp.cases import citizen_session
from mpp.cases.documents import document_add, required_documents_missing
from mpp.cases.forms import IdentityForm
from mpp.cases.formschema import answers_display, form_for
from mpp.cases.models import Case, CaseDocument
from mpp.cases.numbers import number_display
from mpp.cases.services import case_save_answers, case_start, case_submit
from mpp.cases.views.citizen_common import (
    EDITABLE,
    STEPS,
    Problem,
    case_context,
    case_type_open,
    case_types_open,
    case_url,
    channel_of,
    citizen_case_or_refusal,
    citizen_documents,
    flash,
    jsonable,
    language,
    page,
    problem,
    requirement_rows,
    too_many,
)
from mpp.catalog.pages import mall_or_404
from mpp.core.errors import DomainError
from mpp.core.ratelimit import ratelimit_check

MB = 1024 * 1024
# Room in an upload's request for the form's text and the multipart framing.
POST_MARGIN_BYTES = 256 * 1024


@never_cache
def apply_list(request, mall_code: str):
    """/m/<mall>/apply/: the services of the mall one can apply for online."""
    mall = mall_or_404(mall_code)
    context = {"mall": mall, "case_types": case_types_open(mall)}
    return page(request, "cases/citizen/apply_list.html", context)


@never_cache
def apply_start(request, mall_code: str, service_code: str):
    """/m/<mall>/apply/<service>/: what is needed, then who applies (starts the draft)."""
    mall = mall_or_404(mall_code)
    case_type = case_type_open(mall, service_code)
    if case_type is None:
        raise Http404(_("This service takes no online applications here."))
    context = {
        "mall": mall,
        "case_type": case_type,
        "requirements": case_type.documents.all(),
        "step": 1,
        "steps": STEPS,
    }
    if request.method != "POST":
        context["form"] = IdentityForm()
        return page(request, "cases/citizen/apply_start.html", context)
    form = IdentityForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return page(request, "cases/citizen/apply_start.html", context, status=422)
    data = form.cleaned_data
    limited = ratelimit_check(request, name="case", nik=data["nik"])
    if not limited.allowed:
        return too_many(request, limited, back_url=request.path)
    try:
        case = case_start(
            case_type=case_type,
            channel=channel_of(request),
            applicant_name=data["applicant_name"],
            nik=data["nik"],
            phone=data["phone"],
            email=data["email"],
            language=language(),
            relation=data["relation"],
            subject_name=data["subject_name"],
        )
    except DomainError as exc:
        form.add_service_error(exc)
        return page(request, "cases/citizen/apply_start.html", context, status=exc.status)
    citizen_session.grant(request, case)
    flash(
        request,
        _("Your application %(number)s is saved as a draft. Keep this number.")
        % {"number": number_display(case.number)},
    )
    return redirect(case_url(case, "citizen_form"))


def _editable_or_redirect(case: Case):
    if case.status in EDITABLE:
        return None
    return redirect(case_url(case))


@never_cache
def citizen_form(request, number: str):
    """/cases/<number>/form/: the application's questions; "save and continue later"
    keeps the answers given so far (empty ones may wait), "next" needs every answer."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    moved = _editable_or_redirect(case)
    if moved is not None:
        return moved
    lang = language()
    context = case_context(case, 2)
    if request.method != "POST":
        context["form"] = form_for(case.case_type, initial=case.answers, language=lang)
        return page(request, "cases/citizen/form.html", context)
    later = request.POST.get("later") == "1"
    form = form_for(
        case.case_type, data=request.POST, initial=case.answers, language=lang, partial=later
    )
    context["form"] = form
    if not form.is_valid():
        return page(request, "cases/citizen/form.html", context, status=422)
    answers = {key: jsonable(value) for key, value in form.answers.items()}
    try:
        case = case_save_answers(case=case, answers=answers, channel=channel_of(request))
    except DomainError as exc:
        for key, message in (getattr(exc, "errors", None) or {}).items():
            form.add_error(key if key in form.fields else None, message)
        context["error"] = problem(exc)
        return page(request, "cases/citizen/form.html", context, status=exc.status)
    if later:
        flash(
            request,
            _("Saved. Open your application later with its number to continue."),
        )
        return redirect(case_url(case))
    return redirect(case_url(case, "citizen_documents"))


def _too_large(request, case: Case) -> bool:
    limit = sum(r.max_mb * MB * max(r.max_files, 1) for r in case.case_type.documents.all())
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit + POST_MARGIN_BYTES
    except ValueError:
        return True


def _uploads(request, case: Case) -> tuple[int, dict[str, list[str]]]:
    """Store each file sent, one requirement after the other; (how many, errors)."""
    stored, errors = 0, {}
    for req in case.case_type.documents.all():
        files = request.FILES.getlist(f"doc-{req.code}") + request.FILES.getlist(
            f"photo-{req.code}"
        )
        for upload in files:
            try:
                document_add(
                    case=case,
                    upload=upload,
                    requirement=req,
                    kind=CaseDocument.Kind.SUBMITTED,
                    channel=channel_of(request),
                    actor=None,
                    actor_kind="citizen",
                )
            except DomainError as exc:
                errors.setdefault(req.code, []).append(f"{upload.name[:60]}: {exc.message}")
            else:
                stored += 1
            case.refresh_from_db()
    return stored, errors


@never_cache
def citizen_documents_page(request, number: str):
    """/cases/<number>/documents/: a file (or a photo) per required document."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    moved = _editable_or_redirect(case)
    if moved is not None:
        return moved
    back_to_case = request.POST.get("next") == "case" or request.GET.get("next") == "case"
    context = case_context(case, 3)
    context["back_to_case"] = back_to_case
    if request.method != "POST":
        context["rows"] = requirement_rows(case)
        return page(request, "cases/citizen/documents.html", context)
    if _too_large(request, case):
        context["rows"] = requirement_rows(case)
        context["error"] = Problem(
            "too_large", _("The files are too large together. Send them one at a time.")
        )
        return page(request, "cases/citizen/documents.html", context, status=413)
    stored, errors = _uploads(request, case)
    if errors:
        context["rows"] = requirement_rows(case, errors)
        context["error"] = Problem(
            "upload_refused", _("Some files were not accepted. See what is marked in red.")
        )
        return page(request, "cases/citizen/documents.html", context, status=422)
    if stored:
        flash(request, _("Your files are saved."))
    if back_to_case:
        return redirect(case_url(case))
    if request.POST.get("go") == "review":
        return redirect(case_url(case, "citizen_review"))
    return redirect(case_url(case, "citizen_documents"))


@never_cache
def citizen_review(request, number: str):
    """/cases/<number>/review/: everything at a glance; POST sends the application (or,
    when it was returned, sends it again)."""
    case, refusal = citizen_case_or_refusal(request, number)
    if refusal is not None:
        return refusal
    moved = _editable_or_redirect(case)
    if moved is not None:
        return moved
    status = 200
    error, field_errors = None, {}
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            case = case_submit(
                case=case,
                channel=channel_of(request),
                actor_kind="citizen",
                expected_version=version,
            )
        except DomainError as exc:
            error, status = problem(exc), exc.status
            field_errors = dict(getattr(exc, "errors", None) or {})
            case.refresh_from_db()
        else:
            flash(
                request,
                _("Your application %(number)s is sent. We will let you know how it goes.")
                % {"number": number_display(case.number)},
            )
            return redirect(case_url(case))
    context = case_context(case, 4)
    context.update(
        {
            "answers": answers_display(case, language=language()),
            "documents": citizen_documents(case),
            "missing": required_documents_missing(case),
            "error": error,
            "field_errors": field_errors,
        }
    )
    return page(request, "cases/citizen/review.html", context, status=status)
