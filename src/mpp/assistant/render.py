"""An Answer as plain text: the WhatsApp or SMS reply, and the API's `reply`.

Why: a messaging citizen has no buttons. Choices become numbered lines ("2. ..."),
next steps become absolute links (settings.MPP_PUBLIC_URL + the page's path; without
a public URL only links that are already absolute are given). SMS is kept short and
plain ASCII, so that it is not sent as UCS-2 (70 characters a part instead of 160).
Texts are translated by the engine; this module only adds labels and layout.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from mpp.assistant.answers import Answer, ServiceCard

WEB, API, WHATSAPP, SMS = "web", "api", "whatsapp", "sms"
SMS_REQUIREMENTS = 2
_ASCII = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "·": "-", "–": "-", "—": "-", "…": "...",
     "\u00a0": " "}
)  # fmt: skip


def _url(url: str | None, base_url: str, channel: str) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    if base_url:
        return f"{base_url.rstrip('/')}{url}"
    return url if channel in (API, WEB) else ""


def _card(card: ServiceCard, *, channel: str, base_url: str) -> list[str]:
    bold = "*" if channel == WHATSAPP else ""
    lines = [f"{bold}{card.name}{bold}"]
    where = [card.agency]
    if card.booth:
        booth = card.booth + (f" ({card.booth_location})" if card.booth_location else "")
        where.append(booth)
    if card.mall_name:
        where.append(card.mall_name)
    lines.append(" - ".join(where))
    facts = _("Fee: %(fee)s") % {"fee": card.fee}
    if card.time:
        facts += " - " + _("Time: %(time)s") % {"time": card.time}
    lines.append(facts)
    shown = card.requirements[:SMS_REQUIREMENTS] if channel == SMS else card.requirements
    more = card.more_requirements + len(card.requirements) - len(shown)
    if shown:
        lines.append(_("What to bring:"))
        lines += [f"- {r}" for r in shown]
        if more:
            lines.append(_("- and %(n)d more") % {"n": more})
    for place in card.places:
        link = _url(place.url, base_url, channel)
        lines.append(f"- {place.mall_name}, {place.booth}" + (f": {link}" if link else ""))
    if card.more_places:
        lines.append(_("- other malls: %(n)d") % {"n": card.more_places})
    for step in card.steps:
        if channel == SMS and step.kind == "detail":
            continue
        link = _url(step.url, base_url, channel)
        if link:
            lines.append(f"{step.label}: {link}")
        elif step.kind == "apply":
            lines.append(_("Can also be applied for online."))
    return lines


def answer_text(answer: Answer, *, channel: str, base_url: str = "") -> str:
    """The answer as text for `channel` ("whatsapp", "sms" or "api")."""
    lines = list(answer.lines)
    if answer.service is not None:
        lines += _card(answer.service, channel=channel, base_url=base_url)
    for link in answer.links:
        url = _url(link.url, base_url, channel)
        if url:
            lines.append(f"{link.label}: {url}")
    if answer.choices:
        if answer.choices_intro:
            lines.append(answer.choices_intro)
        lines += [f"{c.number}. {c.label}" for c in answer.choices]
    text = "\n".join(line for line in lines if line)
    if channel == SMS:
        text = text.translate(_ASCII)
    return text
