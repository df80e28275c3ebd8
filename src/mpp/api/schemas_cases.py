"""Request and response shapes of the cases API (berkas permohonan, issue 12).

Agency systems and other vendors' counter software build against these, and they
generate the committed OpenAPI spec: change them only with care. Statuses, relations,
channels and document kinds are spelled out (not taken from mpp.cases.models) so the
published contract changes only on purpose; tests check they match the models.

Personal data: a case carries its NIK only as `nik_masked` (the last four digits) and
its phone and e-mail masked; form answers of NIK or phone fields are masked too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Field, Schema

from mpp.api.schemas import CODE_MAX, CODE_PATTERN

CaseStatusName = Literal[
    "draft",
    "submitted",
    "verification",
    "returned",
    "processing",
    "ready",
    "completed",
    "rejected",
    "withdrawn",
]
RelationName = Literal["self", "parent", "child", "spouse", "family", "proxy"]
ChannelName = Literal["web", "kiosk", "counter", "mobile", "api", "system"]
DocumentKindName = Literal["submitted", "scanned", "output"]
ActorKindName = Literal["citizen", "officer", "agency", "system"]

NOTE_MAX = 2000


class CaseIn(Schema):
    """An application recorded for a citizen (by an agency system or at a counter)."""

    mall: str = Field(..., min_length=1, max_length=60, pattern=CODE_PATTERN)
    service: str = Field(
        ...,
        min_length=1,
        max_length=CODE_MAX,
        pattern=CODE_PATTERN,
        description="The service's code; the mall must take online applications for it.",
    )
    applicant_name: str = Field(..., min_length=1, max_length=120)
    nik: str = Field(
        ...,
        max_length=32,
        description="The applicant's 16-digit NIK. Personal data: kept only as a keyed "
        "digest and its last four digits, never returned, never logged.",
    )
    phone: str = Field("", max_length=40, description="Indonesian mobile number (optional).")
    email: str = Field("", max_length=254)
    language: Literal["id", "en"] = Field("id", description="Of the citizen's messages.")
    relation: RelationName = "self"
    subject_name: str = Field("", max_length=120, description="When not applying for oneself.")
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers to the form, by field key (see the service's form); may be "
        "partial: the form is checked in full when the case is submitted.",
    )
    ticket: uuid.UUID | None = Field(
        None, description="The queue ticket being served, when recorded at a counter."
    )


class MissingIn(Schema):
    documents: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Codes of the documents the citizen must add or replace.",
    )
    note: str = Field("", max_length=NOTE_MAX, description="What is missing, for the citizen.")


class TransitionIn(Schema):
    to: CaseStatusName = Field(..., description="The status to move the case to.")
    note: str = Field(
        "",
        max_length=NOTE_MAX,
        description="For the citizen (shown in the case's history); the reason is "
        "required to reject.",
    )
    internal_note: str = Field("", max_length=NOTE_MAX, description="Staff only.")
    missing: MissingIn | None = Field(None, description="Required to return a case.")


class CaseDocumentOut(Schema):
    id: int
    requirement: str | None = Field(..., description="The required document's code.")
    kind: DocumentKindName
    file_kind: str = Field(..., examples=["pdf"])
    size: int
    sha256: str
    original_name: str
    channel: ChannelName
    created_at: dt.datetime
    is_current: bool


class CaseEventOut(Schema):
    at: dt.datetime
    kind: str = Field(..., examples=["transition"])
    from_status: str
    to_status: str
    actor_kind: ActorKindName
    channel: ChannelName
    note: str
    internal_note: str


class MissingOut(Schema):
    documents: list[str]
    note: str


class CaseSummaryOut(Schema):
    id: uuid.UUID = Field(..., description="Act on this id (the number is the citizen's key).")
    number: str
    mall: str
    booth_id: int
    booth: str
    service: str
    service_name: str
    status: CaseStatusName
    channel: ChannelName
    applicant_name: str
    nik_masked: str = Field(..., examples=["************0001"])
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    due_on: dt.date | None = Field(..., description="In working days; paused while returned.")
    overdue: bool
    version: int = Field(..., description='Rises on every change; the ETag is "v<version>".')


class CaseOut(CaseSummaryOut):
    language: str
    phone_masked: str
    email_masked: str
    relation: RelationName
    subject_name: str
    answers: dict[str, Any] = Field(..., description="NIK and phone answers masked.")
    form_version: int
    ticket: uuid.UUID | None
    assigned_to: str | None = Field(..., description="The officer's username.")
    completed_at: dt.datetime | None
    returned_at: dt.datetime | None
    missing: MissingOut | None
    outcome_note: str
    next_statuses: list[CaseStatusName] = Field(
        ..., description="Where an agency system may move the case now."
    )
    documents: list[CaseDocumentOut]
    history: list[CaseEventOut]


class CaseListOut(Schema):
    count: int
    items: list[CaseSummaryOut]
