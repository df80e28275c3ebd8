"""An application form as JSON Schema, its validation, and the same form as a Django form.

Why: a mall manager describes a form in the admin (CaseField rows), and four channels
fill it in: the citizen's web pages, the kiosk, the officer at the counter and an
agency's system through the API. One JSON Schema (2020-12) made from the rows is the
single rule all of them answer to; it is validated with the `jsonschema` package, and
each case keeps the schema it was submitted against (Case.form_schema), so a later edit
of the form never breaks an older case or changes how its answers read.

- ``schema_of(case_type)``: the schema; every property carries its labels, help and
  choice labels in Indonesian and English (``x-mpp``), so a stored snapshot can still be
  shown;
- ``answers_validate(...)``: clean answers (strings trimmed, "12" -> 12, "ya" -> True,
  empty answers left out) or ``AnswersInvalid`` with one readable message per question;
  ``partial=True`` (a draft) does not ask for the required ones yet;
- ``form_for(case_type, ...)``: a server-rendered form (no JavaScript needed) whose
  ``clean`` runs the same validation and leaves the clean answers in ``form.answers``;
- ``answers_display(case, language=...)``: (question, answer) pairs as people read them.

A field's pattern must match the whole answer; an invalid one is left out (admin refuses).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator

from mpp.core.errors import Invalid

DIALECT = "https://json-schema.org/draft/2020-12/schema"
TEXT_MAX = 200
LONG_TEXT_MAX = 4000
NIK_PATTERN = "^[0-9]{16}$"
PHONE_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
YES = ("true", "1", "yes", "ya", "y", "on")
NO = ("false", "0", "no", "tidak", "t", "n", "off")


class AnswersInvalid(Invalid):
    """Answers that do not fit the form; ``errors`` maps a question's key to a message."""

    code = "invalid_answers"
    default_message = gettext_lazy("Some answers need correcting.")

    def __init__(self, errors: dict[str, str], message=None):
        self.errors = dict(errors)
        super().__init__(message)


def _english(language: str | None) -> bool:
    return (language or "id").lower().startswith("en")


