"""The relay's lean AMQP publisher against a real RabbitMQ: order, properties, large bodies,
confirms, returns, and the broker's refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import aio_pika
import pytest

from cs.adapters.amqp.confirming import ConfirmingChannel, PublishFailedError, properties
from tests.support import rabbit
from tests.support.rabbit import Collector

pytestmark = pytest.mark.rabbitmq

amqp_url = rabbit.amqp_url  # the fixture: a reachable broker, or skip (fail in CI)
AT = datetime(2026, 12, 7, 10, 0, 1, 500_000, tzinfo=UTC)


def props(message_id: str) -> bytes:
    return properties(
        content_type="application/json",
        message_id=message_id,
        type="cs.Test.Happened",
        timestamp=AT,
        app_id="cs",
    )


@pytest.fixture
def exchange() -> str:
    return f"cs-test-{uuid4().hex[:8]}"


async def test_messages_arrive_in_order_with_their_properties_and_whole_bodies(
    amqp_url: str, exchange: str
) -> None:
    big = b"[" + b'"x",' * 150_000 + b'"end"]'  # 600 kB: several body frames
    bodies = [b'{"n": %d}' % n for n in range(500)] + [big, b""]
    async with Collector(amqp_url, [(exchange, "k")]) as collector:
        channel = await ConfirmingChannel.open(amqp_url, connection_name="t", exchanges=[exchange])
        try:
            for n, body in enumerate(bodies):
                channel.publish(exchange, "k", body, props(f"m-{n}"), mandatory=False)
            assert await channel.confirm(within=10) == []
        finally:
            await channel.close()
        received = await collector.wait_until(lambda got: len(got) == len(bodies))
    assert [m.body for m in received] == bodies
    assert [m.message_id for m in received] == [f"m-{n}" for n in range(len(bodies))]
    first = received[0]
    assert (first.content_type, first.delivery_mode, first.type, first.app_id) == (
        "application/json",
        2,
        "cs.Test.Happened",
        "cs",
    )
    assert first.timestamp is not None
    assert first.timestamp.replace(tzinfo=UTC) == AT.replace(microsecond=0)  # whole seconds


async def test_a_mandatory_message_no_queue_takes_is_confirmed_and_named_as_returned(
    amqp_url: str, exchange: str
) -> None:
    channel = await ConfirmingChannel.open(amqp_url, connection_name="t", exchanges=[exchange])
    try:
        channel.publish(exchange, "nobody", b"{}", props("lost-1"), mandatory=True)
        channel.publish(exchange, "nobody", b"{}", props("dropped"), mandatory=False)
        channel.publish(exchange, "nobody", b"{}", props("lost-2"), mandatory=True)
        assert await channel.confirm(within=10) == ["lost-1", "lost-2"]
        channel.publish(exchange, "nobody", b"{}", props("again"), mandatory=True)
        assert await channel.confirm(within=10) == ["again"]  # each confirm says its own
    finally:
        await channel.close()


async def test_an_exchange_declared_otherwise_is_refused_loudly(
    amqp_url: str, exchange: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        other = await connection.channel()
        await other.declare_exchange(exchange, aio_pika.ExchangeType.FANOUT, durable=True)
        try:
            with pytest.raises(PublishFailedError, match="PRECONDITION_FAILED"):
                await ConfirmingChannel.open(amqp_url, connection_name="t", exchanges=[exchange])
        finally:
            await other.exchange_delete(exchange)


async def test_publishing_where_the_broker_refuses_fails_the_confirm(
    amqp_url: str, exchange: str
) -> None:
    channel = await ConfirmingChannel.open(amqp_url, connection_name="t", exchanges=[exchange])
    try:
        channel.publish("cs-no-such-exchange", "k", b"{}", props("x"), mandatory=False)
        with pytest.raises(PublishFailedError, match="NOT_FOUND"):
            await channel.confirm(within=10)
        assert channel.closed
    finally:
        await channel.close()


async def test_a_wrong_password_is_refused_at_open(amqp_url: str) -> None:
    wrong = amqp_url.replace("guest:guest", "guest:not-the-password")
    with pytest.raises((PublishFailedError, ConnectionError, OSError)):
        await ConfirmingChannel.open(wrong, connection_name="t", connect_within=5)
