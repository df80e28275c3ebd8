"""Two malls with booths, offerings, counters, tickets and staff of every role."""

from types import SimpleNamespace

import pytest

from mpp.accounts.models import ApiToken, Role
from mpp.accounts.services import staff_sync_permissions, token_create
from mpp.catalog.models import OpeningHours
from mpp.core.events import event_record
from mpp.queueing.services import ticket_issue
from tests.factories import (
    BoothFactory,
    CounterFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff(username, role, mall=None, booth=None, **extra):
    user = UserFactory(username=username, role=role, mall=mall, booth=booth, **extra)
    staff_sync_permissions(user=user)
    return user


def _mall(tag: str) -> SimpleNamespace:
    mall = MallFactory(name=f"MPP {tag}")
    booth1, booth2 = BoothFactory(mall=mall), BoothFactory(mall=mall)
    offering1 = OfferingFactory(booth=booth1, mall=mall)
    offering2 = OfferingFactory(booth=booth2, mall=mall)
    counter1 = CounterFactory(mall=mall, booth=booth1, serves=[offering1])
    counter2 = CounterFactory(mall=mall, booth=booth2, serves=[offering2])
    loose = CounterFactory(mall=mall, booth=None, serves=[offering1, offering2])
    ticket1 = ticket_issue(mall=mall, service_code=offering1.service.code)
    ticket2 = ticket_issue(mall=mall, service_code=offering2.service.code)
    # After the tickets: with hours set, a walk-in is refused outside them (catalog.hours).
    hours = OpeningHours.objects.create(mall=mall, weekday=0, opens="08:00", closes="15:00")
    manager = staff(f"manager.{tag}", Role.MALL_MANAGER, mall)
    supervisor = staff(f"supervisor.{tag}", Role.BOOTH_SUPERVISOR, mall, booth1)
    officer = staff(f"officer.{tag}", Role.OFFICER, mall, booth1)
    officer2 = staff(f"officer2.{tag}", Role.OFFICER, mall, booth2)
    token_create(username=officer.username)
    event = event_record(
        kind="test.happened", subject_type="mall", subject_id=mall.pk, mall_id=mall.pk
    )
    return SimpleNamespace(
        mall=mall,
        booth1=booth1,
        booth2=booth2,
        offering1=offering1,
        offering2=offering2,
        counter1=counter1,
        counter2=counter2,
        loose=loose,
        hours=hours,
        ticket1=ticket1,
        ticket2=ticket2,
        manager=manager,
        supervisor=supervisor,
        officer=officer,
        officer2=officer2,
        token=ApiToken.objects.get(user=officer),
        event=event,
    )


@pytest.fixture
def world(db):
    """Malls A and B, a superuser and a national admin (not a superuser)."""
    a, b = _mall("a"), _mall("b")
    root = staff("root", Role.OFFICER, is_superuser=True, is_staff=True)
    national = staff("nasional", Role.NATIONAL_ADMIN)
    return SimpleNamespace(a=a, b=b, root=root, national=national)
