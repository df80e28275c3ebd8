"""A Redis that is not there: settings pointing the cache, rate limits and fan-out at a
closed localhost port, for tests of the degraded modes (issue: Redis is a helper, never a
single point of failure). Connection refused is what a killed Redis gives."""

from __future__ import annotations

import socket

import pytest


def closed_port_url(db: int = 0) -> str:
    """redis://127.0.0.1:<a port nobody listens on>/<db>."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/{db}"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """REDIS_URL and the default cache on a dead Redis, as settings.py would set them."""
    from mpp.core import cache as failsoft
    from mpp.core import ratelimit
    from mpp.queueing import fanout

    url = closed_port_url()
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "mpp.core.cache.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "mpp",
            "OPTIONS": failsoft.REDIS_OPTIONS,
        }
    }
    monkeypatch.setattr(fanout, "_redis_client", None)
    failsoft.breakers_reset()
    ratelimit.fallback_clear()
    yield url
    failsoft.breakers_reset()


class PrivateRedis:
    """A redis-server of this test alone, on a free port, that a test may kill, hang
    (SIGSTOP) and start again on the same port. Never the shared Redis."""

    def __init__(self) -> None:
        self.port = int(closed_port_url().rsplit(":", 1)[1].split("/")[0])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        import shutil
        import subprocess
        import time

        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
            finally:
                client.close()
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()
