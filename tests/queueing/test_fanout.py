"""Fan-out: a change published in one thread (or process) reaches async board subscribers."""

import asyncio
import threading

import pytest
import redis
from django.db import transaction

from mpp.queueing import fanout
from mpp.queueing import services as q

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
