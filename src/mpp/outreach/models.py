"""Jemput bola (mobile service): demand from villages and homes, the fleet that answers it,
the plans that send it out, and what the crew records offline in the field.

Why one app: the four parts share one chain (a request is planned into a visit, a visit is
served by a vehicle, the crew's records point at the visit) and sit on one floor of the
house (ARCHITECTURE.md, floor 7): they may call bookings, cases, queueing, catalog,
notifications, accounts and core; nothing below imports them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall, Offering, Service
from mpp.core.models import Region


class VillagePoint(models.Model):
    """Where a van stops in a village: the polygon centroid shipped with the project
    (outreach/data, cahyadsn/wilayah_boundaries, MIT) until an officer corrects it to
    the village hall or another meeting point. Centroids are not office locations."""

    village = models.OneToOneField(
        Region,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="outreach_point",
        verbose_name=_("village"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    centroid_lat = models.DecimalField(_("centroid latitude"), max_digits=9, decimal_places=6)
    centroid_lon = models.DecimalField(_("centroid longitude"), max_digits=9, decimal_places=6)
    meeting_lat = models.DecimalField(
        _("meeting point latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    meeting_lon = models.DecimalField(
        _("meeting point longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    meeting_place = models.CharField(_("meeting place"), max_length=200, blank=True)
    # Village hall hours: the window a village visit must start and end in.
    opens_at = models.TimeField(_("hall opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("hall closes at"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)

    mall_path = None  # national reference data (accounts.access)

    class Meta:
        verbose_name = _("village meeting point")
        verbose_name_plural = _("village meeting points")

    def __str__(self) -> str:
        return str(self.village)

    @property
    def lat(self):
        return self.meeting_lat if self.meeting_lat is not None else self.centroid_lat

    @property
    def lon(self):
        return self.meeting_lon if self.meeting_lon is not None else self.centroid_lon


class Vehicle(models.Model):
    """A van, boat or motorbike of a mall's mobile service: how many people it can serve
    in a day, which services ride along (the offerings of the agencies on board), its
    crew, its depot and shift. It works on the mall's working days (core.workdays) except
    its own days off."""

    class Kind(models.TextChoices):
        VAN = "van", _("Van")
        BOAT = "boat", _("Boat")
        MOTORBIKE = "motorbike", _("Motorbike")

    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("mall")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VAN)
    plate = models.CharField(_("registration plate"), max_length=20, blank=True)
    capacity_per_day = models.PositiveSmallIntegerField(_("people served per day"), default=40)
    shift_start = models.TimeField(_("shift starts"), default="08:00")
    shift_end = models.TimeField(_("shift ends"), default="15:00")
    speed_kmh = models.PositiveSmallIntegerField(_("average travel speed (km/h)"), default=30)
    depot_lat = models.DecimalField(_("depot latitude"), max_digits=9, decimal_places=6)
    depot_lon = models.DecimalField(_("depot longitude"), max_digits=9, decimal_places=6)
    offerings = models.ManyToManyField(
        Offering, related_name="vehicles", blank=True, verbose_name=_("services on board")
    )
    crew = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="vehicles", blank=True, verbose_name=_("crew")
    )
    days_off = models.JSONField(_("days off (ISO dates)"), default=list, blank=True)
    active = models.BooleanField(_("in service"), default=True)

    mall_path = "mall"

    class Meta:
        ordering = ["mall", "name"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.name


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # waiting for a plan
    SCHEDULED = "scheduled", _("Scheduled")  # in a published plan's visit
    SERVED = "served", _("Served")  # the crew recorded it done
    CANCELLED = "cancelled", _("Cancelled")


class RequestSource(models.TextChoices):
    WEB = "web", _("Web")
    WHATSAPP = "whatsapp", _("WhatsApp (assistant)")
    KIOSK = "kiosk", _("Kiosk")
    AGENT = "agent", _("Village head or social worker")
    STAFF = "staff", _("Mall staff")
    API = "api", _("API")


class Need(models.TextChoices):
    """Why someone cannot travel: these weigh more in the plan and ask for a home visit."""

    ELDERLY = "elderly", _("Elderly")
    DISABLED = "disabled", _("Disabled")
    BEDRIDDEN = "bedridden", _("Bedridden or sick")
    NEW_MOTHER = "new_mother", _("New mother")


class OutreachRequest(models.Model):
    """Demand for the mobile service: a village (or a home in it) needs these services for
    this many people. Citizens, village agents and staff file it; plans aggregate it per
    village and service. The phone is personal data: masked on every page but the
    manager's detail, never in a URL or a log."""

    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="outreach_requests", verbose_name=_("mall")
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="outreach_requests",
        verbose_name=_("village"),
    )
    services = models.ManyToManyField(Service, related_name="outreach_requests")
    people = models.PositiveSmallIntegerField(_("number of people"), default=1)
    home_visit = models.BooleanField(_("home visit"), default=False)
    needs = models.JSONField(_("why they cannot travel"), default=list, blank=True)  # [Need]
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.TextField(_("address or landmark"), blank=True)  # home visits only
    # The home's location (home visits) from the phone, or an officer's correction;
    # empty means "same as the village" (VillagePoint).
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=RequestSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"))

    mall_path = "mall"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mobile service request")
        verbose_name_plural = _("mobile service requests")
        indexes = [models.Index(fields=["mall", "status"], name="outreach_req_mall_status")]

    def __str__(self) -> str:
        return self.code


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class Plan(models.Model):
    """A multi-day route plan for a mall's fleet over a horizon, made by the planner
    (PyVRP) from the open requests, the pins and the exclusions. A manager publishes it;
    publishing supersedes the mall's earlier published plan for overlapping days."""

    mall = models.ForeignKey(
        Mall, on_delete=models.PROTECT, related_name="outreach_plans", verbose_name=_("mall")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    # What the planner saw and did: seconds, cost, weights served/asked, solver version.
    stats = models.JSONField(default=dict, blank=True)

    mall_path = "mall"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mobile service plan")
        verbose_name_plural = _("mobile service plans")

    def __str__(self) -> str:
        return f"{self.mall_id}: {self.starts_on}..{self.ends_on} ({self.status})"


class Visit(models.Model):
    """One stop of a vehicle on one day of a plan: a village (its meeting point) or one
    home. The public schedule shows village visits by name and home visits without names
    or addresses."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village")
        HOME = "home", _("Home visit")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="visits")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("date"))
    order = models.PositiveSmallIntegerField(_("stop number"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="outreach_visits")
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    people = models.PositiveSmallIntegerField(_("people expected"), default=0)
    services = models.ManyToManyField(Service, related_name="outreach_visits", blank=True)
    requests = models.ManyToManyField(OutreachRequest, related_name="visits", blank=True)
    pinned = models.BooleanField(_("pinned by the manager"), default=False)

    mall_path = "plan__mall"

    class Meta:
        ordering = ["date", "vehicle", "order"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "vehicle", "date", "order"], name="outreach_visit_stop_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M} {self.village_id} ({self.kind})"


class PlanRule(models.Model):
    """A manager's standing instruction to the planner: pin a village to a day (and
    optionally a vehicle), or exclude a village from plans until the rule is removed."""

    class Kind(models.TextChoices):
        PIN = "pin", _("Pin a visit")
        EXCLUDE = "exclude", _("Exclude the village")

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="outreach_rules")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"), null=True, blank=True)  # pins only
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    mall_path = "mall"

    class Meta:
        verbose_name = _("planning rule")
        verbose_name_plural = _("planning rules")

    def __str__(self) -> str:
        return f"{self.kind} {self.village_id}"


class UnservedReason(models.TextChoices):
    EXCLUDED = "excluded", _("The village is excluded")
    NO_VEHICLE = "no_vehicle", _("No vehicle carries the service")
    CAPACITY = "capacity", _("Not enough vehicle capacity or days in the horizon")
    TOO_FAR = "too_far", _("Too far to reach and return within a shift")
    NO_LOCATION = "no_location", _("The village has no known location")


class Unserved(models.Model):
    """A request a plan leaves out, and why (shown to the manager)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="unserved")
    request = models.ForeignKey(OutreachRequest, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=UnservedReason.choices)

    mall_path = "plan__mall"

    def __str__(self) -> str:
        return f"{self.request_id}: {self.reason}"


