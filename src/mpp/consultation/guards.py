"""Checks of what people type into a consultation: lengths, links, personal data.

Why: comments are public once approved, and a forum open to anyone attracts link spam
and, more worryingly, citizens who helpfully write their NIK or phone number so the mall
can "call them back". Such a comment is refused before it is stored (the moderator never
has to handle personal data), with a sentence saying why. Every function returns the
cleaned text or raises core.errors.Invalid with a stable code; the same rules serve the
pages, the API and the staff forms.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from mpp.core.errors import Invalid

COMMENT_MIN = 10
COMMENT_MAX = 2000
NAME_MAX = 60
LINKS_MAX = 2
TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 20, 20000
OUTCOME_MIN, OUTCOME_MAX = 20, 20000
REASON_MIN, REASON_MAX = 3, 300
REPLY_MAX = 2000
CHANGE_MAX = 300
CHANGES_MAX = 20

_LINK = re.compile(r"(https?://|www\.)\S+|\b\S+\.(com|id|net|org|info|xyz|ly|me)(/\S*)?\b", re.I)
# 16 digits (a NIK or a card number), maybe grouped by spaces, dots or dashes.
_NIK = re.compile(r"(?<!\d)(\d[ .\-]?){15}\d(?!\d)")
# An Indonesian mobile number: 08.., +628.., 628.. with 8 to 12 more digits.
_PHONE = re.compile(r"(?<![\d+])(\+?62|0)[ .\-]?8(\d[ .\-]?){7,11}\d(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")


def text_clean(value: object, *, multiline: bool = True) -> str:
    """Text without control characters, trailing spaces or piles of empty lines."""
    text = _CONTROL.sub("", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        return " ".join(text.split())
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def has_personal_data(text: str) -> bool:
    """Does the text hold something that looks like a NIK or a mobile number?"""
    return bool(_NIK.search(text) or _PHONE.search(text))


def link_count(text: str) -> int:
    return len(_LINK.findall(text))


def comment_body_clean(value: object) -> str:
    body = text_clean(value)
    if len(body) < COMMENT_MIN:
        raise Invalid(
            _("Please write at least %(n)d characters.") % {"n": COMMENT_MIN},
            code="comment_too_short",
        )
    if len(body) > COMMENT_MAX:
        raise Invalid(
            _("Please keep your comment under %(n)d characters.") % {"n": COMMENT_MAX},
            code="comment_too_long",
        )
    if link_count(body) > LINKS_MAX:
        raise Invalid(
            _("A comment may hold at most %(n)d links.") % {"n": LINKS_MAX},
            code="too_many_links",
        )
    if has_personal_data(body):
        raise Invalid(
            _("Please do not write a NIK or a phone number in a comment: comments are public."),
            code="personal_data",
        )
    return body


def display_name_clean(value: object) -> str:
    """The name to show ("" for Anonymous): short, no link, no personal data."""
    name = text_clean(value, multiline=False)
    if len(name) > NAME_MAX:
        raise Invalid(
            _("Please keep the name under %(n)d characters.") % {"n": NAME_MAX},
            code="invalid_name",
        )
    if link_count(name) or has_personal_data(name) or sum(ch.isdigit() for ch in name) > 4:
        raise Invalid(_("Please write only a name, or leave it empty."), code="invalid_name")
    return name


def bounded(value: object, *, low: int, high: int, code: str, multiline: bool = True) -> str:
    """Text between `low` and `high` characters, or Invalid with `code`."""
    text = text_clean(value, multiline=multiline)
    if len(text) < low:
        raise Invalid(_("Please write at least %(n)d characters.") % {"n": low}, code=code)
    if len(text) > high:
        raise Invalid(_("Please write at most %(n)d characters.") % {"n": high}, code=code)
    return text
