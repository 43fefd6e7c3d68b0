"""The outbox relay: publishes the event log to RabbitMQ, in order, at least once.

The event store is the outbox. The relay reads `cs_events` in notification order from a
position kept in PostgreSQL (`cs_relay_positions`), maps each batch to messages
(`contract.py`), publishes them on one channel with publisher confirms, and moves the
position past the batch only once the broker has confirmed all of it. Whatever fails
(broker down, connection cut, relay killed), the next attempt starts again from the
stored position: nothing is lost, and what a consumer can see twice is bounded by the
batch that was in flight. Consumers drop those duplicates by `message_id`.

One relay per database publishes: the one holding a session-level advisory lock on a
connection of its own. Others stand by and take over when the leader's session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import aio_pika
import psycopg
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from aiormq.abc import DeliveredMessage
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import AsyncConnection, sql
from yarl import URL

from cs.adapters.amqp.contract import (
    PUBLISHED_TOPICS,
    ConnectionInfo,
    Exchange,
    MissingContextError,
    OutgoingMessage,
    connections_needed,
    messages_for,
    session_needed,
)
from cs.adapters.eventstore import EventStore, eventstore_env
from cs.config import Settings
from cs.describe import one_line
from cs.domain.connection import Connection
from cs.domain.session import ChargingSession

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_relay_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, updated_at timestamptz)"
)
# Two-key advisory lock (class, hashtext(relay name)): a space apart from the one-key
# bigint locks the projections use, and one leader per relay name per database.
LOCK_CLASS = 0x63735F72  # "cs_r"

# Every session reads and writes timestamps in UTC; keepalives let a dead peer surface
# as an error instead of a wait that never ends (the leader lock is on such a session).
_SESSION: dict[str, Any] = {
    "autocommit": True,
    "options": "-c timezone=UTC",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


class RelayConfigError(ValueError):
    """The relay cannot run with these settings (no database or no broker configured)."""


class PositionConflictError(Exception):
    """The stored position is not the one this relay read: another relay moved it."""


class _Interrupted(Exception):
    """Stopping, or leadership lost, while a batch waited for the broker."""


@dataclass
class RelayStats:
    """What the relay reports (log lines and the status endpoint).

    `position` is the last notification id confirmed by the broker (or passed over);
    `head` the newest in the log when last looked at; `lag_seconds` how old the last
    published event was when the relay was still behind it (0 when caught up): an
    estimate of how far behind the log the consumers are.
    """

    name: str
    leader: bool = False
    broker_connected: bool = False
    position: int = 0
    head: int = 0
    lag_seconds: float = 0.0
    batches: int = 0
    events: int = 0  # log entries passed (published or not)
    published: int = 0  # messages confirmed by the broker
    retries: int = 0  # failed publish attempts of a batch (each republished whole)
    broker_connects: int = 0
    skipped: int = 0  # events that could not be mapped (logged as errors)
    unroutable: int = 0  # confirmed messages no queue was bound for (broker dropped them)
    last_error: str | None = None
    last_event_at: datetime | None = None

    @property
    def lag_events(self) -> int:
        return max(0, self.head - self.position)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the status endpoint."""
        return {
            "name": self.name,
            "leader": self.leader,
            "broker_connected": self.broker_connected,
            "position": self.position,
            "head": self.head,
            "lag_events": self.lag_events,
            "lag_seconds": round(self.lag_seconds, 3),
            "batches": self.batches,
            "events": self.events,
            "published": self.published,
            "retries": self.retries,
            "broker_connects": self.broker_connects,
            "skipped": self.skipped,
            "unroutable": self.unroutable,
            "last_error": self.last_error,
        }


class _LRU:
    """Connection infos by connection id, least recently used dropped first."""

    def __init__(self, maxsize: int) -> None:
        self._items: OrderedDict[UUID, ConnectionInfo] = OrderedDict()
        self._maxsize = maxsize

    def get(self, key: UUID) -> ConnectionInfo | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: UUID, value: ConnectionInfo) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._maxsize:
            self._items.popitem(last=False)


