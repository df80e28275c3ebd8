"""Template tags for pages of other apps that offer the survey (the citizen's ticket page).

    {% load surveys %}
    {% survey_invitation "ticket" ticket.pk as survey %}
    {% if survey.state == "open" %}<a href="{{ survey.url }}">…</a>{{ survey.qr }}{% endif %}

Why a tag: the ticket page belongs to queueing, which knows the ticket; the survey
knows the transaction only as (kind, id). The tag takes those plain values, so the
page can show the link without either app importing the other's models.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from mpp.core.qr import qr_svg
from mpp.surveys.selectors import invitation_for, invitation_state
from mpp.surveys.services import survey_path

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_invitation(context, kind: str, transaction_id) -> dict | None:
    """{"state": "open" | "answered" | "expired", "url", "qr"} of the transaction's
    survey, or None when it has none (not finished yet)."""
    invitation = invitation_for(kind, transaction_id)
    if invitation is None:
        return None
    state = invitation_state(invitation)
    out = {"state": state, "url": "", "qr": ""}
    if state == "open":
        path = survey_path(invitation.token)
        request = context.get("request")
        url = request.build_absolute_uri(path) if request is not None else path
        out["url"] = path
        out["qr"] = mark_safe(qr_svg(url))  # segno escapes what it draws; no user input
    return out
