"""RabbitMQ for tests: a reachable broker (or a loud skip/fail), collectors, the schemas.

`amqp_url` is a fixture: it checks the broker answers (aio-pika) and otherwise calls
`service_missing`, which fails in CI and skips elsewhere. A `Collector` binds one queue
to exchanges and routing keys and records every message, with deadlines, never sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import aio_pika
import jsonschema
import pytest
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from yarl import URL

from tests.conftest import service_missing

AMQP_URL = os.environ.get("CS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "amqp"
SCHEMA_FILES = {
    "ocpp.msgs": "ocpp-msgs.schema.json",
    "ocpp.connection-events": "ocpp-connection-events.schema.json",
    "sessions.raw": "sessions-raw.schema.json",
}
ALL_KEYS = (("ocpp", "ocpp.msgs"), ("ocpp", "ocpp.connection-events"), ("sessions", "sessions.raw"))


def loopback_only(url: str) -> str:
    host = URL(url).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        pytest.fail(f"tests only talk to a loopback broker, not {host!r}", pytrace=False)
    return url


async def check_reachable(url: str, timeout: float = 3.0) -> None:
    connection = await aio_pika.connect(url, timeout=timeout)
    await connection.close()


@pytest.fixture
async def amqp_url() -> str:
    """The URL of a RabbitMQ that answers now (CS_TEST_AMQP_URL, default guest@127.0.0.1)."""
    url = loopback_only(AMQP_URL)
    try:
        await check_reachable(url)
    except Exception as error:
        service_missing("RabbitMQ", error)
    return url


# -- the contract's schemas --------------------------------------------------------


def _validator(routing_key: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / SCHEMA_FILES[routing_key]).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


VALIDATORS = {key: _validator(key) for key in SCHEMA_FILES}


def validate_body(routing_key: str, body: Any) -> None:
    """Raise `jsonschema.ValidationError` unless `body` matches the routing key's schema."""
    VALIDATORS[routing_key].validate(body)


# -- collecting messages -----------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One delivered message, with the properties the contract fixes."""

    exchange: str
    routing_key: str
    message_id: str | None
    type: str | None
    content_type: str | None
    delivery_mode: int | None
    timestamp: datetime | None
    app_id: str | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Collector:
    """One queue bound to (exchange, routing key) pairs; records what arrives, in order.

    By default the queue is exclusive (gone with the connection). `durable=True` makes a
    named durable queue and reconnects after a broker restart, acking only what it has
    recorded, so nothing published while it was away is missed.
    """

    def __init__(self, url: str, bindings: Iterable[tuple[str, str]], *, durable: bool = False):
        self.url = url
        self.bindings = list(bindings)
        self.durable = durable
        self.queue_name = f"cs-test-{uuid4().hex[:10]}" if durable else ""
        self.messages: list[Received] = []
        self.errors: list[str] = []
        self._arrived = asyncio.Event()
        self._ready = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._connection: AbstractConnection | None = None

    async def start(self, timeout: float = 10.0) -> Collector:
        """Declare the exchanges (durable direct, as the relay does) and the queue; consume."""
        self._task = asyncio.create_task(self._consume_forever())
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"collector not consuming in {timeout}s: {self.errors}") from None
        return self

    async def stop(self) -> None:
        self._stopping = True
        if self._connection is not None:
            with contextlib.suppress(Exception):
                if self.durable:
                    channel = await self._connection.channel()
                    await channel.queue_delete(self.queue_name)
                await self._connection.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def __aenter__(self) -> Collector:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _consume_forever(self) -> None:
        while not self._stopping:
            closed = asyncio.Event()
            try:
                self._connection = await aio_pika.connect(self.url, timeout=5)
                self._connection.close_callbacks.add(lambda *_, done=closed: done.set())
                channel = await self._connection.channel()
                await channel.set_qos(prefetch_count=2000)
                await self._consume(channel)
                self._ready.set()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.errors.append(repr(error))
            if not self.durable:
                self.errors.append("connection closed (exclusive queue: not reconnecting)")
                self._arrived.set()
                return
            await asyncio.sleep(0.2)  # broker restarting: try again shortly

    async def _consume(self, channel: AbstractChannel) -> None:
        if self.durable:
            queue = await channel.declare_queue(self.queue_name, durable=True)
        else:
            queue = await channel.declare_queue("", exclusive=True, auto_delete=True)
        for exchange, routing_key in self.bindings:
            declared = await channel.declare_exchange(
                exchange, aio_pika.ExchangeType.DIRECT, durable=True
            )
            await queue.bind(declared, routing_key)
        await queue.consume(self._on_message, no_ack=not self.durable)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.messages.append(
            Received(
                exchange=message.exchange or "",
                routing_key=message.routing_key or "",
                message_id=message.message_id,
                type=message.type,
                content_type=message.content_type,
                delivery_mode=int(message.delivery_mode) if message.delivery_mode else None,
                timestamp=message.timestamp,
                app_id=message.app_id,
                body=message.body,
            )
        )
        self._arrived.set()
        if self.durable:
            with contextlib.suppress(Exception):  # recorded first: a lost ack only redelivers
                await message.ack()

    async def wait_until(
        self,
        condition: Callable[[list[Received]], bool],
        *,
        timeout: float = 15.0,
        what: str = "messages",
    ) -> list[Received]:
        """Wait (event-driven, with a deadline) until `condition(messages)` holds."""
        deadline = time.monotonic() + timeout
        while not condition(self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{what} not received within {timeout}s: {len(self.messages)} messages "
                    f"({len(self.ids())} distinct); collector errors: {self.errors[-3:]}"
                )
            self._arrived.clear()
            if condition(self.messages):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(remaining, 0.5))
        return self.messages

    async def wait_for_ids(
        self, expected: set[str], *, timeout: float = 15.0, what: str = "expected messages"
    ) -> list[Received]:
        """Wait until every id in `expected` has arrived at least once."""
        return await self.wait_until(lambda _: expected <= self.ids(), timeout=timeout, what=what)

    def ids(self) -> set[str]:
        return {m.message_id for m in self.messages if m.message_id is not None}

    def of(self, ids: set[str]) -> list[Received]:
        """The messages whose id is in `ids` (on shared exchanges, others may arrive too)."""
        return [m for m in self.messages if m.message_id in ids]


def duplicates(messages: Sequence[Received]) -> int:
    return len(messages) - len({m.message_id for m in messages})


def first_occurrences(messages: Sequence[Received]) -> list[Received]:
    """Messages in arrival order, each id kept at its first arrival (what a deduper sees)."""
    seen: set[str | None] = set()
    kept = []
    for message in messages:
        if message.message_id not in seen:
            seen.add(message.message_id)
            kept.append(message)
    return kept


# -- broker restarts ---------------------------------------------------------------


def rabbitmqctl(*args: str, timeout: float = 60.0) -> None:
    subprocess.run(
        ["rabbitmqctl", *args], check=True, capture_output=True, timeout=timeout, text=True
    )


async def wait_reachable(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            await check_reachable(url, timeout=2)
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"broker not back within {timeout}s: {error}") from error
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def broker_app_stopped(url: str) -> AsyncIterator[None]:
    """`rabbitmqctl stop_app` for the body; always `start_app` after, and wait until it answers.

    Needs rabbitmqctl rights on the local node (the test is skipped otherwise, or fails in CI).
    """
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
    except (OSError, subprocess.SubprocessError) as error:
        service_missing("rabbitmqctl (to restart the local broker)", error)
    try:
        yield
    finally:
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await wait_reachable(url)
