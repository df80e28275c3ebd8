"""The citizen's survey page (/survei/<token>/) and its thank-you page.

The token in the address is the only key: it comes from the ticket page (link and QR)
or a message, and works once, for 30 days. The page is a plain form (no JavaScript),
big enough to tap on a 360 px phone; a missing answer brings the form back with what
was chosen and one sentence saying what is missing.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mpp.core.errors import DomainError, Invalid
from mpp.surveys.forms import read_post
from mpp.surveys.models import ResponseChannel
from mpp.surveys.selectors import invitation_by_token, invitation_state
from mpp.surveys.services import response_submit
from mpp.surveys.throttle import submit_allowed
from mpp.surveys.views.common import UNAVAILABLE, form_context, unavailable

STATE_CODES = {"answered": "survey_already_answered", "expired": "survey_expired"}


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request, token: str):
    """The nine questions, the respondent's profile and a comment box."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return unavailable(request, "survey_not_found")
    state = invitation_state(invitation)
    if state != "open":
        return unavailable(request, STATE_CODES[state], invitation=invitation)
    if request.method == "GET":
        return render(request, "surveys/survey.html", form_context(invitation))
    limited = submit_allowed(request)
    if not limited.allowed:
        context = {"seconds": limited.retry_after, "back_url": request.path}
        response = render(request, "surveys/too_many.html", context, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    answers, profile, comment = read_post(request.POST)
    try:
        response_submit(
            token=token,
            answers=answers,
            profile=profile,
            comment=comment,
            channel=ResponseChannel.WEB,
        )
    except Invalid as exc:
        values = {**answers, **profile, "comment": comment}
        context = form_context(invitation, values=values, error=exc.message)
        return render(request, "surveys/survey.html", context, status=422)
    except DomainError as exc:
        if exc.code in UNAVAILABLE:
            return unavailable(request, exc.code, invitation=invitation)
        raise
    return redirect("survey-thanks", token=token)


@never_cache
def survey_thanks(request, token: str):
    """After the answer: thanks, and where the mall publishes its index."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise Http404(_("There is no survey with this link."))
    if not invitation.is_answered:
        return redirect("survey", token=token)
    context = {
        "mall": invitation.mall,
        "ikm_url": reverse("mall-ikm", kwargs={"mall": invitation.mall.code}),
    }
    return render(request, "surveys/thanks.html", context)
