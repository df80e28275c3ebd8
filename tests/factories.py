"""factory_boy factories for the catalogue, staff and queue."""

import factory
from django.utils import timezone

from mpp.accounts.models import Role, User
from mpp.catalog.models import Agency, Booth, Counter, Mall, Offering, Service
from mpp.core.models import Region


def region(code: str = "32.10", name: str = "Kabupaten Majalengka") -> Region:
    province, _ = Region.objects.get_or_create(
        code=code[:2], defaults={"name": "Jawa Barat", "level": 1, "kind": "provinsi"}
    )
    if "." not in code:
        return province
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": 2, "kind": "kabupaten", "parent": province}
    )
    return obj


class MallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mall

    code = factory.Sequence(lambda n: f"mpp-test-{n}")
    name = factory.Sequence(lambda n: f"MPP Uji {n}")
    regency = factory.LazyFunction(region)
    inaugurated_on = factory.LazyFunction(lambda: timezone.now().date())


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    kind = Agency.Kind.REGIONAL


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Layanan Uji {n}")
    requirements = ["KTP-el asli"]
    procedure = ["Ambil antrean", "Serahkan berkas"]
    completion_time = "1 hari kerja"
    service_minutes = 10


class BoothFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booth

    mall = factory.SubFactory(MallFactory)
    agency = factory.SubFactory(AgencyFactory)
    name = factory.LazyAttribute(lambda o: f"Gerai {o.agency.name}")
    ticket_prefix = factory.Sequence(
        lambda n: (
            "ABCDEFGHJKLMNPQRSTUVWXYZ"[n % 24]
            + ("" if n < 24 else "ABCDEFGHJKLMNPQRSTUVWXYZ"[(n // 24) % 24])
        )
    )


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    booth = factory.SubFactory(BoothFactory)
    mall = factory.LazyAttribute(lambda o: o.booth.mall)
    service = factory.SubFactory(ServiceFactory, agency=factory.SelfAttribute("..booth.agency"))


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter
        skip_postgeneration_save = True

    mall = factory.SubFactory(MallFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Loket {o.number}")

    @factory.post_generation
    def serves(self, create, extracted, **kwargs):
        if create and extracted:
            self.offerings.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.OFFICER
    password = factory.django.Password("rahasia123")


class BookingPolicyFactory(factory.django.DjangoModelFactory):
    """Online booking for an offering (mpp.bookings): 60-minute slots, small quotas."""

    class Meta:
        model = "bookings.BookingPolicy"

    offering = factory.SubFactory(OfferingFactory)
    window_days = 7
    slot_minutes = 60
    online_per_slot = 3
    walkin_per_slot = 2
    priority_per_slot = 1


class TopicFactory(factory.django.DjangoModelFactory):
    """A draft consultation topic (mpp.consultation); publish it with services.topic_open."""

    class Meta:
        model = "consultation.Topic"

    mall = factory.SubFactory(MallFactory)
    kind = "service_standard"
    title = factory.Sequence(lambda n: f"Rancangan standar pelayanan {n}")
    body = "Kami mengusulkan fotokopi KK tidak lagi diminta. Bagaimana pendapat Anda?"


def _days_after(moment, days: int):
    import datetime as dt

    return moment + dt.timedelta(days=days)


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    """An SKM invitation (mpp.surveys) of a ticket of an offering, made now, open 30 days."""

    class Meta:
        model = "surveys.SurveyInvitation"
        exclude = ("offering",)

    offering = factory.SubFactory(OfferingFactory)
    kind = "ticket"
    transaction_id = factory.Sequence(lambda n: f"test-transaction-{n}")
    mall = factory.LazyAttribute(lambda o: o.offering.mall)
    agency = factory.LazyAttribute(lambda o: o.offering.service.agency)
    booth = factory.LazyAttribute(lambda o: o.offering.booth)
    service = factory.LazyAttribute(lambda o: o.offering.service)
    province_code = factory.LazyAttribute(lambda o: o.mall.regency_id[:2])
    created_at = factory.LazyFunction(timezone.now)
    created_on = factory.LazyAttribute(lambda o: o.created_at.astimezone(o.mall.tz).date())
    expires_at = factory.LazyAttribute(lambda o: _days_after(o.created_at, 30))


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """An anonymous SKM answer (mpp.surveys) for an offering; every score 3 unless given."""

    class Meta:
        model = "surveys.SurveyResponse"
        exclude = ("offering",)

    offering = factory.SubFactory(OfferingFactory)
    kind = "ticket"
    mall = factory.LazyAttribute(lambda o: o.offering.mall)
    agency = factory.LazyAttribute(lambda o: o.offering.service.agency)
    booth = factory.LazyAttribute(lambda o: o.offering.booth)
    service = factory.LazyAttribute(lambda o: o.offering.service)
    province_code = factory.LazyAttribute(lambda o: o.mall.regency_id[:2])
    u1 = u2 = u3 = u4 = u5 = u6 = u7 = u8 = u9 = 3
    sex = "P"
    age = 30
    education = "sma"
    occupation = "swasta"
    channel = "web"
    submitted_on = factory.LazyFunction(lambda: timezone.localdate())


def _working_days(start, n, mall):
    from mpp.core.workdays import add_working_days

    return add_working_days(start, n, mall.tz)


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A complaint (mpp.complaints) about an offering, received now, routed to its booth.

    Tests of complaint handling go through complaints.services; this is for reads (the
    surveys report, the manager's list). Due dates are the regular track's."""

    class Meta:
        model = "complaints.Complaint"
        exclude = ("offering",)

    offering = factory.SubFactory(OfferingFactory)
    code = factory.Sequence(lambda n: f"TEST{n:06d}".replace("0", "A").replace("1", "B"))
    mall = factory.LazyAttribute(lambda o: o.offering.mall)
    booth = factory.LazyAttribute(lambda o: o.offering.booth)
    service = factory.LazyAttribute(lambda o: o.offering.service)
    category = "service_quality"
    channel = "web"
    description = "Antrean terlalu lama dan petugas tidak menjelaskan syaratnya."
    received_at = factory.LazyFunction(timezone.now)
    first_response_due = factory.LazyAttribute(lambda o: _working_days(o.received_at, 3, o.mall))
    resolution_due = factory.LazyAttribute(lambda o: _working_days(o.received_at, 5, o.mall))


def device_credential(mall, kind: str = "kiosk", name: str = "Test kiosk") -> str:
    """Register a kiosk (or board) of `mall` and return its credential (mpp.devices)."""
    from mpp.devices.services import device_register

    return device_register(mall=mall, kind=kind, name=name)[1]


def kiosk_headers(mall) -> dict:
    """Django test client headers of a registered kiosk of `mall` (X-Device-Key)."""
    return {"HTTP_X_DEVICE_KEY": device_credential(mall)}


def kiosk_cookie(url: str, raw: str) -> dict:
    """Playwright storage_state of a browser enrolled as the device with credential `raw`
    (what /devices/enrol/ leaves behind): new_context(storage_state=kiosk_cookie(...))."""
    from urllib.parse import urlsplit

    cookie = {"name": "mpp_device", "value": raw, "domain": urlsplit(url).hostname, "path": "/"}
    cookie.update(expires=-1, httpOnly=True, secure=False, sameSite="Strict")
    return {"cookies": [cookie], "origins": []}


class CaseTypeFactory(factory.django.DjangoModelFactory):
    """An online application type for a service offered at a booth (mpp.cases)."""

    class Meta:
        model = "cases.CaseType"

    offering = factory.SubFactory(OfferingFactory)
    completion_days = 5


class CaseFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.CaseField"

    case_type = factory.SubFactory(CaseTypeFactory)
    position = factory.Sequence(lambda n: n)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Pertanyaan {n}")
    kind = "text"


class DocumentRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.DocumentRequirement"

    case_type = factory.SubFactory(CaseTypeFactory)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"dokumen-{n}")
    name = factory.Sequence(lambda n: f"Dokumen {n}")


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row as it stands (status draft unless given), without the services' events."""

    class Meta:
        model = "cases.Case"

    case_type = factory.SubFactory(CaseTypeFactory)
    number = factory.Sequence(lambda n: f"T{n:09d}")
    mall = factory.SelfAttribute("case_type.mall")
    booth = factory.SelfAttribute("case_type.booth")
    service = factory.SelfAttribute("case_type.service")
    channel = "web"
    applicant_name = "Siti Aminah"
    nik_digest = "k1$test"
    nik_masked = "************0001"


def _client_operations() -> list[str]:
    from mpp.integrations.clients import operations_all

    return operations_all()


class ApiClientFactory(factory.django.DjangoModelFactory):
    """An agency system's API client (mpp.integrations) without keys; for a client with
    a working key use client_with_key(). Pass malls=[...] to set its malls."""

    class Meta:
        model = "integrations.ApiClient"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sistem Instansi {n}")
    agency = factory.SubFactory(AgencyFactory)
    operations = factory.LazyFunction(_client_operations)

    @factory.post_generation
    def malls(self, create, extracted, **kwargs):
        if create and extracted:
            self.malls.set(extracted)


def client_with_key(
    *, agency=None, malls=None, operations=None, name="Sistem Instansi", **kwargs
) -> tuple:
    """(ApiClient, raw key) made by integrations.clients.client_create: a client of
    `agency` (a new one if None) at `malls` (a new mall if None) with `operations`
    (default: all); kwargs go to client_create (contact_email, rate_limit_per_minute,
    key_expires_at, created_by). Send the key as {"HTTP_AUTHORIZATION": f"Bearer {raw}"}."""
    from mpp.integrations.clients import client_create

    return client_create(
        name=name,
        agency=agency or AgencyFactory(),
        malls=list(malls) if malls else [MallFactory()],
        operations=operations,
        **kwargs,
    )


def village(
    code: str = "32.10.01.2001",
    name: str = "Cipasung",
    district_name: str = "Lemahsugih",
    *,
    lat: float | None = -7.054158,
    lon: float | None = 108.170112,
) -> Region:
    """A village Region (level 4) with its kecamatan (level 3) and kabupaten (default: a
    real village of Kabupaten Majalengka, 32.10, the factories' mall regency) and, unless
    lat is None, its VillagePoint (mpp.outreach). get_or_create: safe to call twice."""
    from mpp.outreach.models import VillagePoint

    regency_code = code.rsplit(".", 2)[0]
    kab = region(regency_code) if regency_code == "32.10" else region(regency_code, "Kabupaten")
    district, _ = Region.objects.get_or_create(
        code=code.rsplit(".", 1)[0],
        defaults={"name": district_name, "level": 3, "kind": "kecamatan", "parent": kab},
    )
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": 4, "kind": "desa", "parent": district}
    )
    if lat is not None:
        VillagePoint.objects.get_or_create(
            village=obj, defaults={"centroid_lat": lat, "centroid_lon": lon}
        )
    return obj


def _mall_village(mall) -> Region:
    if mall.regency_id == "32.10":
        return village()
    return village(f"{mall.regency_id}.01.2001", "Desa Uji", "Kecamatan Uji")


class VehicleFactory(factory.django.DjangoModelFactory):
    """A mobile-service van (mpp.outreach) of a mall, its depot near Majalengka's MPP.
    Pass offerings=[...] and crew=[...] to fill the many-to-many fields."""

    class Meta:
        model = "outreach.Vehicle"
        skip_postgeneration_save = True

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Mobil Keliling {n + 1}")
    kind = "van"
    capacity_per_day = 40
    depot_lat = "-6.836000"
    depot_lon = "108.227000"

    @factory.post_generation
    def offerings(self, create, extracted, **kwargs):
        if create and extracted:
            self.offerings.set(extracted)

    @factory.post_generation
    def crew(self, create, extracted, **kwargs):
        if create and extracted:
            self.crew.set(extracted)


class OutreachRequestFactory(factory.django.DjangoModelFactory):
    """A received mobile-service request (mpp.outreach) as a row, without the service's
    event: for reads and planning tests. The village defaults to a real village of the
    mall's regency (made with its kecamatan and VillagePoint by `village()`) when the
    mall is in 32.10. Pass services=[...] to set the services."""

    class Meta:
        model = "outreach.OutreachRequest"
        skip_postgeneration_save = True

    mall = factory.SubFactory(MallFactory)
    code = factory.Sequence(lambda n: f"JB-T{n:05d}")
    village = factory.LazyAttribute(lambda o: _mall_village(o.mall))
    people = 3
    home_visit = False
    needs = factory.LazyFunction(list)
    contact_phone = "081234567890"
    source = "web"
    status = "received"
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