def choices_of(field) -> list[tuple[str, str, str]]:
    """(value, Indonesian label, English label) of a field's "value|label|label_en" lines;
    a line without "|" is its own value and label."""
    found = []
    for line in (field.choices or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        value = parts[0]
        label = parts[1] if len(parts) > 1 and parts[1] else value
        label_en = parts[2] if len(parts) > 2 else ""
        found.append((value, label, label_en))
    return found


def _valid_pattern(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _property(field) -> dict:
    """The JSON Schema of one CaseField."""
    kind, low, high = field.kind, field.min_value, field.max_value
    if kind in ("text", "long_text"):
        prop = {"type": "string", "maxLength": TEXT_MAX if kind == "text" else LONG_TEXT_MAX}
        if high is not None:
            prop["maxLength"] = min(high, prop["maxLength"])
        if low is not None:
            prop["minLength"] = low
        if field.pattern and _valid_pattern(field.pattern):
            prop["pattern"] = f"^(?:{field.pattern})$"
    elif kind == "number":
        prop = {"type": "integer"}
        if low is not None:
            prop["minimum"] = low
        if high is not None:
            prop["maximum"] = high
    elif kind == "date":
        prop = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    elif kind == "choice":
        prop = {"type": "string", "enum": [value for value, _l, _e in choices_of(field)]}
    elif kind == "multi_choice":
        values = [value for value, _l, _e in choices_of(field)]
        prop = {"type": "array", "items": {"enum": values}, "uniqueItems": True}
        prop["minItems"] = max(low or 0, 1 if field.required else 0)
        if high is not None:
            prop["maxItems"] = high
    elif kind == "yes_no":
        prop = {"type": "boolean"}
    elif kind == "nik":
        prop = {"type": "string", "pattern": NIK_PATTERN}
    elif kind == "phone":
        prop = {"type": "string", "pattern": PHONE_PATTERN}
    elif kind == "email":
        prop = {"type": "string", "format": "email", "pattern": EMAIL_PATTERN, "maxLength": 254}
    else:  # an unknown kind: a short text
        prop = {"type": "string", "maxLength": TEXT_MAX}
    prop["title"] = field.label
    if field.help_text:
        prop["description"] = field.help_text
    extra = {"kind": kind, "label_en": field.label_en, "help_en": field.help_text_en}
    if kind in ("choice", "multi_choice"):
        extra["choices"] = [list(c) for c in choices_of(field)]
    prop["x-mpp"] = extra
    return prop


def schema_of(case_type) -> dict:
    """The JSON Schema (2020-12) of `case_type`'s form, properties in the form's order."""
    fields = list(case_type.fields.order_by("position", "pk"))
    return {
        "$schema": DIALECT,
        "$id": f"urn:mpp:case-type:{case_type.pk}:v{case_type.form_version}",
        "title": str(case_type.service.name) if case_type.service_id else "",
        "type": "object",
        "properties": {f.key: _property(f) for f in fields},
        "required": [f.key for f in fields if f.required],
        "additionalProperties": False,
        "x-mpp-form-version": case_type.form_version,
    }


# Validation ---------------------------------------------------------------------------------


def _coerce(value, prop: dict):
    """An answer as the schema expects it, or the value unchanged to let the schema say
    what is wrong; None when the answer is empty (left out)."""
    if isinstance(value, str):
        value = value.strip()
    if value in (None, "", []):
        return None
    kind = prop.get("x-mpp", {}).get("kind")
    if kind == "number" and isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,15}", value):
        return int(value)
    if kind == "yes_no" and isinstance(value, str):
        lowered = value.lower()
        return True if lowered in YES else False if lowered in NO else value
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date().isoformat()
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if kind == "multi_choice" and isinstance(value, str):
        return [value]
    if kind == "multi_choice" and isinstance(value, list | tuple):
        return [v.strip() if isinstance(v, str) else v for v in value]
    if kind in ("nik", "phone") and isinstance(value, str):
        return re.sub(r"[\s.\-()]", "", value)
    return value


def _message(error, prop: dict) -> str:
    """A readable message for one jsonschema error on a property."""
    kind = prop.get("x-mpp", {}).get("kind")
    check, limit = error.validator, error.validator_value
    if kind == "nik" and check == "pattern":
        return _("A NIK has exactly 16 digits.")
    if kind == "phone" and check == "pattern":
        return _("Enter a mobile number such as 0812 3456 7890.")
    if kind == "email" and check in ("pattern", "format"):
        return _("Enter a valid e-mail address.")
    if kind == "date" and check in ("pattern", "format", "type"):
        return _("Enter a date as YYYY-MM-DD.")
    if check == "type":
        types = {"integer": _("Enter a whole number."), "boolean": _("Answer yes or no.")}
        types["array"] = _("Choose from the list.")
        return types.get(prop.get("type"), _("Enter text."))
    messages = {
        "enum": _("Choose one of the options."),
        "minimum": _("The smallest allowed value is %(limit)s."),
        "maximum": _("The largest allowed value is %(limit)s."),
        "minLength": _("Write at least %(limit)s characters."),
        "maxLength": _("Write at most %(limit)s characters."),
        "minItems": _("Choose at least %(limit)s."),
        "maxItems": _("Choose at most %(limit)s."),
        "uniqueItems": _("Choose each option once."),
        "pattern": _("The answer does not have the expected form."),
    }
    message = messages.get(check, _("This answer is not valid."))
    return message % {"limit": limit} if "%(limit)s" in message else message


def answers_validate(*, case_type=None, schema=None, answers, partial=False) -> dict:
    """Clean `answers` against the form of `case_type` (or a stored `schema`).

    Returns the clean answers (only the form's questions, in its order, empty ones left
    out); raises AnswersInvalid with one message per question otherwise. `partial` (a
    draft being saved) leaves the required questions for later.
    """
    if schema is None:
        if case_type is None:
            raise ValueError("answers_validate needs a case_type or a schema")
        schema = schema_of(case_type)
    if not isinstance(answers, dict):
        raise AnswersInvalid({}, _("The answers must be an object of question keys."))
    properties = schema.get("properties", {})
    errors: dict[str, str] = {}
    for key in answers:
        if key not in properties:
            errors[str(key)] = _("This question is not on the form.")
    clean = {}
    for key, prop in properties.items():
        value = _coerce(answers.get(key), prop)
        if value is not None:
            clean[key] = value
    checked = dict(schema, additionalProperties=True)
    if partial:
        checked["required"] = []
    validator = Draft202012Validator(checked, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = sorted(validator.iter_errors(clean), key=lambda e: (list(e.path), e.validator))
    for error in found:
        if error.validator == "required":
            for key in error.validator_value:
                if key not in clean:
                    errors.setdefault(key, _("This answer is required."))
        elif error.path:
            key = str(error.path[0])
            errors.setdefault(key, _message(error, properties.get(key, {})))
    if errors:
        ordered = [k for k in properties if k in errors] + [
            k for k in errors if k not in properties
        ]
        raise AnswersInvalid({k: errors[k] for k in ordered})
    return clean


# The server-rendered form -----------------------------------------------------------------


def _label(text: str, text_en: str, language: str) -> str:
    return text_en if _english(language) and text_en else text


class CaseAnswersForm(forms.Form):
    """A case type's form; `answers` holds the clean answers after is_valid()."""

    def __init__(self, *args, schema: dict, partial: bool = False, language: str = "id", **kw):
        self.schema = schema
        self.partial = partial
        self.language = language
        self.answers: dict = {}
        super().__init__(*args, **kw)

    def full_clean(self):
        if self.partial:
            for field in self.fields.values():
                field.required = False
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        given = {k: v for k, v in cleaned.items() if k not in self.errors}
        for key, value in given.items():
            if self.schema["properties"][key]["x-mpp"]["kind"] == "yes_no":
                given[key] = {"yes": True, "no": False}.get(value)
        try:
            self.answers = answers_validate(schema=self.schema, answers=given, partial=self.partial)
        except AnswersInvalid as invalid:
            for key, message in invalid.errors.items():
                if key in self.fields and key not in self.errors:
                    self.add_error(key, message)
        return cleaned


_INPUT_ATTRS = {
    "nik": {"inputmode": "numeric", "autocomplete": "off"},  # spaces allowed, then removed
    "phone": {"inputmode": "tel", "autocomplete": "tel"},
    "email": {"type": "email", "autocomplete": "email"},
}


def _form_field(prop: dict, required: bool, language: str) -> forms.Field:
    extra = prop["x-mpp"]
    kind = extra["kind"]
    common = {
        "label": _label(prop["title"], extra.get("label_en", ""), language),
        "help_text": _label(prop.get("description", ""), extra.get("help_en", ""), language),
        "required": required,
    }
    options = [(v, _label(lbl, en, language)) for v, lbl, en in extra.get("choices", [])]
    if kind == "number":
        low, high = prop.get("minimum"), prop.get("maximum")
        return forms.IntegerField(min_value=low, max_value=high, **common)
    if kind == "date":
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, input_formats=["%Y-%m-%d", "%d/%m/%Y"], **common)
    if kind == "choice" and len(options) > 5:
        return forms.ChoiceField(choices=[("", "---------"), *options], **common)
    if kind == "choice":
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if kind == "multi_choice":
        widget = forms.CheckboxSelectMultiple
        return forms.MultipleChoiceField(choices=options, widget=widget, **common)
    if kind == "yes_no":
        with translation.override(language):
            options = [("yes", _("Yes")), ("no", _("No"))]
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if kind == "long_text":
        widget = forms.Textarea(attrs={"rows": 4})
    else:
        attrs = dict(_INPUT_ATTRS.get(kind, {}))
        if "minLength" in prop:
            attrs["minlength"] = prop["minLength"]
        widget = forms.TextInput(attrs=attrs)
    size = {"nik": 24, "phone": 20}.get(kind, prop.get("maxLength", TEXT_MAX))
    return forms.CharField(max_length=size, widget=widget, **common)


def _initial(answers: dict, schema: dict) -> dict:
    yes_no = {True: "yes", False: "no"}  # a yes/no answer: the radio's value
    found = {k: v for k, v in (answers or {}).items() if k in schema["properties"]}
    return {k: yes_no[v] if isinstance(v, bool) else v for k, v in found.items()}


def form_for(
    case_type, *, data=None, initial=None, language="id", partial=False
) -> CaseAnswersForm:
    """`case_type`'s form, labelled in `language` (Indonesian unless English is asked for
    and given). `initial` takes saved answers; `partial` (saving a draft) lets required
    questions stay empty. After is_valid(), `form.answers` holds the clean answers."""
    schema = schema_of(case_type)
    form = CaseAnswersForm(
        data=data,
        initial=_initial(initial or {}, schema),
        schema=schema,
        partial=partial,
        language=language,
    )
    required = set(schema["required"])
    for key, prop in schema["properties"].items():
        form.fields[key] = _form_field(prop, key in required, language)
    return form


# Display ------------------------------------------------------------------------------------


def _display_value(value, prop: dict, language: str) -> str:
    extra = prop.get("x-mpp", {})
    kind = extra.get("kind")
    labels = {c[0]: _label(c[1], c[2], language) for c in extra.get("choices", [])}
    if kind == "yes_no" and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "choice":
        return labels.get(value, str(value))
    if kind == "multi_choice" and isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if kind == "date" and isinstance(value, str):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return str(value)


def answers_display(case, *, language) -> list[tuple[str, str]]:
    """(question, answer) of `case` as people read them, in `language`, by the schema the
    case was submitted against (the current form while it is a draft). Questions left
    unanswered say so; answers to questions since removed come last under their key."""
    schema = case.form_schema or schema_of(case.case_type)
    properties = schema.get("properties", {})
    answers = case.answers or {}
    rows = []
    with translation.override(language):
        for key, prop in properties.items():
            label_en = prop.get("x-mpp", {}).get("label_en", "")
            label = _label(prop.get("title", key), label_en, language)
            if answers.get(key) in (None, "", []):
                rows.append((label, _("(not answered)")))
            else:
                rows.append((label, _display_value(answers[key], prop, language)))
        for key, value in answers.items():
            if key not in properties:
                rows.append((key, str(value)))
    return rows
