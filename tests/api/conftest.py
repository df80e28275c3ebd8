import pytest
from django.test import Client

from mpp.accounts.services import token_create
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory


@pytest.fixture
def auth(officer):
    """Request headers carrying an API token of the mall's officer."""
    raw = token_create(username=officer.username, name="test device")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def elsewhere(db):
    """A second mall with its own service, counter and officer (with a token)."""
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    officer = UserFactory(mall=mall, booth=offering.booth)
    raw = token_create(username=officer.username)
    return {
        "mall": mall,
        "offering": offering,
        "counter": counter,
        "officer": officer,
        "auth": {"HTTP_AUTHORIZATION": f"Bearer {raw}"},
    }


@pytest.fixture
def csrf_client():
    """A test client that, like a browser session, must present the CSRF token."""
    return Client(enforce_csrf_checks=True)
