"""The two profiles MPP runs in, and what the production profile refuses to start without.

Why: `mpp serve` used to start silently on a development SECRET_KEY published in this
repository, and the NIK digest key was derived from it, so anyone could recompute a
booking's NIK from its digest. Now:

- MPP_ENV=production: MPP_SECRET_KEY and a separate MPP_PII_KEY must be set (at least
  32 characters each, different), MPP_ALLOWED_HOSTS must name the hosts (no `*`) and
  MPP_DEBUG must be off. Otherwise settings raise ImproperlyConfigured and nothing
  starts: not `mpp serve`, not `mpp check --deploy`, not an ASGI server loading
  mpp.asgi, not `mpp worker`.
- MPP_ENV=demo (the default, for `mpp demo`, development and the tests): keys that
  are not given are generated once per installation and kept under MPP_VAR_DIR
  (var/secret_key, var/pii_key, mode 0600), so a demo never runs on a published key.

This module is imported by settings.py, so it imports nothing from Django at module level.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

PROFILES = ("demo", "production")
MIN_KEY_LENGTH = 32
KEY_ID = re.compile(r"^[a-z0-9]{1,4}$")  # e.g. "k1", "k2": short, so digests stay 64 chars


class DeployError(Exception):
    """The environment does not describe a safe production installation."""


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def profile(environ=os.environ) -> str:
    """ "demo" or "production", from MPP_ENV (default "demo")."""
    value = (environ.get("MPP_ENV") or "demo").strip().lower()
    if value not in PROFILES:
        raise DeployError(f"MPP_ENV must be one of {', '.join(PROFILES)}, not {value!r}.")
    return value


def demo_key(var_dir: Path, name: str) -> str:
    """A random key kept in var_dir/<name>, made on first use.

    Several processes may start at once (a test run and its workers): the key is
    written to a temporary file and linked into place, so exactly one of them wins
    and every process reads the same key.
    """
    path = Path(var_dir) / name
    if not path.exists():
        Path(var_dir).mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
    return path.read_text().strip()


def parse_old_pii_keys(raw: str) -> list[tuple[str, str]]:
    """MPP_PII_KEYS_OLD: "id:secret,id:secret", oldest first."""
    keys = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        if not sep or not KEY_ID.match(key_id) or not secret:
            raise DeployError(
                "MPP_PII_KEYS_OLD must be a comma-separated list of id:key "
                "(ids of 1-4 lowercase letters or digits, e.g. k1:...)."
            )
        keys.append((key_id, secret))
    return keys


def production_problems(environ=os.environ) -> list[str]:
    """Why the environment is not a safe production installation (empty: it is)."""
    problems = []
    secret = environ.get("MPP_SECRET_KEY", "")
    pii = environ.get("MPP_PII_KEY", "")
    if len(secret) < MIN_KEY_LENGTH:
        problems.append(f"MPP_SECRET_KEY must be set (at least {MIN_KEY_LENGTH} characters).")
    if len(pii) < MIN_KEY_LENGTH:
        problems.append(
            f"MPP_PII_KEY must be set (at least {MIN_KEY_LENGTH} characters): it keys the "
            "NIK digests and must not be derived from the secret key."
        )
    if secret and secret == pii:
        problems.append("MPP_PII_KEY must differ from MPP_SECRET_KEY.")
    hosts = [h.strip() for h in environ.get("MPP_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        problems.append("MPP_ALLOWED_HOSTS must name this installation's host names.")
    elif "*" in hosts:
        problems.append("MPP_ALLOWED_HOSTS must not be '*' in production.")
    if truthy(environ.get("MPP_DEBUG")):
        problems.append("MPP_DEBUG must be off in production.")
    key_id = environ.get("MPP_PII_KEY_ID", "k1")
    if not KEY_ID.match(key_id):
        problems.append("MPP_PII_KEY_ID must be 1-4 lowercase letters or digits (e.g. k2).")
    try:
        old = parse_old_pii_keys(environ.get("MPP_PII_KEYS_OLD", ""))
    except DeployError as exc:
        problems.append(str(exc))
    else:
        ids = [key_id] + [i for i, _ in old]
        if len(set(ids)) != len(ids):
            problems.append("Each PII key id (MPP_PII_KEY_ID, MPP_PII_KEYS_OLD) must be unique.")
    return problems


def refusal(problems: list[str]) -> str:
    """The message MPP stops with when the production profile is not configured."""
    lines = "\n".join(f"  - {p}" for p in problems)
    return (
        "MPP will not start in the production profile (MPP_ENV=production):\n"
        f"{lines}\nSee docs/production.md. For a trial run use `mpp demo` (MPP_ENV=demo)."
    )
