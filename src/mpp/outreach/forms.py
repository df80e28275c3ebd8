"""Forms of the mobile-service demand pages: the request (citizens, village agents,
staff), the demand filters, and the officers' location corrections.

Why: the forms only shape what was typed; every rule (the village is the mall's, the
services are offered, the phone is a mobile number) is the service's (outreach.demand),
whose refusals come back onto the right field with `add_service_error`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mpp.core.errors import DomainError
from mpp.outreach.demand import PEOPLE_MAX
from mpp.outreach.models import Need, RequestStatus

# Which field a service refusal belongs to.
ERROR_FIELDS = {
    "unknown_village": "village",
    "village_outside_mall": "village",
    "village_not_yours": "village",
    "unknown_service": "services",
    "invalid_people": "people",
    "invalid_needs": "needs",
    "invalid_phone": "contact_phone",
    "invalid_location": "lat",
    "invalid_hours": "opens_at",
}


class ServiceErrorsMixin:
    def add_service_error(self, exc: DomainError) -> None:
        """Put a refusal of the service on its field (or on the form)."""
        target = ERROR_FIELDS.get(exc.code)
        self.add_error(target if target in self.fields else None, exc.message)


class RequestForm(ServiceErrorsMixin, forms.Form):
    """One request: the village (choices given by the page), services, people, the
    people who cannot travel, a contact, and an optional home location."""

    def request_fields(self) -> dict:
        """The cleaned answers as demand.request_create's keyword arguments."""
        data = self.cleaned_data
        return {
            "village_code": data["village"],
            "service_codes": data["services"],
            "people": data["people"],
            "home_visit": data["home_visit"],
            "needs": data["needs"],
            "contact_phone": data["contact_phone"],
            "contact_name": data["contact_name"],
            "address": data["address"],
            "lat": data["lat"],
            "lon": data["lon"],
        }

    village = forms.ChoiceField(label=_("Village (desa/kelurahan)"))
    services = forms.MultipleChoiceField(
        label=_("Services needed"), widget=forms.CheckboxSelectMultiple
    )
    people = forms.IntegerField(
        label=_("How many people need them?"), min_value=1, max_value=PEOPLE_MAX, initial=1
    )
    home_visit = forms.BooleanField(
        label=_("Someone cannot travel: please visit the home"), required=False
    )
    needs = forms.MultipleChoiceField(
        label=_("Why they cannot travel"),
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Mobile number"), max_length=40)
    address = forms.CharField(
        label=_("Address or landmark (home visits)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lat = forms.CharField(label=_("Latitude"), max_length=20, required=False)
    lon = forms.CharField(label=_("Longitude"), max_length=20, required=False)

    def __init__(self, *args, villages=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("Choose a village")), *villages]
        self.fields["services"].choices = list(services)


class DistrictForm(forms.Form):
    """Step one of the citizen's form without JavaScript: the kecamatan."""

    kecamatan = forms.ChoiceField(label=_("District (kecamatan)"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("Choose a district")), *districts]


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class DemandFilterForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("District (kecamatan)"), required=False)
    layanan = forms.ChoiceField(label=_("Service"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open (received or scheduled)")),
            *[(s.value, s.label) for s in RequestStatus],
        ],
    )

    def __init__(self, *args, districts=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("All districts")), *districts]
        self.fields["layanan"].choices = [("", _("All services")), *services]


class LocateForm(ServiceErrorsMixin, forms.Form):
    """Where a request is served: coordinates, or the village's meeting point."""

    where = forms.ChoiceField(
        label=_("Where"),
        choices=[("village", _("Same as the village")), ("point", _("These coordinates"))],
        widget=forms.RadioSelect,
        initial="village",
    )
    lat = forms.CharField(label=_("Latitude"), max_length=20, required=False)
    lon = forms.CharField(label=_("Longitude"), max_length=20, required=False)


class VillagePointForm(ServiceErrorsMixin, forms.Form):
    """A village's meeting point and hall hours (empty coordinates: the centroid)."""

    lat = forms.CharField(label=_("Meeting point latitude"), max_length=20, required=False)
    lon = forms.CharField(label=_("Meeting point longitude"), max_length=20, required=False)
    meeting_place = forms.CharField(label=_("Meeting place"), max_length=200, required=False)
    opens_at = forms.TimeField(label=_("Hall opens at"), required=False)
    closes_at = forms.TimeField(label=_("Hall closes at"), required=False)
