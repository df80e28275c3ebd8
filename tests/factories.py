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
