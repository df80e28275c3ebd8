"""The production profile (mpp.core.deploy, settings, `mpp serve`, `mpp check --deploy`).

Before: `mpp serve` started silently on a development SECRET_KEY published in the
repository, the NIK digest key was derived from it, ALLOWED_HOSTS defaulted to `*`,
there were no HTTPS settings, and uvicorn believed X-Forwarded-For from 127.0.0.1
whatever MPP_TRUSTED_PROXIES said.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
MPP = str(ROOT / ".venv" / "bin" / "mpp")
PYTHON = sys.executable


def production_env(tmp_path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MPP_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        MPP_ENV="production",
        MPP_SECRET_KEY=secrets.token_urlsafe(50),
        MPP_PII_KEY=secrets.token_urlsafe(40),
        MPP_ALLOWED_HOSTS="mpp.majalengkakab.go.id",
        MPP_PUBLIC_URL="https://mpp.majalengkakab.go.id",
        MPP_VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(args, env, timeout=120):
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def settings_of(env) -> dict:
    """Settings as a process with `env` loads them."""
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'DEBUG','ALLOWED_HOSTS','SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE',"
        "'CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        "'CSRF_TRUSTED_ORIGINS','SECURE_PROXY_SSL_HEADER','SECRET_KEY','MPP_PII_KEY',"
        "'MPP_PII_KEY_ID','MPP_ENV')}))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "mpp.settings"}
    done = run([PYTHON, "-c", code], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_is_clean_in_the_production_profile(tmp_path):
    done = run([MPP, "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        ({"MPP_SECRET_KEY": None}, "MPP_SECRET_KEY must be set"),
        ({"MPP_PII_KEY": None}, "MPP_PII_KEY must be set"),
        ({"MPP_ALLOWED_HOSTS": None}, "MPP_ALLOWED_HOSTS must name"),
        ({"MPP_ALLOWED_HOSTS": "*"}, "must not be '*'"),
        ({"MPP_DEBUG": "1"}, "MPP_DEBUG must be off"),
        ({"MPP_PII_KEY": "same-key-as-the-secret-key-0123456789"}, "must differ"),
    ],
)
def test_production_refuses_to_start_without_its_settings(tmp_path, missing, says):
    env = production_env(tmp_path, **missing)
    if "must differ" in says:
        env["MPP_SECRET_KEY"] = env["MPP_PII_KEY"]
    for command in (["check", "--deploy"], ["serve", "--port", "1"], ["migrate"]):
        done = run([MPP, *command], env, timeout=60)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "secret_key").exists()  # production never makes its own keys


def test_an_asgi_server_cannot_load_mpp_unconfigured(tmp_path):
    env = production_env(tmp_path, MPP_SECRET_KEY=None)
    done = run([PYTHON, "-c", "import mpp.asgi"], env, timeout=60)
    assert done.returncode != 0 and "MPP_SECRET_KEY must be set" in done.stderr


def test_production_settings_turn_on_https(tmp_path):
    env = production_env(tmp_path, MPP_PROXY_SSL_HEADER="X-Forwarded-Proto")
    values = settings_of(env)
    assert values["MPP_ENV"] == "production" and values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["mpp.majalengkakab.go.id"]
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"] and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://mpp.majalengkakab.go.id"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECRET_KEY"] == env["MPP_SECRET_KEY"]
    assert values["MPP_PII_KEY"] == env["MPP_PII_KEY"]


def test_the_demo_makes_and_keeps_its_own_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update(MPP_VAR_DIR=str(tmp_path), MPP_ENV="demo")
    first, second = settings_of(env), settings_of(env)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert first["MPP_PII_KEY"] == (tmp_path / "pii_key").read_text()
    assert first["MPP_PII_KEY"] != first["SECRET_KEY"]
    assert "insecure" not in first["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 50
    assert oct((tmp_path / "pii_key").stat().st_mode & 0o777) == "0o600"
    assert first["ALLOWED_HOSTS"] == ["*"] and not first["SECURE_SSL_REDIRECT"]
    other = tmp_path / "other"
    assert settings_of({**env, "MPP_VAR_DIR": str(other)})["SECRET_KEY"] != first["SECRET_KEY"]


# X-Forwarded-For ----------------------------------------------------------------


async def _echo(scope, receive, send):
    """An ASGI app that answers with the client address and scheme uvicorn gave it."""
    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def uvicorn_with(app, **options):
    """Real uvicorn on a free port with `options` (as `mpp serve` passes them)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


FORGED = {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"}


def test_a_forged_forwarded_for_from_localhost_is_not_believed(settings):
    from mpp.web.management.commands.serve import proxy_options

    settings.MPP_TRUSTED_PROXIES = []
    assert proxy_options() == {"proxy_headers": False}
    with uvicorn_with(_echo, **proxy_options()) as url:
        seen = httpx.get(url, headers=FORGED).json()
    assert seen == {"client": "127.0.0.1", "scheme": "http"}


def test_uvicorns_own_default_would_have_believed_it():
    """What `mpp serve` did before (no proxy options): 127.0.0.1 was trusted."""
    with uvicorn_with(_echo) as url:
        assert httpx.get(url, headers=FORGED).json()["client"] == "203.0.113.50"


def test_a_trusted_proxy_is_believed(settings):
    from mpp.web.management.commands.serve import proxy_options

    settings.MPP_TRUSTED_PROXIES = ["127.0.0.1"]
    with uvicorn_with(_echo, **proxy_options()) as url:
        seen = httpx.get(url, headers=FORGED).json()
    assert seen == {"client": "203.0.113.50", "scheme": "https"}


@pytest.mark.django_db(transaction=True)
def test_the_login_lock_counts_the_real_address_not_a_forged_one(settings):
    """End to end through MPP: wrong passwords sent with changing forged addresses all
    count against 127.0.0.1."""
    from mpp.accounts.models import LoginThrottle
    from mpp.asgi import application
    from mpp.web.management.commands.serve import proxy_options

    settings.MPP_TRUSTED_PROXIES = []
    with uvicorn_with(application, **proxy_options()) as url, httpx.Client() as web:
        for n in range(3):
            page = web.get(f"{url}/accounts/login/")
            token = web.cookies["csrftoken"]
            web.post(
                f"{url}/accounts/login/",
                data={"username": "nobody", "password": "x", "csrfmiddlewaretoken": token},
                headers={"X-Forwarded-For": f"203.0.113.{n}", "Referer": f"{url}/"},
            )
            assert page.status_code == 200
    rows = LoginThrottle.objects.filter(kind="ip")
    assert [(r.key, r.failures) for r in rows] == [("127.0.0.1", 3)]
