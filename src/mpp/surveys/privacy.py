"""Small groups of answers are not shown: the SKM's rule of k-anonymity.

Why: an answer is anonymous only among others. A booth, a service or a day with one or
two answers shows those very answers, and the officer who served that day knows whom
they served. So every figure of a group (the index, the nine mean scores, the profile,
the comments) is shown only when at least MIN_ANSWERS answers make it up; a smaller
group shows "fewer than 5 answers" instead of its count and figures, on the pages, in
the exports and in the API. Within one breakdown the total minus the shown rows gives the
hidden rows together; when they add up to fewer than MIN_ANSWERS, the next smallest
rows are withheld too until they do (complementary suppression, as statistics offices
do).

    MIN_ANSWERS = 5
    is_small(respondents) -> bool             1..4 answers: hidden (0 is shown as none)
    few_label() -> str                        "fewer than 5 answers", in the language now
    complement(counts) -> set of keys         the rows to withhold besides the small ones

See docs/survey-privacy.md for what stays possible (differencing two periods).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

MIN_ANSWERS = 5


def is_small(respondents: int | None) -> bool:
    """A group with answers, but fewer than MIN_ANSWERS: its figures are not shown."""
    return bool(respondents) and respondents < MIN_ANSWERS


def few_label() -> str:
    """What a hidden group shows instead of its count (translated when called)."""
    return _("fewer than %(n)s answers") % {"n": MIN_ANSWERS}


def complement(counts: Mapping) -> set:
    """{key: respondents} of one breakdown's rows -> the keys of otherwise shown rows to
    withhold, so that the hidden rows together (what the total minus the shown rows
    gives) hold no answers or at least MIN_ANSWERS."""
    hidden = sum(n for n in counts.values() if is_small(n))
    shown = sorted(((n, str(k)), k) for k, n in counts.items() if n and not is_small(n))
    extra: set = set()
    while 0 < hidden < MIN_ANSWERS and shown:
        (n, _order), key = shown.pop(0)
        extra.add(key)
        hidden += n
    return extra
