"""The questionnaire as a plain HTML form: what its fields are called and how they come back.

Why not a Django Form: the rules (scores 1-4, the profile's choices, the comment's
length) are checked once, in mpp.surveys.services; the page only has to read the POST
into (answers, profile, comment) and draw the nine questions with what was already
chosen, so a citizen who forgot one question does not have to start again.
"""

from __future__ import annotations

from mpp.surveys.ikm import (
    AGE_MAX,
    AGE_MIN,
    EDUCATION_CHOICES,
    ELEMENTS,
    OCCUPATION_CHOICES,
    SEX_CHOICES,
)
from mpp.surveys.services import COMMENT_MAX

LETTERS = "abcd"
PROFILE_FIELDS = ("sex", "age", "education", "occupation")


def read_post(post) -> tuple[dict, dict, str]:
    """(answers, profile, comment) from a submitted questionnaire, as strings."""
    answers = {e.code: post.get(e.code, "") for e in ELEMENTS}
    profile = {name: post.get(name, "").strip() for name in PROFILE_FIELDS}
    return answers, profile, post.get("comment", "")


def _options(name: str, choices, chosen: str) -> list[dict]:
    return [
        {"name": name, "value": str(value), "label": label, "checked": str(value) == chosen}
        for value, label in choices
    ]


def questionnaire(values: dict | None = None) -> dict:
    """Everything the questionnaire template draws, with `values` (a POST) pre-chosen."""
    values = values or {}
    questions = []
    for number, element in enumerate(ELEMENTS, start=1):
        chosen = str(values.get(element.code, ""))
        options = _options(element.code, element.choices(), chosen)
        for option, letter in zip(options, LETTERS, strict=True):
            option["letter"] = letter
        questions.append({"number": number, "element": element, "options": options})
    return {
        "questions": questions,
        "sex_options": _options("sex", SEX_CHOICES, str(values.get("sex", ""))),
        "education_options": _options(
            "education", EDUCATION_CHOICES, str(values.get("education", ""))
        ),
        "occupation_options": _options(
            "occupation", OCCUPATION_CHOICES, str(values.get("occupation", ""))
        ),
        "age_value": str(values.get("age", "")),
        "age_min": AGE_MIN,
        "age_max": AGE_MAX,
        "comment_value": str(values.get("comment", "")),
        "comment_max": COMMENT_MAX,
    }
