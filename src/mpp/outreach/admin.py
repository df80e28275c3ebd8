"""The admin of the mobile service (jemput bola): the fleet, the villages' meeting points
and the planner's standing rules, and, read only, the requests, plans and field records.

Why: a mall manager sets up their vans (capacity, shift, depot, days off, the services
on board and the crew) without a developer, and looks up what the planner and the crew
produced. Who does what is the action "outreach.plan" of mpp.accounts.access (national
admins everywhere, mall managers in their mall, nobody else), not Django's model
permissions: the role groups carry none for this app, so a supervisor or an officer
never sees it. Rows follow access.restrict like every MPP admin (MallScopedAdmin):
another mall's vehicle is a 404, a vehicle's crew can be chosen only among its mall's
staff and its services only among its mall's offerings.

Requests, plans, visits and field records are written by their services (demand,
planner, publishing, sync) and only shown here. The requester's phone is masked, and
there is no search box: the admin's search goes into the URL, and a tracking code is
the citizen's key. Plans are made and published on the plans pages, conflicts settled
on the conflicts page (their URLs are in docs/outreach.md).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.accounts.admin import MallScopedAdmin
from mpp.accounts.audit import stored_snapshot
from mpp.accounts.models import Role, User
from mpp.core.errors import Invalid
from mpp.core.models import Region
from mpp.outreach.demand import location_clean, village_point_correct
from mpp.outreach.models import PlanRule, Vehicle, VillagePoint
from mpp.outreach.plans import plan_rule_add, plan_rule_remove

PLAN = "outreach.plan"  # fleet, corrections, plans, rules, conflicts (accounts.access)
CREW_ROLES = (Role.MALL_MANAGER, Role.BOOTH_SUPERVISOR, Role.OFFICER)


def plans_here(user) -> bool:
    """May `user` use this app's admin pages at all (outreach.plan somewhere)?"""
    return access.may_use_admin(user) and access.allowed(user, PLAN)


def villages_of(user, queryset=None):
    """The villages a user may point a rule or a correction at: their mall's
    kabupaten/kota for mall staff, every village for national admins."""
    rows = queryset if queryset is not None else Region.objects.all()
    rows = rows.filter(level=Region.Level.VILLAGE)
    if access.is_national(user):
        return rows
    if user.mall_id is None:
        return rows.none()
    return rows.filter(code__startswith=f"{user.mall.regency_id}.")


