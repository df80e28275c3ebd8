"""Fixtures of the assistant: the demo catalogue (MPP Kabupaten Majalengka and a small MPP
Kota Depok), loaded and indexed once per test module inside a transaction that is rolled
back when the module ends (each test still runs in its own savepoint)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from mpp.catalog.models import Mall
from tests.search.conftest import DEPOK, load_demo


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker):
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            mall = load_demo()
            yield mall.pk
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_module, db) -> Mall:
    """The demo mall (the catalogue is the module's, loaded once)."""
    return Mall.objects.get(pk=_demo_module)


@pytest.fixture
def depok(demo) -> Mall:
    return Mall.objects.get(code=DEPOK)
