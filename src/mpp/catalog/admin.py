"""Django admin for the catalogue: malls, agencies, service standards, booths and counters.

Why: national admins and mall managers keep the catalogue current without a developer;
labels come from the models' verbose names. Counter state (open, officer on duty) is
read-only here because it changes only through the queue services.

Every page is scoped by mpp.accounts.access (MallScopedAdmin): a mall manager sets up
their own mall (its hours, address and queue policy, booths, offerings, counters) but
not its registry facts; agencies and service standards are national records, edited
by national admins only; a booth supervisor edits their own booth, its offerings and
counters.
"""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from mpp.accounts.admin import MallScopedAdmin, MallScopedInline
from mpp.catalog.models import Agency, Booth, Counter, Mall, Offering, OpeningHours, Service
from mpp.core.models import Region


class ProvinceFilter(admin.SimpleListFilter):
    """Malls by province (the registry's province-level mall sits on the province itself)."""

    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "name")

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        return queryset.filter(Q(regency__parent_id=code) | Q(regency_id=code))


class OpeningHoursInline(MallScopedInline, admin.TabularInline):
    model = OpeningHours
    extra = 0


def _optional_count(label, help_text):
    """A number field an older form may leave out: left out, the value stays as it was."""
    return forms.IntegerField(
        label=label, help_text=help_text, required=False, min_value=0, max_value=32767
    )


class _KeepWhenMissing:
    """Fields of `keep_when_missing` left empty keep the instance's current value."""

    keep_when_missing: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.keep_when_missing:
            if cleaned.get(name) is None:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class MallForm(_KeepWhenMissing, forms.ModelForm):
    """The mall's own settings; the remote-queue rules keep their value when left out."""

    keep_when_missing = ("remote_arrive_minutes", "remote_stop_minutes")
    remote_arrive_minutes = _optional_count(
        Mall._meta.get_field("remote_arrive_minutes").verbose_name,
        Mall._meta.get_field("remote_arrive_minutes").help_text,
    )
    remote_stop_minutes = _optional_count(
        Mall._meta.get_field("remote_stop_minutes").verbose_name,
        Mall._meta.get_field("remote_stop_minutes").help_text,
    )

    class Meta:
        model = Mall
        fields = ["remote_arrive_minutes", "remote_stop_minutes"]  # the admin adds the rest


@admin.register(Mall)
class MallAdmin(MallScopedAdmin):
    list_display = ["name", "code", "regency", "status", "inaugurated_on", "timezone"]
    list_filter = ["status", ProvinceFilter, "priority_policy"]
    search_fields = ["name", "code", "regency__name", "address"]
    autocomplete_fields = ["regency"]
    date_hierarchy = "inaugurated_on"
    form = MallForm
    inlines = [OpeningHoursInline]
    # From the national registry; a mall keeps its address, hours and queue policy.
    national_fields = (
        "code",
        "name",
        "regency",
        "timezone",
        "status",
        "inaugurated_on",
        "source_url",
        "source_note",
    )
    national_list_filter = (ProvinceFilter,)
    fieldsets = [
        (None, {"fields": ["code", "name", "regency", "address", "timezone", "status"]}),
        (_("source"), {"fields": ["inaugurated_on", "source_url", "source_note"]}),
        (
            _("priority policy"),
            {
                "fields": [
                    "priority_policy",
                    "priority_every",
                    "booked_first",
                    "no_show_after_recalls",
                ]
            },
        ),
        (
            _("queue from a phone"),
            {"fields": ["remote_arrive_minutes", "remote_stop_minutes"]},
        ),
    ]


