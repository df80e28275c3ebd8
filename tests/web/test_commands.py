"""The `mpp` commands: token, demo (serve is exercised by hand: it blocks)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mpp.accounts.models import ApiToken
from mpp.accounts.selectors import user_for_token
from mpp.catalog.models import Counter, Mall, Offering
from mpp.web.management.commands.token import Command as TokenCommand
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_token_prints_a_token_that_authenticates_its_user():
    officer = UserFactory(username="petugas.dukcapil")
    out = StringIO()
    call_command("token", "petugas.dukcapil", "--name", "tablet loket 1", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("mpp_") and "\n" not in raw
    assert user_for_token(raw) == officer
    token = ApiToken.objects.get(user=officer)
    assert token.name == "tablet loket 1" and token.digest != raw


def test_token_for_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "nobody")
    assert not ApiToken.objects.exists()


def test_token_for_an_unknown_user_exits_non_zero(capsys):
    # As from the shell: run_from_argv turns the CommandError into a message and exit code.
    with pytest.raises(SystemExit) as exited:
        TokenCommand().run_from_argv(["mpp", "token", "nobody"])
    assert exited.value.code == 1
    assert "nobody" in capsys.readouterr().err


def test_demo_sets_up_twice_without_error_and_keeps_the_data():
    first, second = StringIO(), StringIO()
    call_command("demo", "--no-serve", "--region-depth", "2", stdout=first)
    counts = (Mall.objects.count(), Offering.objects.count(), Counter.objects.count())
    with translation.override("en"):  # asserts the English msgids
        call_command("demo", "--no-serve", "--region-depth", "2", "--port", "9000", stdout=second)

    assert (Mall.objects.count(), Offering.objects.count(), Counter.objects.count()) == counts
    assert counts[0] == 229 and counts[1] >= 64
    text = second.getvalue()
    assert "(0 rows created now)" in text
    for path in [
        "/m/mpp-kabupaten-majalengka/kiosk/",
        "/m/mpp-kabupaten-majalengka/board/",
        "/console/",
        "/m/mpp-kabupaten-majalengka/today/",
        "/admin/",
        "/api/v1/docs",
        "/api/v1/openapi.json",
    ]:
        assert f"http://127.0.0.1:9000{path}" in text
    assert "petugas.dukcapil" in text and "demo12345" in text
