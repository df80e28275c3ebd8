"""The access rule: which rows each role may see and change, model by model."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured

from mpp.accounts import access
from mpp.accounts.models import ApiToken, Role, User
from mpp.catalog.models import Agency, Booth, Counter, Mall, Offering, OpeningHours, Service
from mpp.core.models import Event, Region
from mpp.queueing.models import Ticket, TicketSequence
from tests.accounts.conftest import staff

pytestmark = pytest.mark.django_db


def pks(model, user, action="view"):
    return set(access.restrict(model.objects.all(), user, action).values_list("pk", flat=True))


def every(model):
    return set(model.objects.values_list("pk", flat=True))


def of(*objs):
    return {o.pk for o in objs}


def test_mall(world):
    a, b = world.a, world.b
    assert pks(Mall, a.manager) == pks(Mall, a.manager, "change") == of(a.mall)
    assert pks(Mall, a.supervisor) == of(a.mall)
    assert pks(Mall, a.supervisor, "change") == set()
    assert pks(Mall, b.manager, "delete") == of(b.mall)


def test_opening_hours(world):
    a = world.a
    assert pks(OpeningHours, a.manager) == pks(OpeningHours, a.manager, "add") == of(a.hours)
    assert pks(OpeningHours, a.supervisor) == of(a.hours)
    assert pks(OpeningHours, a.supervisor, "change") == set()


@pytest.mark.parametrize("model", [Agency, Service, Region])
def test_national_records_are_read_by_all_and_written_nationally(world, model):
    a = world.a
    assert every(model)  # the malls' agencies and services (and their regions) exist
    for user in (a.manager, a.supervisor):
        assert pks(model, user) == every(model)
        assert pks(model, user, "change") == pks(model, user, "delete") == set()
    assert pks(model, world.national, "change") == every(model)


def test_booth(world):
    a = world.a
    assert pks(Booth, a.manager) == pks(Booth, a.manager, "change") == of(a.booth1, a.booth2)
    assert pks(Booth, a.supervisor) == of(a.booth1, a.booth2)
    assert pks(Booth, a.supervisor, "change") == of(a.booth1)


def test_offering(world):
    a = world.a
    both = of(a.offering1, a.offering2)
    assert pks(Offering, a.manager) == pks(Offering, a.manager, "delete") == both
    assert pks(Offering, a.supervisor) == both
    assert pks(Offering, a.supervisor, "change") == of(a.offering1)


def test_counter(world):
    a = world.a
    mall_counters = of(a.counter1, a.counter2, a.loose)
    assert pks(Counter, a.manager) == pks(Counter, a.manager, "change") == mall_counters
    assert pks(Counter, a.supervisor) == mall_counters
    # Only the counters of their booth: not another booth's, nor one without a booth.
    assert pks(Counter, a.supervisor, "change") == of(a.counter1)


def test_ticket(world):
    a = world.a
    assert pks(Ticket, a.manager) == of(a.ticket1, a.ticket2)
    assert pks(Ticket, a.supervisor) == of(a.ticket1, a.ticket2)
    assert pks(Ticket, a.supervisor, "change") == of(a.ticket1)


def test_ticket_sequence(world):
    a = world.a
    mine = set(TicketSequence.objects.filter(mall=a.mall).values_list("pk", flat=True))
    assert len(mine) == 2 and pks(TicketSequence, a.manager) == mine
    assert pks(TicketSequence, a.supervisor, "change") == set()


def test_staff(world):
    a = world.a
    colleague = staff("manager2.a", Role.MALL_MANAGER, a.mall)
    local_root = staff("root.a", Role.OFFICER, a.mall, is_superuser=True)
    mall_staff = of(a.manager, a.supervisor, a.officer, a.officer2, colleague, local_root)
    assert pks(User, a.manager) == pks(User, a.supervisor) == mall_staff
    # Managers change supervisors and officers only: not themselves, another manager,
    # nor a superuser who happens to sit in their mall.
    assert pks(User, a.manager, "change") == of(a.supervisor, a.officer, a.officer2)
    assert pks(User, a.supervisor, "change") == set()


def test_api_token(world):
    a = world.a
    assert pks(ApiToken, a.manager) == pks(ApiToken, a.manager, "change") == of(a.token)
    assert pks(ApiToken, a.supervisor, "change") == of(a.token)  # their booth's officer
    assert pks(ApiToken, world.b.supervisor) == of(world.b.token)


def test_event(world):
    a = world.a
    mine = set(Event.objects.filter(mall_id=a.mall.pk).values_list("pk", flat=True))
    assert a.event.pk in mine and pks(Event, a.manager) == mine
    assert not mine & pks(Event, world.b.manager)


ALL_MODELS = [
    Mall,
    OpeningHours,
    Agency,
    Service,
    Booth,
    Offering,
    Counter,
    Ticket,
    TicketSequence,
    User,
    ApiToken,
    Event,
    Region,
]


@pytest.mark.parametrize("model", ALL_MODELS)
def test_national_staff_see_and_change_everything(world, model):
    for user in (world.root, world.national):
        assert pks(model, user) == pks(model, user, "change") == every(model)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_officers_and_strays_get_nothing(world, model):
    a = world.a
    inactive = staff("gone.a", Role.MALL_MANAGER, a.mall, is_active=False)
    homeless = staff("homeless", Role.MALL_MANAGER)
    for user in (a.officer, inactive, homeless, None):
        assert pks(model, user) == set()


def test_another_mall_is_out_of_reach(world):
    a, b = world.a, world.b
    for model, obj in [
        (Mall, b.mall),
        (Booth, b.booth1),
        (Offering, b.offering1),
        (Counter, b.counter1),
        (Ticket, b.ticket1),
        (User, b.officer),
    ]:
        for user in (a.manager, a.supervisor):
            assert not access.allowed(user, "view", obj), (model, user)
            assert obj.pk not in pks(model, user, "change")
        assert access.allowed(world.national, "change", obj)


def test_choices_offer_what_a_user_may_link_to(world):
    a = world.a
    sup = a.supervisor
    assert set(access.choices(Mall.objects.all(), sup)) == {a.mall}
    assert set(access.choices(Booth.objects.all(), sup)) == {a.booth1}
    assert set(access.choices(Offering.objects.all(), a.manager)) == {a.offering1, a.offering2}
    assert access.choices(Service.objects.all(), sup).count() == Service.objects.count()
    assert set(access.choices(User.objects.all(), a.manager)) == {
        a.supervisor,
        a.officer,
        a.officer2,
    }


def test_undeclared_models_and_unknown_actions_fail_loudly(world):
    with pytest.raises(ImproperlyConfigured):
        access.restrict(Group.objects.all(), world.root)
    with pytest.raises(ValueError):
        access.restrict(Booth.objects.all(), world.root, "approve")


def test_result_is_a_queryset_to_refine(world):
    a = world.a
    booths = access.restrict(Booth.objects.all(), a.manager).filter(pk=a.booth2.pk)
    assert list(booths) == [a.booth2]


def test_token_use_is_recorded_at_most_once_a_minute(db):
    import datetime as dt

    from django.utils import timezone

    from mpp.accounts.models import ApiToken
    from mpp.accounts.selectors import user_for_token
    from mpp.accounts.services import token_create
    from tests.factories import UserFactory

    user = UserFactory()
    raw = token_create(username=user.username)
    assert user_for_token(raw) == user
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    assert user_for_token(raw) == user
    assert ApiToken.objects.get().last_used_at == first  # no write within the minute
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    user_for_token(raw)
    assert ApiToken.objects.get().last_used_at > first
    assert user_for_token("mpp_wrong") is None
