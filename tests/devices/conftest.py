"""Fixtures of the device tests: registered kiosks and boards, staff, a working morning."""

import pytest
from django.conf import settings
from django.test import Client

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions, token_create
from tests.factories import (
    CounterFactory,
    MallFactory,
    OfferingFactory,
    UserFactory,
    device_credential,
)


@pytest.fixture(autouse=True)
def _working_morning(clock):
    """10:00 on a working day in Jakarta: the mall gives out numbers."""
    clock.working_day()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en():
    """A browser in English (assertions on the English msgids)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def kiosk_key(mall):
    return device_credential(mall, name="Kiosk by the entrance")


@pytest.fixture
def board_key(mall):
    return device_credential(mall, kind="board", name="TV in the hall")


@pytest.fixture
def other(db):
    """Another mall with a service, a counter, a kiosk and an officer with a token."""
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    officer = UserFactory(mall=mall, booth=offering.booth)
    return {
        "mall": mall,
        "offering": offering,
        "kiosk_key": device_credential(mall, name="Kiosk elsewhere"),
        "token": token_create(username=officer.username),
    }


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=user.username)}"}


@pytest.fixture
def manager(mall):
    user = UserFactory(username="manajer", role=Role.MALL_MANAGER, mall=mall)
    staff_sync_permissions(user=user)
    return user


@pytest.fixture
def national(db):
    user = UserFactory(username="nasional", role=Role.NATIONAL_ADMIN, mall=None)
    staff_sync_permissions(user=user)
    return user
