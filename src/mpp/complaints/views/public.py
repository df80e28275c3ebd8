"""The citizen's complaint pages: the form (phone or kiosk), the confirmation with the
tracking code, and the tracking page.

Why: anyone may complain, with or without a name, from a phone, the mall's kiosk or the
website, and follow the answer with the tracking code alone. The code is the key to a
complaint, so it never travels in a URL: the confirmation page reads it from the
session once (a kiosk is shared: the next person must not see it), and the tracking
page asks for it in a POST form. Nothing personal is shown on either page.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mpp.catalog.pages import mall_or_404
from mpp.complaints.forms import ComplaintForm, TrackForm
from mpp.complaints.selectors import complaint_by_code, public_history
from mpp.complaints.services import complaint_file
from mpp.complaints.throttle import complaint_throttle
from mpp.complaints.validation import code_grouped
from mpp.complaints.views.common import (
    serve_attachment,
    service_choices,
    service_groups,
    too_large,
    too_many,
)
from mpp.core.errors import DomainError

SESSION_KEY = "complaint_filed"
KIOSK_RETURN_SECONDS = 90


def _initial(request) -> dict:
    """Prefill from a link (a ticket or booking page): ?layanan=, ?tiket=, ?booking=."""
    return {
        "service": str(request.GET.get("layanan", ""))[:80],
        "ticket_ref": str(request.GET.get("tiket", ""))[:40],
        "booking_ref": str(request.GET.get("booking", ""))[:40],
    }


def _language() -> str:
    language = (translation.get_language() or "id").split("-")[0]
    return language if language in ("id", "en") else "id"


def form_page(request, mall_code: str, *, channel: str, actor=None):
    """GET: the form. POST: file the complaint, then the confirmation (or the form again
    with what to correct). Shared by the web, kiosk and counter forms."""
    mall = mall_or_404(mall_code)
    groups = service_groups(mall)
    kiosk = channel == "kiosk"
    options = {
        "services": service_choices(groups),
        "today": mall.today(),
        "with_attachment": not kiosk,
    }
    urls = {
        "web": reverse("complaint-new", args=[mall.code]),
        "kiosk": reverse("complaint-kiosk", args=[mall.code]),
        "counter": reverse("complaint-counter", args=[mall.code]),
    }
    context = {"mall": mall, "groups": groups, "channel": channel, "kiosk": kiosk}
    context["action_url"] = urls[channel]
    if request.method != "POST":
        form = ComplaintForm(initial=_initial(request), **options)
        return render(request, "complaints/form.html", {**context, "form": form})
    if too_large(request):
        context.update(form=ComplaintForm(**options), too_large=True)
        return render(request, "complaints/form.html", context, status=413)
    form = ComplaintForm(request.POST, request.FILES, **options)
    if not form.is_valid():
        return render(request, "complaints/form.html", {**context, "form": form}, status=422)
    if actor is None:  # staff at the counter are not limited
        limited = complaint_throttle(request)
        if not limited.allowed:
            return too_many(request, limited, back_url=urls[channel], template_base=channel)
    data = form.cleaned_data
    try:
        complaint = complaint_file(
            mall=mall,
            category=data["category"],
            description=data["description"],
            channel=channel,
            service_code=data["service"],
            incident_date=data["incident_date"],
            ticket_ref=data["ticket_ref"],
            booking_ref=data["booking_ref"],
            anonymous=data["anonymous"],
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            consent=bool(data.get("consent")),
            attachment=data.get("attachment"),
            actor=actor,
            language=_language(),
        )
    except DomainError as exc:
        form.add_service_error(exc)
        return render(request, "complaints/form.html", {**context, "form": form}, status=exc.status)
    request.session[SESSION_KEY] = complaint.code
    done = reverse("complaint-done", args=[mall.code])
    return redirect(f"{done}?kiosk=1" if kiosk else done)


@never_cache
def complaint_new(request, mall: str):
    """/m/<mall>/pengaduan/: the complaint form for a phone or computer."""
    return form_page(request, mall, channel="web")


@never_cache
def complaint_kiosk(request, mall: str):
    """/m/<mall>/pengaduan/kiosk/: the same form with big targets and no attachment."""
    return form_page(request, mall, channel="kiosk")


@never_cache
def complaint_done(request, mall: str):
    """The tracking code of the complaint just filed, shown once."""
    mall_obj = mall_or_404(mall)
    code = request.session.pop(SESSION_KEY, None)
    complaint = complaint_by_code(code) if code else None
    kiosk = request.GET.get("kiosk") == "1"
    context = {"mall": mall_obj, "complaint": complaint, "kiosk": kiosk}
    if complaint is not None:
        context["code_grouped"] = code_grouped(complaint.code)
    if kiosk:
        context["return_url"] = reverse("kiosk", args=[mall_obj.code])
        context["return_seconds"] = KIOSK_RETURN_SECONDS
    return render(request, "complaints/done.html", context)


def _tracked(request, form: TrackForm):
    """The complaint of a valid tracking form, or (None, error response)."""
    limited = complaint_throttle(request, name="complaint_lookup_ip")
    if not limited.allowed:
        return None, too_many(request, limited, back_url=reverse("complaint-track"))
    complaint = complaint_by_code(form.cleaned_data["code"])
    if complaint is None:
        page = render(
            request, "complaints/track.html", {"form": form, "not_found": True}, status=404
        )
        return None, page
    return complaint, None


@never_cache
def complaint_track(request):
    """/pengaduan/lacak/: GET the form; POST the status, deadlines and public answers."""
    if request.method != "POST":
        return render(request, "complaints/track.html", {"form": TrackForm()})
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "complaints/track.html", {"form": form}, status=422)
    complaint, refusal = _tracked(request, form)
    if refusal is not None:
        return refusal
    context = {
        "form": TrackForm(),
        "complaint": complaint,
        "mall": complaint.mall,
        "code_grouped": code_grouped(complaint.code),
        "history": public_history(complaint),
        "now": timezone.now(),
    }
    return render(request, "complaints/track.html", context)


@never_cache
@require_POST
def complaint_track_attachment(request):
    """The attachment of a complaint, for the holder of its tracking code (POST)."""
    form = TrackForm(request.POST)
    if not form.is_valid():
        raise Http404()
    complaint, refusal = _tracked(request, form)
    if refusal is not None:
        return refusal
    return serve_attachment(complaint)