class RecordKind(models.TextChoices):
    TICKET = "ticket", _("Field ticket")
    SERVICE = "service", _("Service rendered")
    APPLICATION = "application", _("Application started")
    NOTE = "note", _("Note")


class RecordStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    CONFLICT = "conflict", _("In conflict: a person must choose")  # another edit of the same
    RESOLVED = "resolved", _("Conflict resolved")


class FieldRecord(models.Model):
    """One thing the crew recorded in the field, uploaded from the offline app.

    The device makes the id. An uploaded record is frozen: an edit is a new record
    pointing to the one it edits (`previous`); two edits of the same record are a
    conflict kept for a person to settle, never a silent last-write-wins. The same id
    sent again with the same content is a success; with other content, a conflict."""

    id = models.UUIDField(primary_key=True)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="edits"
    )
    root_id = models.UUIDField(db_index=True)  # the first version's id (itself for a first)
    kind = models.CharField(_("kind"), max_length=12, choices=RecordKind.choices)
    mall = models.ForeignKey(Mall, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="records")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )
    device_id = models.CharField(_("device"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at (device clock)"))
    received_at = models.DateTimeField(_("received at"))
    payload = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)  # sha256 of the canonical JSON of the upload
    attachments_expected = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACCEPTED
    )

    mall_path = "mall"

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("field record")
        verbose_name_plural = _("field records")

    def __str__(self) -> str:
        return str(self.id)


class FieldAttachment(models.Model):
    """A photo of a document taken in the field: uploaded apart from its record, in
    chunks that resume where the last one stopped; complete when its bytes match the
    checksum the device announced."""

    id = models.UUIDField(primary_key=True)
    record = models.ForeignKey(FieldRecord, on_delete=models.PROTECT, related_name="attachments")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=60)
    file = models.FileField(upload_to="outreach/%Y/%m/", blank=True)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    mall_path = "record__mall"

    def __str__(self) -> str:
        return str(self.id)


class SyncConflict(models.Model):
    """Two versions that cannot both stand: two edits of one record from two devices, or
    one id sent again with other content (the other content is kept in `payload`). Shown
    to the vehicle's manager until settled."""

    class Kind(models.TextChoices):
        TWO_EDITS = "two_edits", _("Edited on two devices")
        SAME_ID = "same_id", _("Same record sent with other content")

    mall = models.ForeignKey(Mall, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    record = models.ForeignKey(FieldRecord, on_delete=models.PROTECT, related_name="conflicts")
    other = models.ForeignKey(
        FieldRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(null=True, blank=True)  # SAME_ID: the content refused
    device_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    chosen = models.ForeignKey(
        FieldRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    mall_path = "mall"

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"
