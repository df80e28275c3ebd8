"""Fan-out: a change published in one thread (or process) reaches async board subscribers."""

import asyncio
import contextlib
import os
import signal
import threading

import pytest
import redis
from django.db import transaction

from mpp.queueing import fanout
from mpp.queueing import services as q
from tests.dead_redis import private_redis, redis_down  # noqa: F401

REDIS_TEST_URL = "redis://localhost:6379/15"


async def _receive_while_publishing(mall_id: int, kind: str, *, timeout: float = 3.0) -> dict:
    """Subscribe, then publish from another thread (repeating until heard); return the message.

    Publishing repeats because a subscription is in place only once the subscriber
    has started; the loop is bounded and stops as soon as the message arrives.
    """
    subscription = fanout.subscribe(mall_id)
    heard = threading.Event()

    def publisher():
        for _ in range(int(timeout / 0.02)):
            if heard.is_set():
                return
            fanout.publish(mall_id, kind)
            heard.wait(0.02)

    receiving = asyncio.ensure_future(anext(subscription))
    await asyncio.sleep(0)  # let the subscriber register
    thread = threading.Thread(target=publisher, daemon=True)
    thread.start()
    try:
        return await asyncio.wait_for(receiving, timeout)
    finally:
        heard.set()
        thread.join(2)
        await subscription.aclose()


async def _nothing_within(mall_id: int, seconds: float) -> bool:
    subscription = fanout.subscribe(mall_id)
    try:
        await asyncio.wait_for(anext(subscription), seconds)
    except TimeoutError:
        return True
    finally:
        await subscription.aclose()
    return False


def test_in_process_hub_delivers_a_publish_from_another_thread(settings):
    settings.REDIS_URL = ""
    message = asyncio.run(_receive_while_publishing(41, "ticket.issued"))
    assert message == {"mall_id": 41, "kind": "ticket.issued"}


def test_in_process_hub_keeps_malls_apart(settings):
    settings.REDIS_URL = ""

    async def scenario():
        other = asyncio.ensure_future(_nothing_within(43, 0.3))
        await asyncio.sleep(0.05)
        message = await _receive_while_publishing(42, "ticket.called")
        return message, await other

    message, other_heard_nothing = asyncio.run(scenario())
    assert message["mall_id"] == 42
    assert other_heard_nothing


@pytest.mark.django_db(transaction=True)
def test_boards_hear_only_committed_changes(settings, mall, offering):
    settings.REDIS_URL = ""

    def rolled_back_then_committed():
        try:
            with transaction.atomic():
                q.ticket_issue(mall=mall, service_code=offering.service.code)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        q.ticket_issue(mall=mall, service_code=offering.service.code)

    async def scenario():
        heard = []

        async def listen():
            async for message in fanout.subscribe(mall.pk):
                heard.append(message)

        listener = asyncio.ensure_future(listen())
        await asyncio.sleep(0)
        await asyncio.to_thread(rolled_back_then_committed)
        for _ in range(100):  # up to 2 s for the committed one, then a moment for strays
            if heard:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        listener.cancel()
        return heard

    heard = asyncio.run(scenario())
    assert heard == [{"mall_id": mall.pk, "kind": "ticket.issued"}]


@pytest.fixture
def real_redis(settings, monkeypatch):
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL} ({exc}); start redis-server")
    finally:
        client.close()
    settings.REDIS_URL = REDIS_TEST_URL
    monkeypatch.setattr(fanout, "_redis_client", None)  # drop a client made for another URL
    yield REDIS_TEST_URL


def test_publish_reaches_a_subscriber_through_redis(real_redis):
    message = asyncio.run(_receive_while_publishing(77, "counter.opened"))
    assert message == {"mall_id": 77, "kind": "counter.opened"}


def test_redis_messages_really_travel_through_redis(real_redis):
    """A plain Redis client on the mall's channel sees what fanout publishes."""
    client = redis.Redis.from_url(real_redis)
    pubsub = client.pubsub()
    pubsub.subscribe("mpp:mall:78")
    try:
        assert pubsub.get_message(timeout=1)["type"] == "subscribe"
        fanout.publish(78, "ticket.finished")
        raw = pubsub.get_message(timeout=2)
        assert raw is not None and raw["type"] == "message"
        assert raw["data"] == b'{"mall_id": 78, "kind": "ticket.finished"}'
    finally:
        pubsub.close()
        client.close()


