"""Shared parts of the survey pages: the page for a link that cannot be answered and the
context of the questionnaire.

Why: a survey link may be unknown, used or expired; each gets a plain sentence and the
matching status (404, 409, 410), never a 500. Refusals of the service keep their code,
so the pages and the API say the same thing.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy

from mpp.surveys.forms import questionnaire

UNAVAILABLE = {
    "survey_not_found": (
        404,
        gettext_lazy("Survey not found"),
        gettext_lazy(
            "This survey link does not exist. Check that you typed it completely, or scan "
            "the QR code on your ticket page again."
        ),
    ),
    "survey_already_answered": (
        409,
        gettext_lazy("Already answered"),
        gettext_lazy(
            "This survey has already been answered. Each visit can be rated once. "
            "Thank you for your time!"
        ),
    ),
    "survey_expired": (
        410,
        gettext_lazy("This survey has closed"),
        gettext_lazy(
            "A survey can be answered within 30 days of the visit, and this one is older. "
            "You are welcome to rate your next visit."
        ),
    ),
}


def unavailable(request, code: str, *, invitation=None):
    status, title, text = UNAVAILABLE[code]
    context = {"title": title, "text": text, "code": code, "invitation": invitation}
    return render(request, "surveys/unavailable.html", context, status=status)


def form_context(invitation, *, values=None, error: str = "") -> dict:
    return {
        "invitation": invitation,
        "mall": invitation.mall,
        "service": invitation.service,
        "error": error,
        **questionnaire(values),
    }
