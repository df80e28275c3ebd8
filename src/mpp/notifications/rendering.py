"""Turn a message's template name, channel, language and context into text.

Why: the words of a notification belong in templates (translatable, reviewable), not
in the booking code. Each template name has one file per channel under
templates/notifications/: `<template>.<channel>.txt` for the body and, for e-mail,
`<template>.email.subject.txt` for the subject. They are rendered in the message's
language (Indonesian by default) with the message's context.

Context values are JSON. Keys ending in `date` holding an ISO date ("2026-12-01") and
keys ending in `_at` holding an ISO date-time become date objects, so templates can
format them in the message's language (`{{ date|date:"l, j F Y" }}`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

SMS_MAX = 160


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _paths(template: str, channel: str) -> list[str]:
    paths = [f"notifications/{template}.{channel}.txt"]
    if channel == "email":
        paths.append(f"notifications/{template}.email.subject.txt")
    return paths


def template_exists(template: str, channel: str) -> bool:
    """Are all files needed to render `template` on `channel` there?"""
    if not template or template.startswith("_") or "/" in template or "." in template:
        return False
    try:
        for path in _paths(template, channel):
            get_template(path)
    except TemplateDoesNotExist:
        return False
    return True


def _typed(context: dict) -> dict:
    out = dict(context)
    for key, value in context.items():
        if not isinstance(value, str):
            continue
        try:
            if key.endswith("_at"):
                out[key] = dt.datetime.fromisoformat(value)
            elif key.endswith("date"):
                out[key] = dt.date.fromisoformat(value)
        except ValueError:
            pass
    return out


def _clean(text: str) -> str:
    """Drop the blank lines template tags leave behind and surrounding space."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def render(*, template: str, channel: str, language: str, context: dict) -> Rendered:
    """Render subject (e-mail only, else "") and body in `language`."""
    ctx = _typed(context)
    with translation.override(language):
        body = _clean(get_template(f"notifications/{template}.{channel}.txt").render(ctx))
        subject = ""
        if channel == "email":
            raw = get_template(f"notifications/{template}.email.subject.txt").render(ctx)
            subject = " ".join(raw.split())
    if channel == "sms":
        body = " ".join(body.split())
    return Rendered(subject=subject, body=body)
