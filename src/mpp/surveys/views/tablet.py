"""The counter's tablet mode (/console/<counter_id>/survei/): the survey in front of the citizen.

Why: many citizens will not open a link later; a tablet at the counter, signed in by
the counter's staff, offers the survey of the ticket just finished there (within
selectors.TABLET_MINUTES, not yet answered) with big buttons. After the answer it says
thank you and goes back to a waiting screen. The officer never sees the answers: the
screens show only "waiting", the questionnaire and "thank you". Without JavaScript it
works by refreshing itself (meta refresh).
Access: staff who may operate the counter (accounts.access, action counter.operate).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mpp.catalog.models import Counter
from mpp.core.errors import DomainError, Invalid
from mpp.queueing.views.console import counter_for_staff
from mpp.surveys.forms import read_post
from mpp.surveys.models import ResponseChannel
from mpp.surveys.selectors import TABLET_MINUTES, invitation_by_token, tablet_invitation
from mpp.surveys.services import response_submit
from mpp.surveys.views.common import UNAVAILABLE, form_context

WAIT_REFRESH_SECONDS = 5  # the waiting screen looks for a finished ticket this often
THANKS_SECONDS = 6  # the thank-you screen stays this long


def _screen(request, counter: Counter, mode: str, status: int = 200, **extra):
    context = {
        "counter": counter,
        "mall": counter.mall,
        "mode": mode,
        "wait_seconds": WAIT_REFRESH_SECONDS,
        "thanks_seconds": THANKS_SECONDS,
        "form_seconds": TABLET_MINUTES * 60,
        **extra,
    }
    return render(request, "surveys/tablet.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tablet(request, counter_id: int):
    """Waiting screen, questionnaire, or thank-you screen of one counter's tablet."""
    counter = counter_for_staff(request, counter_id)
    if request.method == "POST":
        return _submit(request, counter)
    invitation = tablet_invitation(counter.pk)
    if invitation is None:
        return _screen(request, counter, "wait")
    return _screen(request, counter, "form", **form_context(invitation))


def _submit(request, counter: Counter):
    token = request.POST.get("token", "")
    invitation = invitation_by_token(token)
    if invitation is None or invitation.counter_id != counter.pk:
        # Only the survey this counter offered can be answered on its tablet.
        return _screen(
            request, counter, "wait", status=404, notice=UNAVAILABLE["survey_not_found"][2]
        )
    answers, profile, comment = read_post(request.POST)
    try:
        response_submit(
            token=token,
            answers=answers,
            profile=profile,
            comment=comment,
            channel=ResponseChannel.TABLET,
        )
    except Invalid as exc:
        values = {**answers, **profile, "comment": comment}
        context = form_context(invitation, values=values, error=exc.message)
        return _screen(request, counter, "form", status=422, **context)
    except DomainError as exc:
        if exc.code not in UNAVAILABLE:
            raise
        status, _title, text = UNAVAILABLE[exc.code]
        return _screen(request, counter, "wait", status=status, notice=text)
    return _screen(request, counter, "thanks")