@dataclass
class _BatchLookups:
    """The context of one batch, pinned for the batch (the LRU may evict meanwhile)."""

    connections: dict[UUID, ConnectionInfo]
    sessions: dict[tuple[UUID, int], ChargingSession]

    def connection(self, connection_id: UUID) -> ConnectionInfo | None:
        return self.connections.get(connection_id)

    def session(self, session_id: UUID, version: int) -> ChargingSession | None:
        return self.sessions.get((session_id, version))


class OutboxRelay:
    """Publishes the event log to RabbitMQ (exchanges `ocpp` and `sessions`), in log order.

    Promises:
    - at least once: a message is only passed (position advanced) after the broker
      confirmed it; after any failure the relay resumes from the stored position by
      itself, so the duplicates a consumer may see are those of the batch in flight;
    - in order: messages go out in notification order on one confirm channel, so the
      messages of one charge box reach a queue in the order of the log;
    - one publisher: only the relay holding the advisory lock for `name` publishes;
    - visible lag: `stats` (position, head, lag) and a log line every `log_interval`.

    Run with `await relay.run()`; `stop()` (any thread) makes it finish the batch in
    flight and return. `wake()` (any thread) makes it look at the log now rather than
    at the next poll (the writer can call it after each commit).
    """

    def __init__(
        self,
        *,
        database_url: str,
        amqp_url: str,
        mapper: Mapper[Any],
        events_table: str = "cs_events",
        snapshots_table: str | None = "cs_snapshots",
        notify_channel: str | None = "cs_events",
        name: str = "amqp",
        ocpp_exchange: str = Exchange.OCPP.value,
        sessions_exchange: str = Exchange.SESSIONS.value,
        batch_size: int = 200,
        poll_interval: float = 0.5,
        lock_poll_interval: float = 1.0,
        retry_initial: float = 0.25,
        retry_max: float = 10.0,
        publish_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        log_interval: float = 30.0,
        cache_size: int = 20_000,
    ) -> None:
        self._database_url = database_url
        self._amqp_url = amqp_url
        self._mapper = mapper
        self._name = name
        self._exchange_names = {Exchange.OCPP: ocpp_exchange, Exchange.SESSIONS: sessions_exchange}
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lock_poll_interval = lock_poll_interval
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._log_interval = log_interval
        self._notify_channel = notify_channel
        self._connections = _LRU(cache_size)
        self.stats = RelayStats(name=name)

        events = _table(events_table)
        # Only the events the contract publishes are decoded, and only their state is
        # sent back (a meter value's state can be kilobytes and is not needed here).
        self._select_batch = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, "
            "CASE WHEN topic = ANY(%s) THEN state END "
            "FROM {events} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(events=events)
        self._select_head = sql.SQL("SELECT max(notification_id) FROM {events}").format(
            events=events
        )
        # Version 1 of a connection's stream is its Opened event: a primary-key lookup.
        self._select_opened = sql.SQL(
            "SELECT originator_id, originator_version, topic, state FROM {events} "
            "WHERE originator_id = ANY(%s) AND originator_version = 1"
        ).format(events=events)
        self._select_sessions = _session_query(events, snapshots_table)

        self._published_topics = list(PUBLISHED_TOPICS)
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock_conn: AsyncConnection[Any] | None = None
        self._work: AsyncConnection[Any] | None = None
        self._leadership_lost = False
        self._standby_logged = False
        self._broker: AbstractConnection | None = None
        self._exchanges: dict[Exchange, AbstractExchange] | None = None
        self._broker_failures = 0
        self._next_idle_attempt = 0.0

    @classmethod
    def for_store(
        cls, store: EventStore, *, database_url: str, amqp_url: str, **options: Any
    ) -> OutboxRelay:
        """A relay for the tables of `store` (its mapper decodes the events)."""
        recorder: Any = store.recorder
        snapshots: Any = store.snapshots.recorder if store.snapshots is not None else None
        return cls(
            database_url=database_url,
            amqp_url=amqp_url,
            mapper=store.mapper,
            events_table=f"{recorder.datastore.schema}.{recorder.events_table_name}",
            snapshots_table=(
                f"{snapshots.datastore.schema}.{snapshots.events_table_name}" if snapshots else None
            ),
            notify_channel=recorder.channel_name,
            **options,
        )

    # -- control ------------------------------------------------------------------

    def stop(self) -> None:
        """Return from `run()` after the batch in flight (callable from any thread).

        A batch being published is finished and its position stored; a batch waiting
        for an unreachable broker is left for the next run (nothing is lost either way).
        """
        self._soon(self._stopping.set)
        self._soon(self._wakeup.set)

    @property
    def is_stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    async def stopped(self) -> None:
        """Wait until `stop()` is called."""
        await self._stopping.wait()

    def wake(self, _notification_id: int = 0) -> None:
        """New events were committed: look now (callable from any thread, e.g. the writer)."""
        self._soon(self._wakeup.set)

    def _soon(self, action: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or _running_loop() is loop:
            action()
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nothing to do
            loop.call_soon_threadsafe(action)

    async def run(self) -> None:
        """Relay until `stop()`: stand by, lead, publish; recover from every failure."""
        self._loop = asyncio.get_running_loop()
        reporter = asyncio.create_task(self._report_periodically(), name="cs-relay-report")
        log.info(
            "relay %r: publishing %s to RabbitMQ at %s (exchanges %s)",
            self._name,
            "the event log",
            masked_url(self._amqp_url),
            ", ".join(self._exchange_names.values()),
        )
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    if await self._acquire_leadership():
                        failures = 0
                        await self._lead()
                    else:
                        await self._sleep(self._lock_poll_interval)
                except (psycopg.Error, OSError) as error:
                    self.stats.last_error = f"database: {error}"
                    delay = self._backoff(failures)
                    failures += 1
                    log.warning(
                        "relay %r: database unavailable (%s); retrying in %.1fs",
                        self._name,
                        one_line(error),
                        delay,
                    )
                    await self._resign()
                    await self._sleep(delay)
                except Exception as error:  # a bug or a poison event: say so, never skip it
                    self.stats.last_error = repr(error)
                    delay = self._backoff(failures)
                    failures += 1
                    log.exception("relay %r failed; retrying in %.1fs", self._name, delay)
                    await self._resign()
                    await self._sleep(delay)
        finally:
            await self._resign()
            await self._close_broker()
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            log.info("relay %r stopped at position %d", self._name, self.stats.position)

    # -- leadership -----------------------------------------------------------------

    async def _acquire_leadership(self) -> bool:
        """Try the advisory lock on a dedicated session; keep that session while leading."""
        if self._lock_conn is None or self._lock_conn.closed:
            self._lock_conn = await AsyncConnection.connect(self._database_url, **_SESSION)
        cursor = await self._lock_conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, self._name)
        )
        row = await cursor.fetchone()
        if not (row and row[0]):
            if not self._standby_logged:
                log.info("relay %r: another relay publishes; standing by", self._name)
                self._standby_logged = True
            return False
        self._standby_logged = False
        self._leadership_lost = False
        self.stats.leader = True
        log.info("relay %r: this relay publishes (it holds the leader lock)", self._name)
        return True

    async def _resign(self) -> None:
        """Give up the lock (by closing its session) and the working session."""
        self.stats.leader = False
        for conn in (self._work, self._lock_conn):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._work = self._lock_conn = None

    async def _listen(self, conn: AsyncConnection[Any]) -> None:
        """Wake on NOTIFY from any writer; an error here means the lock session is gone."""
        try:
            if self._notify_channel is not None:
                await conn.execute(
                    sql.SQL("LISTEN {}").format(sql.Identifier(self._notify_channel))
                )
            while not self._stopping.is_set():
                # A bounded wait, so a session that died is noticed within a second.
                async for _ in conn.notifies(timeout=1.0, stop_after=1):
                    self._wakeup.set()
                if self._notify_channel is None:
                    await conn.execute("SELECT 1")
        except (psycopg.Error, OSError) as error:
            log.warning("relay %r: lost the leader session (%s)", self._name, one_line(error))
            self._leadership_lost = True
            self._wakeup.set()

    async def _lead(self) -> None:
        """Publish batches while this relay holds the lock."""
        assert self._lock_conn is not None
        self._work = await AsyncConnection.connect(self._database_url, **_SESSION)
        await self._create_position()
        self.stats.position = await self._load_position()
        self.stats.head = await self._load_head(self.stats.position)
        log.info(
            "relay %r: resuming after notification %d (head %d)",
            self._name,
            self.stats.position,
            self.stats.head,
        )
        listener = asyncio.create_task(self._listen(self._lock_conn), name="cs-relay-listen")
        try:
            while not self._stopping.is_set() and not self._leadership_lost:
                try:
                    progressed = await self._step()
                except _Interrupted:
                    return
                except PositionConflictError:
                    log.error(
                        "relay %r: the stored position moved under this relay (another relay "
                        "without the lock?); reloading it",
                        self._name,
                    )
                    self.stats.position = await self._load_position()
                    continue
                if not progressed:
                    await self._connect_when_idle()
                    await self._wait_for_events()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            if self._leadership_lost:
                await self._resign()

    # -- one batch ------------------------------------------------------------------

    async def _step(self) -> bool:
        """Relay one batch; False when the log had nothing new."""
        assert self._work is not None
        position = self.stats.position
        cursor = await self._work.execute(
            self._select_batch, (self._published_topics, position, self._batch_size), prepare=True
        )
        rows = await cursor.fetchall()
        if not rows:
            self.stats.head = position  # nothing after it: the position is the head
            self.stats.lag_seconds = 0.0
            return False
        to_event = self._mapper.to_domain_event
        events: list[Any] = [
            to_event(StoredEvent(oid, version, topic, bytes(state)))
            for _, oid, version, topic, state in rows
            if state is not None
        ]
        messages = await self._messages(events)
        if messages:
            await self._publish(messages)
        last_id = int(rows[-1][0])
        await self._advance(position, last_id)
        if len(rows) == self._batch_size:
            self.stats.head = await self._load_head(last_id)  # probably more behind it
        else:
            self.stats.head = max(self.stats.head, last_id)
        self.stats.batches += 1
        self.stats.events += len(rows)
        self.stats.published += len(messages)
        if events:
            self.stats.last_event_at = events[-1].timestamp
        self._update_lag()
        return True

    async def _messages(self, events: Sequence[Any]) -> list[OutgoingMessage]:
        """Map a batch, fetching first (one query each) what its events refer to."""
        lookups = _BatchLookups(connections={}, sessions={})
        for event in events:  # a connection opened in this batch needs no query
            if isinstance(event, Connection.Opened):
                info = ConnectionInfo.from_opened(event)
                self._connections.put(event.originator_id, info)
                lookups.connections[event.originator_id] = info
        missing: set[UUID] = set()
        wanted_sessions: list[tuple[UUID, int]] = []
        for event in events:
            for connection_id in connections_needed(event):
                if connection_id not in lookups.connections:
                    cached = self._connections.get(connection_id)
                    if cached is not None:
                        lookups.connections[connection_id] = cached
                    else:
                        missing.add(connection_id)
            wanted = session_needed(event)
            if wanted is not None:
                wanted_sessions.append(wanted)
        if missing:
            for info in await self._load_connections(missing):
                connection_id = UUID(info.connection_id)
                self._connections.put(connection_id, info)
                lookups.connections[connection_id] = info
        if wanted_sessions:
            lookups.sessions.update(await self._load_sessions(wanted_sessions))
        messages: list[OutgoingMessage] = []
        for event in events:
            try:
                messages.extend(messages_for(event, lookups))
            except MissingContextError as error:
                self.stats.skipped += 1
                log.error("relay %r: not published: %s", self._name, error)
        return messages

    async def _load_connections(self, ids: set[UUID]) -> list[ConnectionInfo]:
        assert self._work is not None
        cursor = await self._work.execute(self._select_opened, (list(ids),), prepare=True)
        infos = []
        for oid, version, topic, state in await cursor.fetchall():
            event = self._mapper.to_domain_event(StoredEvent(oid, version, topic, bytes(state)))
            if isinstance(event, Connection.Opened):
                infos.append(ConnectionInfo.from_opened(event))
        return infos

    async def _load_sessions(
        self, wanted: list[tuple[UUID, int]]
    ) -> dict[tuple[UUID, int], ChargingSession]:
        """Session aggregates as of their Stopped event (latest snapshot at or before it)."""
        assert self._work is not None
        cursor = await self._work.execute(
            self._select_sessions,
            ([session_id for session_id, _ in wanted], [version for _, version in wanted]),
        )
        stored: dict[tuple[UUID, int], list[StoredEvent]] = defaultdict(list)
        for session_id, upto, _, version, topic, state in await cursor.fetchall():
            stored[(session_id, upto)].append(StoredEvent(session_id, version, topic, bytes(state)))
        to_event = self._mapper.to_domain_event
        found: dict[tuple[UUID, int], ChargingSession] = {}
        for key, records in stored.items():
            aggregate: object = project_aggregate(None, [to_event(r) for r in records])
            if isinstance(aggregate, ChargingSession):
                found[key] = aggregate
        return found

    async def _publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish the whole batch until the broker confirms all of it.

        Publishes are pipelined on one channel: aiormq writes them in call order and
        awaits the confirms together, so the order on the wire is the log order. Any
        failure (connection lost, nack, timeout) republishes the whole batch on a new
        connection: a lost confirm does not say whether the broker has the message.
        """
        attempt = 0
        while True:
            if self._stopping.is_set() or self._leadership_lost:
                raise _Interrupted
            try:
                exchanges = await self._connect_broker()
                async with asyncio.timeout(self._publish_timeout):
                    results = await asyncio.gather(
                        *(self._publish_one(exchanges, m) for m in messages),
                        return_exceptions=True,
                    )
                failures = [r for r in results if isinstance(r, BaseException)]
                if failures:
                    raise failures[0]
                self._broker_failures = 0
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.stats.retries += 1
                self.stats.last_error = f"broker: {one_line(error)}"
                delay = self._backoff(attempt)
                attempt += 1
                self._broker_failures += 1
                log.warning(
                    "relay %r: %s at %s: %s; retrying the batch of %d in %.1fs "
                    "(events wait in the store)",
                    self._name,
                    self._failure_kind(),
                    masked_url(self._amqp_url),
                    one_line(error),
                    len(messages),
                    delay,
                )
                await self._close_broker()
                await self._sleep(delay)

    async def _connect_when_idle(self) -> None:
        """Keep a broker connection while the log is quiet, so a broker that is down (or
        declared the exchanges differently) shows in the log and the stats at once, not
        only when the next event comes."""
        if self._exchanges is not None and self._broker is not None and not self._broker.is_closed:
            return
        if time.monotonic() < self._next_idle_attempt:
            return
        try:
            await self._connect_broker()
            self._broker_failures = 0
        except Exception as error:
            delay = self._backoff(self._broker_failures)
            self._broker_failures += 1
            self._next_idle_attempt = time.monotonic() + delay
            self.stats.last_error = f"broker: {one_line(error)}"
            log.warning(
                "relay %r: %s at %s: %s; retrying in %.1fs (events wait in the store)",
                self._name,
                self._failure_kind(),
                masked_url(self._amqp_url),
                one_line(error),
                delay,
            )
            await self._close_broker()

    def _failure_kind(self) -> str:
        if self._exchanges is None:
            return "cannot reach RabbitMQ (or declare the exchanges)"
        return "publishing failed"

    async def _publish_one(
        self, exchanges: dict[Exchange, AbstractExchange], message: OutgoingMessage
    ) -> None:
        result = await exchanges[message.exchange].publish(
            aio_pika.Message(
                message.body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message.message_id,
                type=message.type,
                timestamp=message.timestamp,
                app_id="cs",
            ),
            message.routing_key,
            # Returned (unroutable) session messages are worth a warning: billing is not
            # bound. The raw-frame firehose may legitimately have no consumer at all.
            mandatory=message.exchange is Exchange.SESSIONS,
        )
        if isinstance(result, DeliveredMessage):  # returned: no queue took it
            self.stats.unroutable += 1
            log.warning(
                "relay %r: %s %s was confirmed but unroutable: no queue is bound to %s/%s",
                self._name,
                message.type,
                message.message_id,
                self._exchange_names[message.exchange],
                message.routing_key,
            )

    async def _connect_broker(self) -> dict[Exchange, AbstractExchange]:
        """The open connection's exchanges, connecting and declaring them when needed."""
        if self._exchanges is not None and self._broker is not None and not self._broker.is_closed:
            return self._exchanges
        await self._close_broker()
        self._broker = await aio_pika.connect(
            self._amqp_url,
            timeout=self._connect_timeout,
            client_properties={"connection_name": f"cs relay {self._name}"},
        )
        channel: AbstractChannel = await self._broker.channel(
            publisher_confirms=True, on_return_raises=False
        )
        exchanges: dict[Exchange, AbstractExchange] = {}
        for exchange, name in self._exchange_names.items():
            # Durable direct, as the original deployment created them: declaring an
            # existing identical exchange is a no-op; a different one fails loudly.
            exchanges[exchange] = await channel.declare_exchange(
                name, aio_pika.ExchangeType.DIRECT, durable=True
            )
        self._exchanges = exchanges
        self.stats.broker_connected = True
        self.stats.broker_connects += 1
        log.info(
            "relay %r: connected to RabbitMQ at %s%s",
            self._name,
            masked_url(self._amqp_url),
            f" after {self._broker_failures} failed attempts" if self._broker_failures else "",
        )
        return exchanges

    async def _close_broker(self) -> None:
        self._exchanges = None
        self.stats.broker_connected = False
        broker, self._broker = self._broker, None
        if broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(broker.close(), 5.0)

    # -- position -------------------------------------------------------------------

    async def _create_position(self) -> None:
        assert self._work is not None
        async with self._work.transaction():
            # Serialised: two relays creating the table at once would otherwise collide.
            await self._work.execute("SELECT pg_advisory_xact_lock(hashtext('cs_relay_ddl'))")
            await self._work.execute(POSITIONS_DDL)
            await self._work.execute(
                "INSERT INTO cs_relay_positions (name, updated_at) VALUES (%s, now()) "
                "ON CONFLICT (name) DO NOTHING",
                (self._name,),
            )

    async def _load_position(self) -> int:
        assert self._work is not None
        cursor = await self._work.execute(
            "SELECT position FROM cs_relay_positions WHERE name = %s", (self._name,)
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _load_head(self, at_least: int) -> int:
        assert self._work is not None
        cursor = await self._work.execute(self._select_head, prepare=True)
        row = await cursor.fetchone()
        return max(at_least, int(row[0]) if row and row[0] is not None else 0)

    async def _advance(self, old: int, new: int) -> None:
        """Move the position from `old` to `new`, only if it is still `old`."""
        assert self._work is not None
        cursor = await self._work.execute(
            "UPDATE cs_relay_positions SET position = %s, updated_at = now() "
            "WHERE name = %s AND position = %s",
            (new, self._name, old),
            prepare=True,
        )
        if cursor.rowcount != 1:
            raise PositionConflictError(self._name)
        self.stats.position = new

    # -- waiting and reporting ------------------------------------------------------

    async def _wait_for_events(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
        self._wakeup.clear()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but return at once when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _backoff(self, attempt: int) -> float:
        return float(min(self._retry_max, self._retry_initial * 2 ** min(attempt, 16)))

    def _update_lag(self) -> None:
        stats = self.stats
        if stats.lag_events == 0 or stats.last_event_at is None:
            stats.lag_seconds = 0.0
        else:
            age = datetime.now(UTC) - stats.last_event_at
            stats.lag_seconds = max(0.0, age.total_seconds())

    async def _report_periodically(self) -> None:
        last_published, last_time = 0, time.monotonic()
        while True:
            await asyncio.sleep(self._log_interval)
            now = time.monotonic()
            rate = (self.stats.published - last_published) / max(now - last_time, 1e-9)
            last_published, last_time = self.stats.published, now
            self._report(rate)

    def _report(self, rate: float) -> None:
        stats = self.stats
        if not stats.leader:
            log.info("relay %r: standing by (another relay publishes)", self._name)
            return
        log.info(
            "relay %r: position %d, head %d, lag %d events / %.1fs, %d published (%.0f/s)%s",
            self._name,
            stats.position,
            stats.head,
            stats.lag_events,
            stats.lag_seconds,
            stats.published,
            rate,
            "" if stats.broker_connected else ", RabbitMQ unreachable",
        )


def _session_query(events: sql.Composable, snapshots_table: str | None) -> sql.Composed:
    """Each wanted session's latest snapshot at or before the version, then the events up to
    it: rows (session id, version wanted, part, version, topic, state) in replay order."""
    wanted = "WITH w AS (SELECT * FROM unnest(%s::uuid[], %s::int8[]) AS w(id, upto)) "
    if snapshots_table is None:
        return sql.SQL(
            wanted + "SELECT w.id, w.upto, 1, e.originator_version, e.topic, e.state FROM w "
            "CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {events} "
            "WHERE originator_id = w.id AND originator_version <= w.upto) e ORDER BY 1, 2, 3, 4"
        ).format(events=events)
    return sql.SQL(
        wanted + ", s AS (SELECT w.id, w.upto, snap.originator_version, snap.topic, snap.state "
        "FROM w CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {snapshots} "
        "WHERE originator_id = w.id AND originator_version <= w.upto "
        "ORDER BY originator_version DESC LIMIT 1) snap) "
        "SELECT s.id, s.upto, 0, s.originator_version, s.topic, s.state FROM s "
        "UNION ALL "
        "SELECT w.id, w.upto, 1, e.originator_version, e.topic, e.state FROM w "
        "LEFT JOIN s ON s.id = w.id AND s.upto = w.upto "
        "CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {events} "
        "WHERE originator_id = w.id AND originator_version > COALESCE(s.originator_version, 0) "
        "AND originator_version <= w.upto) e "
        "ORDER BY 1, 2, 3, 4"
    ).format(events=events, snapshots=_table(snapshots_table))


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def masked_url(url: str) -> str:
    """The URL without its password, for the log."""
    with contextlib.suppress(Exception):
        parsed = URL(url)
        if parsed.password:
            return str(parsed.with_password("***"))
    return url


async def run_relay(settings: Settings, *, parent_pid: int | None = None) -> None:
    """Run a relay for `settings` until SIGINT/SIGTERM (`python -m cs relay`).

    Needs `CS_DATABASE_URL` (the relay reads the server's database; it never starts an
    embedded one) and `CS_AMQP_URL`. Creates the event tables if missing, so a relay may
    start before the first server. With `parent_pid`, it also stops when that process is
    gone (as a child of `cs serve`).
    """
    if settings.database_url is None:
        raise RelayConfigError(
            "the relay needs CS_DATABASE_URL: the database of the servers whose events it "
            "publishes (it does not start an embedded PostgreSQL)"
        )
    if settings.amqp_url is None:
        raise RelayConfigError("the relay needs CS_AMQP_URL, e.g. amqp://guest:guest@127.0.0.1/")
    store = await asyncio.to_thread(
        EventStore, env=eventstore_env(settings.database_url, pool_size=1, max_overflow=1)
    )
    try:
        relay = OutboxRelay.for_store(
            store, database_url=settings.database_url, amqp_url=settings.amqp_url
        )
        loop = asyncio.get_running_loop()
        handled = []
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, relay.stop)
                handled.append(sig)
        watcher = asyncio.create_task(_watch_parent(parent_pid, relay)) if parent_pid else None
        try:
            await relay.run()
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)
            if watcher is not None:
                watcher.cancel()
    finally:
        await asyncio.to_thread(store.close)


async def _watch_parent(parent_pid: int, relay: OutboxRelay) -> None:
    while os.getppid() == parent_pid:  # re-parented: the parent died, even by SIGKILL
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(relay.stopped(), 0.5)
        if relay.is_stopping:
            return
    log.warning("parent process %s is gone; stopping the relay", parent_pid)
    relay.stop()