# Redis lost and found (issue: Redis is a helper, never a single point of failure) -------


class Heard:
    """Everything a subscription yields, gathered by a task (so that waiting with a
    timeout never cancels the subscription itself)."""

    def __init__(self, mall_id: int) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.ensure_future(self._run(mall_id))

    async def _run(self, mall_id: int) -> None:
        async for message in fanout.subscribe(mall_id):
            self.queue.put_nowait(message)

    async def next(self, kinds: set[str], within: float) -> dict:
        """The next message of one of `kinds` (others are skipped), within `within` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            message = await asyncio.wait_for(self.queue.get(), max(deadline - loop.time(), 0))
            if message["kind"] in kinds:
                return message

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
def quick_fanout(monkeypatch):
    """Shorter poll, retry and watchdog times, so an outage plays out in a second."""
    monkeypatch.setattr(fanout, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(fanout, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(fanout, "IDLE_PING_SECONDS", 0.3)
    monkeypatch.setattr(fanout, "PONG_SECONDS", 0.5)


@pytest.mark.usefixtures("redis_down", "quick_fanout")
def test_a_dead_redis_degrades_to_polling_and_local_publishes():
    """The subscription does not end: it says DEGRADED, then POLL every few seconds (the
    board reads the database), and still hears this process's publishes."""

    async def scenario():
        heard = Heard(91)
        try:
            first = await heard.next({fanout.DEGRADED}, within=3)
            polls = [await heard.next({fanout.POLL}, within=1) for _ in range(2)]
            await asyncio.to_thread(fanout.publish, 91, "ticket.issued")  # never raises
            local = await heard.next({"ticket.issued"}, within=2)
            return first, polls, local
        finally:
            await heard.close()

    first, polls, local = asyncio.run(asyncio.wait_for(scenario(), 30))  # never hangs
    assert first == {"mall_id": 91, "kind": fanout.DEGRADED}
    assert [p["kind"] for p in polls] == [fanout.POLL, fanout.POLL]
    assert local == {"mall_id": 91, "kind": "ticket.issued"}
    assert not fanout._local._subs.get(91)  # closed subscriptions leave nothing behind


@pytest.mark.usefixtures("quick_fanout")
@pytest.mark.parametrize("fault", ["killed", "hung"])
def test_redis_killed_or_hung_then_back(private_redis, settings, monkeypatch, fault):  # noqa: F811
    """Messages through Redis; the outage is noticed (a hung Redis by its silence to
    PING); then Redis is subscribed again and its messages are heard again."""
    settings.REDIS_URL = private_redis.url
    monkeypatch.setattr(fanout, "_redis_client", None)
    plain = redis.Redis.from_url(private_redis.url)

    async def through_redis(heard: Heard, kind: str) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while loop.time() < deadline:  # until the subscription is in place
            await asyncio.to_thread(
                plain.publish, "mpp:mall:92", f'{{"mall_id":92,"kind":"{kind}"}}'
            )
            try:
                return await heard.next({kind}, within=0.2)
            except TimeoutError:
                continue
        raise AssertionError("nothing came through Redis")

    async def scenario():
        heard = Heard(92)
        try:
            before = await through_redis(heard, "ticket.called")
            if fault == "killed":
                private_redis.kill()
            else:
                os.kill(private_redis.proc.pid, signal.SIGSTOP)
            lost = await heard.next({fanout.DEGRADED}, within=5)
            await heard.next({fanout.POLL}, within=1)
            if fault == "killed":
                private_redis.start()
            else:
                os.kill(private_redis.proc.pid, signal.SIGCONT)
            back = await heard.next({fanout.RESTORED}, within=5)
            after = await through_redis(heard, "ticket.finished")
            return before, lost, back, after
        finally:
            await heard.close()

    try:
        before, lost, back, after = asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        if private_redis.proc is not None:
            os.kill(private_redis.proc.pid, signal.SIGCONT)
        plain.close()
    assert before["kind"] == "ticket.called"
    assert lost["kind"] == fanout.DEGRADED and back["kind"] == fanout.RESTORED
    assert after == {"mall_id": 92, "kind": "ticket.finished"}