@admin.register(Agency)
class AgencyAdmin(MallScopedAdmin):
    list_display = ["name", "short_name", "code", "kind", "regency"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["regency"]


@admin.register(Service)
class ServiceAdmin(MallScopedAdmin):
    list_display = ["name", "agency", "fee", "completion_time", "service_minutes", "is_active"]
    list_filter = [
        "agency",
        "channel_direct",
        "channel_mobile",
        "channel_self",
        "channel_electronic",
        "is_active",
    ]
    search_fields = ["name", "code", "keywords", "agency__name", "agency__short_name"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = [
        (None, {"fields": ["agency", "code", "name", "description", "keywords", "is_active"]}),
        (
            _("requirements"),
            {"fields": ["requirements", "procedure", "completion_time", "service_minutes"]},
        ),
        (_("fee (Rupiah)"), {"fields": ["fee", "fee_basis"]}),
        (_("product"), {"fields": ["product", "legal_basis", "complaint_channel"]}),
        (
            _("channels"),
            {
                "fields": [
                    "channel_direct",
                    "channel_mobile",
                    "channel_self",
                    "channel_electronic",
                ]
            },
        ),
    ]


class OfferingFormSet(BaseInlineFormSet):
    """Offerings of a booth: each takes the booth's mall; a service once per mall."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.mall_id = self.instance.mall_id
        return form

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            service = form.cleaned_data.get("service") if hasattr(form, "cleaned_data") else None
            if service is None or form.cleaned_data.get("DELETE"):
                continue
            taken = (
                Offering.objects.filter(mall_id=self.instance.mall_id, service=service)
                .exclude(pk=form.instance.pk)
                .exists()
            )
            if service.pk in seen or taken:
                form.add_error("service", _("This service is already offered in this mall."))
            seen.add(service.pk)


class OfferingInline(MallScopedInline, admin.TabularInline):
    model = Offering
    formset = OfferingFormSet
    fields = ["service", "is_active", "sort_order"]
    autocomplete_fields = ["service"]
    extra = 0


class OfferingForm(_KeepWhenMissing, forms.ModelForm):
    """An offering on its own page: it takes its booth's mall; a service once per mall."""

    keep_when_missing = ("remote_per_day",)
    remote_per_day = _optional_count(
        Offering._meta.get_field("remote_per_day").verbose_name,
        Offering._meta.get_field("remote_per_day").help_text,
    )

    class Meta:
        model = Offering
        fields = ["booth", "service", "is_active", "sort_order", "remote_per_day"]

    def clean(self):
        cleaned = super().clean()
        booth, service = cleaned.get("booth"), cleaned.get("service")
        if booth is None:
            return cleaned
        if self.instance.pk and booth.mall_id != self.instance.mall_id:
            self.add_error("booth", _("An offering stays in its mall; choose a booth there."))
            return cleaned
        self.instance.mall_id = booth.mall_id
        taken = Offering.objects.filter(mall_id=booth.mall_id, service=service)
        if service is not None and taken.exclude(pk=self.instance.pk).exists():
            self.add_error("service", _("This service is already offered in this mall."))
        return cleaned


@admin.register(Offering)
class OfferingAdmin(MallScopedAdmin):
    """The services a mall offers, across its booths (also editable on each booth)."""

    form = OfferingForm
    list_display = ["service", "booth", "mall", "is_active", "remote_per_day", "sort_order"]
    list_filter = ["is_active", ("booth", admin.RelatedOnlyFieldListFilter), "mall"]
    search_fields = ["service__name", "service__code", "booth__name"]
    list_select_related = ["service", "booth", "mall"]
    autocomplete_fields = ["booth", "service"]


@admin.register(Booth)
class BoothAdmin(MallScopedAdmin):
    list_display = ["name", "ticket_prefix", "mall", "agency", "location", "sort_order"]
    list_filter = ["mall"]
    search_fields = ["name", "agency__name", "mall__name"]
    list_select_related = ["mall", "agency"]
    autocomplete_fields = ["mall", "agency"]
    inlines = [OfferingInline]
    # A supervisor keeps their booth's name, location and offerings current.
    supervisor_readonly_fields = ("mall", "agency", "ticket_prefix", "sort_order")


class CounterForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = ["mall", "booth", "number", "name", "offerings"]

    def clean(self):
        cleaned = super().clean()
        mall = cleaned.get("mall")
        booth = cleaned.get("booth")
        if mall and booth and booth.mall_id != mall.pk:
            self.add_error("booth", _("The booth belongs to another mall."))
        offerings = cleaned.get("offerings") or []
        if mall and any(o.mall_id != mall.pk for o in offerings):
            self.add_error("offerings", _("Every service served must be offered in this mall."))
        return cleaned


@admin.register(Counter)
class CounterAdmin(MallScopedAdmin):
    form = CounterForm
    list_display = ["__str__", "number", "mall", "booth", "is_open", "officer"]
    list_filter = ["mall", "is_open"]
    search_fields = ["name", "mall__name", "booth__name"]
    list_select_related = ["mall", "booth", "officer"]
    autocomplete_fields = ["mall", "booth"]
    filter_horizontal = ["offerings"]
    readonly_fields = ["is_open", "officer", "opened_at"]
    # A supervisor chooses what their booth's counters serve, not where they stand.
    supervisor_readonly_fields = ("mall", "booth", "number")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("offerings")
        if field is not None:  # already limited to what this user may link to
            offerings = field.queryset.select_related("service", "booth")
            if obj is not None:  # a counter serves its own mall's offerings only
                offerings = offerings.filter(mall_id=obj.mall_id)
            field.queryset = offerings
        return form
