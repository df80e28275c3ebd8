import pytest

from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory


@pytest.fixture
def mall(db):
    return MallFactory()


@pytest.fixture
def offering(mall):
    return OfferingFactory(booth__mall=mall)


@pytest.fixture
def counter(mall, offering):
    return CounterFactory(mall=mall, booth=offering.booth, serves=[offering])


@pytest.fixture
def officer(mall, offering):
    return UserFactory(mall=mall, booth=offering.booth)
