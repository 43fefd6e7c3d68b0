"""The relay's side of RabbitMQ: one connection, one confirm channel, the two exchanges."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from aiormq.abc import DeliveredMessage
from yarl import URL

from cs.adapters.amqp.contract import Exchange, OutgoingMessage
from cs.adapters.amqp.relay.stats import RelayStats
from cs.adapters.follower import Backoff
from cs.describe import one_line

log = logging.getLogger(__name__)


class Interrupted(Exception):
    """Stopping, or leadership lost, while a batch waited for the broker."""


class Publisher:
    """Publishes batches of messages with publisher confirms, reconnecting as needed.

    Promises: `publish` returns only once the broker confirmed every message of the
    batch, published in the given order on one channel; any failure (connection lost,
    nack, timeout) republishes the whole batch on a new connection, after a backoff,
    until it succeeds or `interrupted()` turns true (then `Interrupted`). Session
    messages no queue takes are counted and logged as unroutable. Every attempt and
    failure shows in `stats`.
    """

    def __init__(
        self,
        *,
        amqp_url: str,
        name: str,
        exchange_names: dict[Exchange, str],
        stats: RelayStats,
        backoff: Backoff,
        publish_timeout: float,
        connect_timeout: float,
        interrupted: Callable[[], bool],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._amqp_url = amqp_url
        self._name = name
        self.exchange_names = exchange_names
        self._stats = stats
        self._backoff = backoff
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._interrupted = interrupted
        self._sleep = sleep
        self._broker: AbstractConnection | None = None
        self._exchanges: dict[Exchange, AbstractExchange] | None = None
        self._failures = 0  # failed attempts since the last success (for the log)
        self._next_idle_attempt = 0.0

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish the whole batch until the broker confirms all of it.

        Publishes are pipelined on one channel: aiormq writes them in call order and
        awaits the confirms together, so the order on the wire is the log order. A lost
        confirm does not say whether the broker has the message: the batch goes again.
        """
        attempt = 0
        while True:
            if self._interrupted():
                raise Interrupted
            try:
                await self._publish_all(messages)
                self._failures = 0
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                delay = self._backoff.delay(attempt)
                attempt += 1
                self._stats.retries += 1
                self._failed(error, f"; retrying the batch of {len(messages)} in {delay:.1f}s")
                await self.close()
                await self._sleep(delay)

    async def connect_when_idle(self) -> None:
        """Keep a broker connection while the log is quiet, so a broker that is down (or
        declared the exchanges differently) shows in the log and the stats at once, not
        only when the next event comes."""
        if self._connected() or time.monotonic() < self._next_idle_attempt:
            return
        try:
            await self._connect()
            self._failures = 0
        except Exception as error:
            delay = self._backoff.delay(self._failures)
            self._next_idle_attempt = time.monotonic() + delay
            self._failed(error, f"; retrying in {delay:.1f}s")
            await self.close()

    async def close(self) -> None:
        self._exchanges = None
        self._stats.broker_connected = False
        broker, self._broker = self._broker, None
        if broker is not None:
            with contextlib.suppress(Exception):  # it is gone either way
                await asyncio.wait_for(broker.close(), 5.0)

    async def _publish_all(self, messages: Sequence[OutgoingMessage]) -> None:
        exchanges = await self._connect()
        async with asyncio.timeout(self._publish_timeout):
            results = await asyncio.gather(
                *(self._publish_one(exchanges, m) for m in messages), return_exceptions=True
            )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    def _failed(self, error: Exception, retrying: str) -> None:
        self._stats.last_error = f"broker: {one_line(error)}"
        kind = (
            "cannot reach RabbitMQ (or declare the exchanges)"
            if self._exchanges is None
            else "publishing failed"
        )
        self._failures += 1
        log.warning(
            "relay %r: %s at %s: %s%s (events wait in the store)",
            self._name,
            kind,
            masked_url(self._amqp_url),
            one_line(error),
            retrying,
        )

    async def _publish_one(
        self, exchanges: dict[Exchange, AbstractExchange], message: OutgoingMessage
    ) -> None:
        result = await exchanges[message.exchange].publish(
            _amqp_message(message),
            message.routing_key,
            # Returned (unroutable) session messages are worth a warning: billing is not
            # bound. The raw-frame firehose may legitimately have no consumer at all.
            mandatory=message.exchange is Exchange.SESSIONS,
        )
        if isinstance(result, DeliveredMessage):  # returned: no queue took it
            self._stats.unroutable += 1
            log.warning(
                "relay %r: %s %s was confirmed but unroutable: no queue is bound to %s/%s",
                self._name,
                message.type,
                message.message_id,
                self.exchange_names[message.exchange],
                message.routing_key,
            )

    async def _declare(self, channel: AbstractChannel) -> dict[Exchange, AbstractExchange]:
        exchanges: dict[Exchange, AbstractExchange] = {}
        for exchange, name in self.exchange_names.items():
            # Durable direct, as the original deployment created them: declaring an
            # existing identical exchange is a no-op; a different one fails loudly.
            exchanges[exchange] = await channel.declare_exchange(
                name, aio_pika.ExchangeType.DIRECT, durable=True
            )
        return exchanges

    def _connected(self) -> bool:
        return (
            self._exchanges is not None and self._broker is not None and not self._broker.is_closed
        )

    async def _connect(self) -> dict[Exchange, AbstractExchange]:
        """The open connection's exchanges, connecting and declaring them when needed."""
        if self._exchanges is not None and self._connected():
            return self._exchanges
        await self.close()
        self._broker = await aio_pika.connect(
            self._amqp_url,
            timeout=self._connect_timeout,
            client_properties={"connection_name": f"cs relay {self._name}"},
        )
        channel: AbstractChannel = await self._broker.channel(
            publisher_confirms=True, on_return_raises=False
        )
        exchanges = await self._declare(channel)
        self._exchanges = exchanges
        self._stats.broker_connected = True
        self._stats.broker_connects += 1
        log.info(
            "relay %r: connected to RabbitMQ at %s%s",
            self._name,
            masked_url(self._amqp_url),
            f" after {self._failures} failed attempts" if self._failures else "",
        )
        return exchanges


def _amqp_message(message: OutgoingMessage) -> aio_pika.Message:
    return aio_pika.Message(
        message.body,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
        app_id="cs",
    )


def masked_url(url: str) -> str:
    """The URL without its password, for the log."""
    with contextlib.suppress(Exception):  # not a URL we can parse: nothing to mask
        parsed = URL(url)
        if parsed.password:
            return str(parsed.with_password("***"))
    return url
