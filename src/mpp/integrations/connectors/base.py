"""What a connector to an agency's back end is: the few methods the sync needs.

Why a small base class: every agency system (Dukcapil's SIAK, Polri's SKCK system,
OSS, a regional licensing system) takes applications and reports their progress in its
own way. The sync (mpp.integrations.connectors.sync) only needs to know, per connector:
which of our records it takes (`handles`), how to hand one over (`push`), how to ask
for its status later (`pull`) and what the agency's statuses mean in ours
(`status_map`). A connector raises ConnectorUnavailable when it should be tried again
later (an outage, a timeout, a 5xx) and ConnectorRejected when trying again cannot help
(the agency refused the record); the sync keeps records, retries and errors.

Connectors are enabled by settings.MPP_CONNECTORS (dotted class paths, optionally
"path:name" to run one class several times under different names) and by installed
packages declaring the entry point group "mpp.connectors" (see registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# The subjects a connector may take, and the events that hand them over.
SUBJECTS = ("case", "booking")


class ConnectorError(Exception):
    """Something went wrong talking to the agency; `reason` is kept as last_error.

    Never put personal data (NIK, phone, names) into the reason: it is stored and shown.
    """

    permanent = False

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = str(reason)[:300]


class ConnectorUnavailable(ConnectorError):
    """The agency cannot be reached or answered "later" (5xx, 429, timeout): retry."""


class ConnectorRejected(ConnectorError):
    """The agency refused the record for good (4xx): retrying would not help."""

    permanent = True


@dataclass(frozen=True)
class PushResult:
    """What the agency answered to a push: its id for the record and its status."""

    external_id: str
    external_status: str = ""


@dataclass(frozen=True)
class PullResult:
    """The agency's status of a record, and its note for the citizen if it gave one."""

    status: str
    note: str = ""


class Connector:
    """One agency back end. Subclasses set `name` (or get one from the registry) and
    implement `handles`, `push` and `pull`; `status_map` maps the agency's statuses
    to ours (mpp.cases.models.Case.Status values). A mapped value of "" (or None)
    means "known, nothing to do"; a status missing from the map is reported.

    Instances are long-lived (one per process per configuration) and must be safe to
    use from one thread at a time; read settings at call time, not at import.
    """

    name: str = ""
    # Which subjects it takes: "case" (pushed on case.submitted), "booking" (pushed on
    # booking.created or booking.confirmed).
    subjects: tuple[str, ...] = ("case",)
    status_map: dict[str, str | None] = {}
    # Seconds between two pulls of one record's status.
    pull_every: float = 300.0
    # Walk forward steps (verification, processing, ready, completed) the agency took
    # between two pulls; False: only single allowed steps are taken.
    walk_forward: bool = True

    def __init__(self, name: str | None = None):
        if name:
            self.name = name
        if not self.name:
            self.name = type(self).__name__.lower()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def label(self) -> str:
        """Who the case history says took a step (CaseEvent.actor_label)."""
        return f"connector:{self.name}"

    def handles(self, subject_type: str, record) -> bool:
        """Does this connector take `record` (a Case or a Booking, booth and agency
        loaded)? Called inside the transaction of the change: no network here."""
        raise NotImplementedError

    def push(self, record) -> PushResult:
        """Hand `record` over to the agency. Must be idempotent: pushing the same
        record again (after a timeout, a killed worker) must not make a second
        application there; send `idempotency_key(record)` for that."""
        raise NotImplementedError

    def pull(self, external_id: str) -> str:
        """The agency's current status of the record it knows as `external_id`."""
        raise NotImplementedError

    def pull_result(self, external_id: str) -> PullResult:
        """`pull` with the agency's note, for connectors whose agency gives one."""
        return PullResult(status=self.pull(external_id))

    def idempotency_key(self, record) -> str:
        """A stable id of `record`, the same on every push of it."""
        return f"mpp-{subject_type_of(record)}-{record.pk}"

    def setting(self, key: str, default=None):
        """settings.MPP_AGENCY_<NAME>[key], else settings/env MPP_AGENCY_<NAME>_<KEY>."""
        import os

        prefix = "MPP_AGENCY_" + self.name.upper().replace("-", "_").replace(".", "_")
        block = getattr(settings, prefix, None)
        if isinstance(block, dict) and key in block:
            return block[key]
        flat = f"{prefix}_{key.upper()}"
        if hasattr(settings, flat):
            return getattr(settings, flat)
        return os.environ.get(flat, default)


def subject_type_of(record) -> str:
    """ "case" for a Case, "booking" for a Booking."""
    return record._meta.model_name