class OutreachAdmin(MallScopedAdmin):
    """A scoped admin whose permissions come from the action outreach.plan instead of
    Django's model permissions. `read_only` pages show rows their services wrote."""

    read_only = False

    def _plans(self, request, obj=None) -> bool:
        if not plans_here(request.user):
            return False
        return obj is None or access.allowed(request.user, PLAN, obj)

    def has_module_permission(self, request):
        return plans_here(request.user)

    def has_view_permission(self, request, obj=None):
        return self._plans(request, obj)

    def has_add_permission(self, request):
        return not self.read_only and self._plans(request)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._plans(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # history: visits and records point at these rows


class ReadOnlyInline(admin.TabularInline):
    """Rows under a read-only parent, shown as written."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields)

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, access.VIEW)

    def has_view_permission(self, request, obj=None):
        return plans_here(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The fleet ---------------------------------------------------------------------------------


class VehicleForm(forms.ModelForm):
    """A vehicle's crew and services belong to its mall; its shift and days off make sense."""

    mall_fixed = None  # the mall of a manager's new vehicle (set by VehicleAdmin.get_form)

    class Meta:
        model = Vehicle
        fields = [
            "mall",
            "name",
            "kind",
            "plate",
            "active",
            "capacity_per_day",
            "shift_start",
            "shift_end",
            "speed_kmh",
            "days_off",
            "depot_lat",
            "depot_lon",
            "offerings",
            "crew",
        ]

    def _mall(self):
        if "mall" in self.fields:
            return self.cleaned_data.get("mall")
        if self.instance.pk is not None:
            return self.instance.mall
        return self.mall_fixed

    def clean_days_off(self):
        days = self.cleaned_data.get("days_off") or []
        if not isinstance(days, list):
            raise forms.ValidationError(_('A list of dates, e.g. ["2027-01-02"].'))
        try:
            return sorted({dt.date.fromisoformat(str(day)).isoformat() for day in days})
        except ValueError:
            raise forms.ValidationError(_("Dates as YYYY-MM-DD, e.g. 2027-01-02.")) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("shift_start"), cleaned.get("shift_end")
        if start and end and end <= start:
            self.add_error("shift_end", _("The shift must end after it starts."))
        mall = self._mall()
        if mall is None:
            return cleaned
        if "crew" in self.fields:
            strangers = [u for u in cleaned.get("crew") or () if u.mall_id != mall.pk]
            if strangers:
                self.add_error("crew", _("The crew must be staff of the vehicle's mall."))
        if "offerings" in self.fields:
            others = [o for o in cleaned.get("offerings") or () if o.mall_id != mall.pk]
            if others:
                self.add_error("offerings", _("Only services offered at the vehicle's mall."))
        return cleaned


@admin.register(Vehicle)
class VehicleAdmin(OutreachAdmin):
    """Vans, boats and motorbikes: retired by unticking "in service", never deleted."""

    form = VehicleForm
    list_display = ["name", "mall", "kind", "plate", "capacity_per_day", "shifts", "active"]
    list_filter = ["active", "kind", "mall"]
    list_select_related = ["mall"]
    national_fields = ("mall",)
    filter_horizontal = ["offerings", "crew"]
    fieldsets = [
        (None, {"fields": ["mall", "name", "kind", "plate", "active"]}),
        (
            _("Day"),
            {"fields": ["capacity_per_day", "shift_start", "shift_end", "speed_kmh", "days_off"]},
        ),
        (_("Depot"), {"fields": ["depot_lat", "depot_lon"]}),
        (_("On board"), {"fields": ["offerings", "crew"]}),
    ]

    @admin.display(description=_("shift"))
    def shifts(self, vehicle):
        return f"{vehicle.shift_start:%H:%M}-{vehicle.shift_end:%H:%M}"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not access.is_national(request.user):
            form.mall_fixed = request.user.mall
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "crew":
            staff = User.objects.filter(is_active=True, role__in=CREW_ROLES)
            if not access.is_national(user):
                staff = staff.filter(mall_id=user.mall_id)
            kwargs["queryset"] = staff.exclude(mall__isnull=True).order_by("username")
        elif db_field.name == "offerings":
            rows = access.choices(db_field.related_model.objects.all(), user)
            kwargs["queryset"] = rows.select_related("service", "mall").order_by(
                "mall__code", "service__name"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class VillagePointForm(forms.ModelForm):
    """A meeting point: both coordinates or neither (back to the centroid), in Indonesia;
    both hall hours or neither, opening before closing (as demand.village_point_correct
    checks, shown on the field instead of a 500)."""

    class Meta:
        model = VillagePoint
        fields = ["meeting_place", "meeting_lat", "meeting_lon", "opens_at", "closes_at"]

    def clean(self):
        cleaned = super().clean()
        try:
            location_clean(cleaned.get("meeting_lat"), cleaned.get("meeting_lon"))
        except Invalid as error:
            self.add_error("meeting_lat", error.message)
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if (opens is None) != (closes is None):
            self.add_error("closes_at", _("Give both hall hours, or neither."))
        elif opens is not None and not opens < closes:
            self.add_error("closes_at", _("The hall must open before it closes."))
        return cleaned


@admin.register(VillagePoint)
class VillagePointAdmin(OutreachAdmin):
    """Where the van stops in a village: the bundled centroid until an officer sets the
    village hall or another meeting point, with the hall's hours. A manager corrects the
    villages of their mall's kabupaten/kota (demand.village_point_correct); the
    centroids themselves are national and never edited."""

    form = VillagePointForm
    list_display = ["village", "village_code", "meeting_place", "lat", "lon", "corrected_at"]
    list_filter = [("meeting_lat", admin.EmptyFieldListFilter)]
    list_select_related = ["village"]
    search_fields = ["village__code", "village__name"]  # public reference data, not personal
    fields = [
        "village",
        "centroid_lat",
        "centroid_lon",
        "meeting_place",
        "meeting_lat",
        "meeting_lon",
        "opens_at",
        "closes_at",
        "corrected_by",
        "corrected_at",
    ]
    readonly_fields = ["village", "centroid_lat", "centroid_lon", "corrected_by", "corrected_at"]

    @admin.display(description=_("code"), ordering="village__code")
    def village_code(self, point):
        return point.village_id

    def get_queryset(self, request):
        rows = super(MallScopedAdmin, self).get_queryset(request)
        return rows.filter(village__in=villages_of(request.user))

    def _plans(self, request, obj=None) -> bool:
        if not plans_here(request.user):
            return False
        return obj is None or villages_of(request.user).filter(pk=obj.village_id).exists()

    def has_add_permission(self, request):
        return False  # loaded with the villages (outreach.geo)

    def save_model(self, request, obj, form, change):
        key = (obj._meta.label_lower, str(obj.pk))
        self._audit_before(request)[key] = stored_snapshot(obj)  # the audit's "before"
        village_point_correct(
            village=obj.village,
            lat=obj.meeting_lat,
            lon=obj.meeting_lon,
            meeting_place=obj.meeting_place,
            opens_at=obj.opens_at,
            closes_at=obj.closes_at,
            actor=request.user,
        )
        obj.refresh_from_db()


class PlanRuleForm(forms.ModelForm):
    """A pin or an exclusion that plans.plan_rule_add will take: checked here so that a
    refusal is a message on the form, never a 500."""

    mall_fixed = None  # a manager's own mall (set by PlanRuleAdmin.get_form)

    class Meta:
        model = PlanRule
        fields = ["mall", "kind", "village", "date", "vehicle", "note"]

    def clean(self):
        cleaned = super().clean()
        mall = cleaned.get("mall") if "mall" in self.fields else self.mall_fixed
        kind, village = cleaned.get("kind"), cleaned.get("village")
        date, vehicle = cleaned.get("date"), cleaned.get("vehicle")
        if mall is None or village is None:
            return cleaned
        if not village.code.startswith(f"{mall.regency_id}."):
            self.add_error("village", _("Choose a village of the mall's kabupaten/kota."))
        others = PlanRule.objects.filter(mall=mall, village=village).exclude(kind=kind)
        if others.exists():
            self.add_error("kind", _("Remove the village's other rule first."))
        if kind == PlanRule.Kind.EXCLUDE:
            cleaned["date"], cleaned["vehicle"] = None, None
        elif date is None:
            self.add_error("date", _("A pin needs its day."))
        elif date < timezone.localtime(timezone.now(), mall.tz).date():
            self.add_error("date", _("A pin cannot be on a past day."))
        if vehicle is not None and (vehicle.mall_id != mall.pk or not vehicle.active):
            self.add_error("vehicle", _("Choose a vehicle of this mall in service."))
        return cleaned


@admin.register(PlanRule)
class PlanRuleAdmin(OutreachAdmin):
    """Pins and exclusions the planner keeps to until they are removed (also made on the
    plan page): added through plans.plan_rule_add, removed through plan_rule_remove,
    never edited."""

    form = PlanRuleForm
    list_display = ["kind", "village", "date", "vehicle", "mall", "note", "created_at"]
    list_filter = ["kind", "mall"]
    list_select_related = ["village", "vehicle", "mall"]
    national_fields = ("mall",)
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False  # remove the rule and add another

    def has_delete_permission(self, request, obj=None):
        return self._plans(request, obj)  # removing a rule is how it ends

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not access.is_national(request.user):
            form.mall_fixed = request.user.mall
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "village":
            kwargs["queryset"] = villages_of(request.user).order_by("code")
            if access.is_national(request.user):  # 80,000 villages: type the code
                kwargs["widget"] = ForeignKeyRawIdWidget(db_field.remote_field, self.admin_site)
        elif db_field.name == "vehicle":
            kwargs["queryset"] = access.choices(Vehicle.objects.filter(active=True), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        rule = plan_rule_add(
            mall=data.get("mall") or form.mall_fixed,
            kind=data["kind"],
            village=data["village"],
            date=data.get("date"),
            vehicle=data.get("vehicle"),
            note=data.get("note") or "",
            actor=request.user,
        )
        obj.__dict__.update({k: v for k, v in rule.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def delete_model(self, request, obj):
        plan_rule_remove(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in access.restrict(queryset, request.user, PLAN):
            plan_rule_remove(rule=rule, actor=request.user)


# Requests, plans and the field's records (read only): mpp.outreach.admin_records.
from mpp.outreach import admin_records  # noqa: E402,F401
