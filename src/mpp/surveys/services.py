"""Writes of the SKM: invite a transaction, take its one anonymous answer, send the link.

    invitation_create(*, kind, transaction_id, mall_id, agency_id, service_id,
                      booth_id=None, counter_id=None, now=None) -> SurveyInvitation
        idempotent: the same transaction always has the same invitation (and token)
    response_submit(*, token, answers, profile, comment="", channel="web", now=None)
        -> SurveyResponse
        NotFound survey_not_found (404), Conflict survey_already_answered (409),
        SurveyExpired survey_expired (410), Invalid invalid_answers / invalid_profile /
        invalid_comment / invalid_channel (422)
    invitation_notify(*, invitation_id, channel, recipient, language=None, base_url=None)
        queues the survey link through the notification outbox

Why here and not in the serving apps: queueing (and later cases) only say "this
transaction is finished" with plain values; the survey rules (one answer per
transaction, 30 days, anonymity) live in one place. Invitations and notifications record
an event in core's log without personal data; an answer records none, so the log
cannot join an answer to its transaction (docs/survey-privacy.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.models import Mall
from mpp.core.errors import Conflict, DomainError, Invalid, NotFound
from mpp.core.events import event_record
from mpp.core.links import public_base_url
from mpp.notifications.services import message_enqueue
from mpp.surveys.ikm import (
    AGE_MAX,
    AGE_MIN,
    EDUCATION_CHOICES,
    ELEMENTS,
    OCCUPATION_CHOICES,
    SCORES,
    SEX_CHOICES,
)
from mpp.surveys.models import (
    INVITATION_DAYS,
    ResponseChannel,
    SurveyInvitation,
    SurveyResponse,
    TransactionKind,
)
from mpp.surveys.selectors import invitation_by_token

COMMENT_MAX = 1000
NOTIFY_TEMPLATE = "survey_invitation"


class SurveyExpired(DomainError):
    """The invitation's 30 days are over: 410 Gone."""

    status = 410
    code = "survey_expired"
    default_message = gettext_lazy("This survey link has expired.")


def _not_found() -> NotFound:
    return NotFound(_("There is no survey with this link."), code="survey_not_found")


def _answered() -> Conflict:
    return Conflict(
        _("This survey has already been answered. Thank you!"), code="survey_already_answered"
    )


# Invitations -----------------------------------------------------------------


