"""Forms of the consultation pages: parse what was posted; the services decide the rest.

Why: the forms only turn posted text into typed values (a date into the mall's closing
time, a service code into a Service); the rules (lengths, links, personal data, states)
are the services', and a refusal is put back on the field it concerns with
`add_service_error`, so citizens and managers see it next to what they typed.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall, Service
from mpp.consultation import guards
from mpp.consultation.models import Topic, Vote
from mpp.core.errors import DomainError

CHANGE_ROWS = 5  # change rows on the conclude form (no JavaScript to add more)
CLOSING_TIME = dt.time(23, 59, 59)  # a topic is open until the end of its last day

# Which form field a service's error code belongs to.
FIELD_OF_CODE = {
    "invalid_title": "title",
    "invalid_body": "body",
    "invalid_kind": "kind",
    "invalid_closes_at": "closes_on",
    "invalid_outcome": "outcome",
    "invalid_change": "change_1",
    "invalid_reason": "reason",
    "invalid_reply": "reply",
    "comment_too_short": "body",
    "comment_too_long": "body",
    "too_many_links": "body",
    "personal_data": "body",
    "invalid_name": "display_name",
    "invalid_stance": "stance",
}


def add_service_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on its field (or above the form when it has none)."""
    field = FIELD_OF_CODE.get(exc.code)
    form.add_error(field if field in form.fields else None, exc.message)


def closing_time(mall: Mall, day: dt.date | None) -> dt.datetime | None:
    """The end of `day` in the mall's time zone (a topic is open until then)."""
    if day is None:
        return None
    return dt.datetime.combine(day, CLOSING_TIME, tzinfo=mall.tz)


def closing_day(mall: Mall, when: dt.datetime | None) -> dt.date | None:
    return when.astimezone(mall.tz).date() if when else None


def _date_field(label, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
    )


def offered_services(mall: Mall):
    """The services offered in the mall, for the topic and change forms."""
    return (
        Service.objects.filter(offerings__mall=mall, offerings__is_active=True)
        .select_related("agency")
        .order_by("agency__name", "name")
        .distinct()
    )


class ServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.agency} · {obj.name}"


class TopicForm(forms.Form):
    """Create or edit a draft topic."""

    title = forms.CharField(label=_("Title"), max_length=guards.TITLE_MAX)
    kind = forms.ChoiceField(label=_("Kind of topic"), choices=Topic.Kind.choices)
    service = ServiceChoice(
        label=_("Service it is about"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    body = forms.CharField(
        label=_("What is proposed"),
        max_length=guards.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Write it for citizens: what would change, for whom, and what you want to know."
        ),
    )
    closes_on = _date_field(_("Open for input until (inclusive)"), required=False)

    def __init__(self, *args, mall: Mall, **kwargs):
        super().__init__(*args, **kwargs)
        self.mall = mall
        self.fields["service"].queryset = offered_services(mall)

    @property
    def closes_at(self) -> dt.datetime | None:
        return closing_time(self.mall, self.cleaned_data.get("closes_on"))


class ClosingForm(forms.Form):
    """Publish a topic, or extend an open one, until a day."""

    closes_on = _date_field(_("Open for input until (inclusive)"), required=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=guards.REASON_MAX)


class ConcludeForm(forms.Form):
    """The outcome and up to CHANGE_ROWS concrete changes, each maybe about a service."""

    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=guards.OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What was decided, and how the votes and comments weighed in."),
    )

    def __init__(self, *args, mall: Mall, **kwargs):
        super().__init__(*args, **kwargs)
        services = offered_services(mall)
        for i in range(1, CHANGE_ROWS + 1):
            self.fields[f"change_{i}"] = forms.CharField(
                label=_("Change %(n)d") % {"n": i}, max_length=guards.CHANGE_MAX, required=False
            )
            self.fields[f"service_{i}"] = ServiceChoice(
                label=_("Service of change %(n)d") % {"n": i},
                queryset=services,
                required=False,
                empty_label=_("(none)"),
            )

    @property
    def rows(self) -> list[tuple]:
        """(text field, service field) pairs, for the template."""
        return [(self[f"change_{i}"], self[f"service_{i}"]) for i in range(1, CHANGE_ROWS + 1)]

    @property
    def changes(self) -> list[tuple[str, Service | None]]:
        data = self.cleaned_data
        return [
            (data[f"change_{i}"], data.get(f"service_{i}"))
            for i in range(1, CHANGE_ROWS + 1)
            if data.get(f"change_{i}", "").strip()
        ]


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(label=_("Reason"), max_length=guards.REASON_MAX, required=False)
    reply = forms.CharField(
        label=_("Public reply from the mall (optional)"),
        max_length=guards.REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    """A citizen's comment: an optional name and the text (nothing else is asked)."""

    display_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=guards.NAME_MAX,
        required=False,
        help_text=_("Leave it empty to appear as Anonymous."),
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=guards.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please write your comment.")},
    )


class VoteForm(forms.Form):
    stance = forms.ChoiceField(
        choices=Vote.Stance.choices, error_messages={"required": _("Please choose one.")}
    )
