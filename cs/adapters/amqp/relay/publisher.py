"""The relay's side of RabbitMQ: one connection, one confirm channel, the two exchanges."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from yarl import URL

from cs.adapters.amqp.confirming import ConfirmingChannel, properties
from cs.adapters.amqp.contract import CONTENT_TYPE, Exchange, OutgoingMessage
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
        self._channel: ConfirmingChannel | None = None
        self._failures = 0  # failed attempts since the last success (for the log)
        self._next_idle_attempt = 0.0

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish the whole batch until the broker confirms all of it.

        The batch goes out in one write on one channel, in the log's order, and its
        confirms are awaited together. A lost confirm does not say whether the broker
        has the message: the batch goes again.
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
        self._stats.broker_connected = False
        channel, self._channel = self._channel, None
        if channel is not None:
            with contextlib.suppress(Exception):  # it is gone either way
                await asyncio.wait_for(channel.close(), 5.0)

    async def _publish_all(self, messages: Sequence[OutgoingMessage]) -> None:
        channel = await self._connect()
        names = self.exchange_names
        for message in messages:
            channel.publish(
                names[message.exchange],
                message.routing_key,
                message.body,
                _properties(message),
                # Returned (unroutable) session messages are worth a warning: billing is
                # not bound. The raw-frame firehose may legitimately have no consumer.
                mandatory=message.exchange is Exchange.SESSIONS,
            )
        for message_id in await channel.confirm(within=self._publish_timeout):
            self._unroutable(message_id, messages)

    def _failed(self, error: Exception, retrying: str) -> None:
        self._stats.last_error = f"broker: {one_line(error)}"
        kind = (
            "cannot reach RabbitMQ (or declare the exchanges)"
            if self._channel is None
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

    def _unroutable(self, message_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """A session message confirmed but returned: no queue is bound for it."""
        self._stats.unroutable += 1
        message = next((m for m in messages if m.message_id == message_id), None)
        log.warning(
            "relay %r: %s %s was confirmed but unroutable: no queue is bound to %s/%s",
            self._name,
            message.type if message else "a message",
            message_id,
            self.exchange_names[message.exchange] if message else "?",
            message.routing_key if message else "?",
        )

    def _connected(self) -> bool:
        return self._channel is not None and not self._channel.closed

    async def _connect(self) -> ConfirmingChannel:
        """The open confirm channel, connecting and declaring the exchanges when needed.

        The exchanges are durable and direct, as the original deployment created them:
        declaring an existing identical exchange is a no-op; a different one fails loudly.
        """
        if self._channel is not None and self._connected():
            return self._channel
        await self.close()
        self._channel = await ConfirmingChannel.open(
            self._amqp_url,
            connection_name=f"cs relay {self._name}",
            exchanges=list(self.exchange_names.values()),
            connect_within=self._connect_timeout,
        )
        self._stats.broker_connected = True
        self._stats.broker_connects += 1
        log.info(
            "relay %r: connected to RabbitMQ at %s%s",
            self._name,
            masked_url(self._amqp_url),
            f" after {self._failures} failed attempts" if self._failures else "",
        )
        return self._channel


def _properties(message: OutgoingMessage) -> bytes:
    return properties(
        content_type=CONTENT_TYPE,
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
