"""`mpp client create|rotate|revoke|list`: the key alone on the last line, clear errors."""

import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mpp.core.models import Event
from mpp.integrations.clients import client_key_create, operations_all
from mpp.integrations.management.commands.client import Command as ClientCommand
from mpp.integrations.models import ApiClient, ApiClientKey, Subscription
from mpp.integrations.selectors import client_for_key
from tests.clock import subprocess_env
from tests.factories import AgencyFactory, MallFactory, client_with_key
from tests.parallel import ROOT, database_url

pytestmark = pytest.mark.django_db

MPP = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "mpp")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args) -> list[str]:
    out = StringIO()
    call_command("client", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_a_summary_then_the_key_alone_on_the_last_line():
    agency = AgencyFactory(code="disdukcapil")
    first, second = MallFactory(code="mpp-majalengka"), MallFactory(code="mpp-cirebon")
    lines = run(
        "create",
        "SIAK Majalengka",
        "--agency",
        "disdukcapil",
        "--mall",
        "mpp-majalengka",
        "--mall",
        "mpp-cirebon",
        "--operations",
        "case.process,webhook.manage",
        "--contact",
        "it@dukcapil.example",
        "--rate-limit",
        "120",
    )
    raw = lines[-1]
    assert raw.startswith("mppc_") and raw == raw.strip() and " " not in raw
    assert raw not in "\n".join(lines[:-1])
    client = client_for_key(raw)
    assert client.name == "SIAK Majalengka" and client.agency == agency
    assert client.mall_ids == {first.pk, second.pk}
    assert client.operations == ["case.process", "webhook.manage"]
    assert client.contact_email == "it@dukcapil.example"
    assert client.rate_limit_per_minute == 120
    summary = "\n".join(lines[:-1])
    assert f"API client {client.pk} created" in summary and "mpp-cirebon" in summary


def test_create_with_defaults_gives_every_operation_and_a_key_that_expires():
    AgencyFactory(code="polri")
    MallFactory(code="mpp-a")
    raw = run("create", "SKCK", "--agency", "polri", "--mall", "mpp-a", "--expires-days", "30")[-1]
    client = client_for_key(raw)
    assert client.operations == operations_all()
    assert ApiClientKey.objects.get(client=client).expires_at is not None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--agency", "nope", "--mall", "mpp-a"], "Unknown agency: nope"),
        (["--agency", "polri", "--mall", "mpp-a", "--mall", "mpp-x"], "Unknown mall: mpp-x"),
        (["--agency", "polri", "--mall", "mpp-a", "--operations", "counter.operate"], "Unknown"),
        (["--agency", "polri", "--mall", "mpp-a", "--operations", ","], "at least one"),
        (["--agency", "polri", "--mall", "mpp-a", "--contact", "nope"], "e-mail"),
        (["--agency", "polri", "--mall", "mpp-a", "--rate-limit", "0"], "rate limit"),
        (["--agency", "polri", "--mall", "mpp-a", "--expires-days", "0"], "expires"),
    ],
)
def test_create_errors_are_readable_and_create_nothing(args, message):
    AgencyFactory(code="polri")
    MallFactory(code="mpp-a")
    with pytest.raises(CommandError, match=message):
        run("create", "SKCK", *args)
    assert not ApiClient.objects.exists() and not ApiClientKey.objects.exists()
    assert not Event.objects.filter(kind__startswith="client.").exists()


def test_an_error_exits_non_zero_from_the_shell(capsys):
    with pytest.raises(SystemExit) as exited:
        ClientCommand().run_from_argv(
            ["mpp", "client", "create", "X", "--agency", "nope", "--mall", "nope"]
        )
    assert exited.value.code == 1
    assert "Unknown agency: nope" in capsys.readouterr().err
    # (run_from_argv closes the connection: the test's transaction takes no more queries)


def test_rotate_prints_the_new_key_last_and_the_old_one_keeps_working():
    client, old = client_with_key()
    lines = run("rotate", str(client.pk))
    new = lines[-1]
    assert new.startswith("mppc_") and new != old
    assert client_for_key(new) == client and client_for_key(old) == client
    key = ApiClientKey.objects.get(digest=ApiClientKey.digest_of(old))
    assert key.expires_at is not None
    assert "work until" in lines[0]
    # --overlap-days 0: the old keys stop at once
    newest = run("rotate", str(client.pk), "--overlap-days", "0")[-1]
    assert client_for_key(new) is None and client_for_key(newest) == client


def test_revoke_is_final_and_list_shows_no_keys():
    client, raw = client_with_key(name="Bank Jabar")
    extra = client_key_create(client=client)
    Subscription.objects.create(client=client, url="https://x.example/h", secret="whsec_x")
    listing = "\n".join(run("list"))
    assert "Bank Jabar" in listing and "active" in listing and "2 valid keys" in listing
    assert raw not in listing and raw[:12] not in listing and extra not in listing
    lines = run("revoke", str(client.pk))
    assert "revoked for good" in lines[-1]
    assert client_for_key(raw) is None and client_for_key(extra) is None
    assert Subscription.objects.get(client=client).status == "disabled"
    assert "already revoked" in run("revoke", str(client.pk))[-1]
    assert "revoked" in "\n".join(run("list"))
    with pytest.raises(CommandError, match="revoked for good"):
        run("rotate", str(client.pk))


@pytest.mark.parametrize("action", ["rotate", "revoke"])
def test_an_unknown_id_is_a_clear_error(action):
    with pytest.raises(CommandError, match="No API client with the id 99"):
        run(action, "99")
    with pytest.raises(CommandError, match="No API client with the id abc"):
        run(action, "abc")


def test_list_with_no_clients():
    assert run("list") == ["No API clients yet."]


def _shell(script: str) -> subprocess.CompletedProcess:
    env = subprocess_env({**os.environ, "DATABASE_URL": database_url(), "MPP_ENV": "demo"})
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {script}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_a_script_takes_the_key_with_tail():
    AgencyFactory(code="bpjs")
    MallFactory(code="mpp-tail")
    done = _shell(
        f'KEY=$({MPP} client create "BPJS" --agency bpjs --mall mpp-tail | tail -1); '
        'printf "%s" "$KEY"'
    )
    assert done.returncode == 0, done.stderr
    assert client_for_key(done.stdout).name == "BPJS"

    failed = _shell(f'KEY=$({MPP} client create "X" --agency bpjs --mall nowhere | tail -1)')
    assert failed.returncode != 0  # Indonesian by default: "Mal tidak dikenal: nowhere"
    assert failed.stderr.startswith("CommandError: ") and "nowhere" in failed.stderr
    assert ApiClient.objects.count() == 1