def invitation_create(
    *,
    kind: str,
    transaction_id: str,
    mall_id: int,
    agency_id: int,
    service_id: int,
    booth_id: int | None = None,
    counter_id: int | None = None,
    now: dt.datetime | None = None,
) -> SurveyInvitation:
    """The invitation of one finished transaction, made on the first call.

    Idempotent: a second call for the same (kind, transaction_id) returns the first
    invitation unchanged. Call it inside the transaction that finishes the service.
    """
    if kind not in TransactionKind.values:
        raise Invalid(_("Unknown transaction kind."), code="invalid_kind")
    transaction_id = str(transaction_id or "").strip()
    if not transaction_id or len(transaction_id) > 64:
        raise Invalid(_("A transaction id is required."), code="invalid_transaction")
    existing = SurveyInvitation.objects.filter(kind=kind, transaction_id=transaction_id).first()
    if existing is not None:
        return existing
    mall = Mall.objects.filter(pk=mall_id).only("pk", "timezone", "regency_id").first()
    if mall is None:
        raise NotFound(_("Mall not found."), code="mall_not_found")
    now = now or timezone.now()
    invitation = SurveyInvitation(
        kind=kind,
        transaction_id=transaction_id,
        mall_id=mall.pk,
        agency_id=agency_id,
        service_id=service_id,
        booth_id=booth_id,
        counter_id=counter_id,
        province_code=mall.regency_id[:2],
        created_at=now,
        created_on=timezone.localdate(now, mall.tz),
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller usable
            invitation.save(force_insert=True)
    except IntegrityError:
        existing = SurveyInvitation.objects.filter(kind=kind, transaction_id=transaction_id).first()
        if existing is None:
            raise
        return existing
    event_record(
        kind="survey.invited",
        subject_type="survey_invitation",
        subject_id=invitation.pk,
        mall_id=mall.pk,
        data={"transaction_kind": kind},
        occurred_at=now,
    )
    return invitation


# Answers ---------------------------------------------------------------------


def _whole(value) -> int | None:
    """An int, or a string of digits, as an int (not a bool); else None."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _score(value) -> int | None:
    value = _whole(value)
    return value if value in SCORES else None


def question_numbers(codes) -> str:
    """The questions as the form numbers them ("2, 7"), from element codes ("U2", "U7")."""
    numbers = {e.code: n for n, e in enumerate(ELEMENTS, start=1)}
    return ", ".join(str(numbers[code]) for code in codes)


def clean_answers(answers: Mapping) -> dict[str, int]:
    """{"U1": 1-4, ..., "U9": 1-4}, or Invalid invalid_answers naming what is wrong in the
    form's own words: questions by their number (1-9), answers by their letter (a-d)."""
    if not isinstance(answers, Mapping):
        raise Invalid(_("Please answer all nine questions."), code="invalid_answers")
    unknown = sorted(str(k) for k in answers if k not in {e.code for e in ELEMENTS})
    if unknown:
        raise Invalid(
            _("The questionnaire has no question %(codes)s: it has questions 1 to 9.")
            % {"codes": ", ".join(unknown)},
            code="invalid_answers",
        )
    clean, missing = {}, []
    for element in ELEMENTS:
        score = _score(answers.get(element.code))
        if score is None:
            missing.append(element.code)
        else:
            clean[element.code] = score
    if missing:
        raise Invalid(
            (  # two msgids, not ngettext: Indonesian has one form, and the .po stays simple
                _("Please answer question %(numbers)s: choose a, b, c or d.")
                if len(missing) == 1
                else _("Please answer questions %(numbers)s: choose a, b, c or d for each.")
            )
            % {"numbers": question_numbers(missing)},
            code="invalid_answers",
        )
    return clean


def _age(value) -> int | None:
    value = _whole(value)
    return value if value is not None and AGE_MIN <= value <= AGE_MAX else None


def clean_profile(profile: Mapping) -> dict:
    """The respondent's sex, age, education and occupation, or Invalid invalid_profile."""
    if not isinstance(profile, Mapping):
        profile = {}
    checks = (
        ("sex", lambda v: v if v in dict(SEX_CHOICES) else None, _("sex")),
        ("age", _age, _("age (%(low)s-%(high)s years)") % {"low": AGE_MIN, "high": AGE_MAX}),
        ("education", lambda v: v if v in dict(EDUCATION_CHOICES) else None, _("education")),
        ("occupation", lambda v: v if v in dict(OCCUPATION_CHOICES) else None, _("occupation")),
    )
    clean, wrong = {}, []
    for key, check, label in checks:
        value = profile.get(key)
        value = check(value) if isinstance(value, str | int) else None
        if value is None:
            wrong.append(str(label))
        else:
            clean[key] = value
    if wrong:
        raise Invalid(
            _("Please fill in your %(fields)s.") % {"fields": ", ".join(wrong)},
            code="invalid_profile",
        )
    return clean


def clean_comment(comment) -> str:
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise Invalid(
            _("The comment is too long: at most %(n)s characters.") % {"n": COMMENT_MAX},
            code="invalid_comment",
        )
    return text


def invitation_check(invitation: SurveyInvitation | None, now: dt.datetime) -> SurveyInvitation:
    """The invitation if it can still be answered, else the matching domain error."""
    if invitation is None:
        raise _not_found()
    if invitation.is_answered:
        raise _answered()
    if invitation.is_expired(now):
        raise SurveyExpired()
    return invitation


@transaction.atomic
def response_submit(
    *,
    token: str,
    answers: Mapping,
    profile: Mapping,
    comment: str = "",
    channel: str = ResponseChannel.WEB,
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """Record the one answer an invitation allows, anonymously.

    The invitation is marked used by a conditional UPDATE (WHERE NOT used) in the same
    transaction as the insert: of two submissions at once, exactly one wins; the other
    gets survey_already_answered and writes nothing. The flag holds no time, and no
    event is written: nothing ties the answer to the invitation's transaction.
    """
    now = now or timezone.now()
    invitation = invitation_check(invitation_by_token(token), now)
    scores = clean_answers(answers)
    person = clean_profile(profile)
    text = clean_comment(comment)
    if channel not in ResponseChannel.values:
        raise Invalid(_("Unknown survey channel."), code="invalid_channel")
    won = SurveyInvitation.objects.filter(pk=invitation.pk, used=False).update(used=True)
    if won != 1:
        raise _answered()
    response = SurveyResponse.objects.create(
        kind=invitation.kind,
        mall_id=invitation.mall_id,
        agency_id=invitation.agency_id,
        booth_id=invitation.booth_id,
        service_id=invitation.service_id,
        province_code=invitation.province_code,
        **{e.field: scores[e.code] for e in ELEMENTS},
        **person,
        comment=text,
        channel=channel,
        submitted_on=timezone.localdate(now, invitation.mall.tz),
    )
    # No event: one naming the invitation (or the answer) at this minute is the join that
    # anonymity forbids, and even an unnamed one sits in the log's order right after the
    # ticket it follows (docs/survey-privacy.md). The IKM reports count the answers.
    return response


# The link by SMS / WhatsApp / e-mail -------------------------------------------


def survey_path(token: str) -> str:
    return reverse("survey", kwargs={"token": token})


@transaction.atomic
def invitation_notify(
    *,
    invitation_id: int,
    channel: str,
    recipient: str,
    language: str | None = None,
    base_url: str | None = None,
) -> None:
    """Queue the survey link to the citizen (outbox; sent later by `mpp worker`).

    `recipient` is an E.164 phone number or an e-mail address: it goes only into the
    outbox row, never into the event, a log or the link. The link needs the public
    address (base_url, else settings.MPP_PUBLIC_URL). Sent once per channel.
    """
    invitation = (
        SurveyInvitation.objects.select_related("mall", "service").filter(pk=invitation_id).first()
    )
    invitation_check(invitation, timezone.now())
    base = (base_url or public_base_url()).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise Conflict(
            _("The public address of this installation is not configured."),
            code="public_url_missing",
        )
    message_enqueue(
        channel=channel,
        recipient=recipient,
        template=NOTIFY_TEMPLATE,
        context={
            "mall": invitation.mall.name,
            "service": invitation.service.name,
            "url": base + survey_path(invitation.token),
            "expires_date": timezone.localdate(
                invitation.expires_at, invitation.mall.tz
            ).isoformat(),
            "language": language or settings.LANGUAGE_CODE,
        },
        dedupe_key=f"survey:{invitation.pk}:{channel}",
    )
    event_record(
        kind="survey.notified",
        subject_type="survey_invitation",
        subject_id=invitation.pk,
        mall_id=invitation.mall_id,
        data={"channel": channel},
    )
