"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import ocpp.messages
import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from cs.adapters.api_keys import DDL as API_KEYS_DDL
from cs.adapters.child import ChildProcess
from cs.adapters.clock import SystemClock
from cs.adapters.embedded_pg import EmbeddedPostgres
from cs.adapters.eventstore import EventStore, eventstore_env
from cs.adapters.loader import StoreLoader
from cs.adapters.ocpp16.schemas import PayloadValidator
from cs.adapters.ocpp16.server import ChargePointHub, HubSettings
from cs.adapters.passwords import KeyVerifier
from cs.adapters.transaction_ids import DDL as SEQUENCES_DDL
from cs.adapters.transaction_ids import SequenceIds
from cs.adapters.writer import GroupCommitWriter
from cs.app.access import GateSettings, HandshakeGate, RefusalRecorder
from cs.app.chargepoints import ChargePointService
from cs.app.commands import CommandService
from cs.app.datatransfer import DataTransferHandlers, Handler, Key
from cs.app.handles import AggregateCache
from cs.app.nodes import NodeService
from cs.app.ports import Clock
from cs.app.services import Services
from cs.app.sessions import SessionService
from cs.app.tokens import TokenService
from cs.app.uow import UnitOfWork
from cs.config import Settings
from cs.projections.catalog import all_projections
from cs.projections.queries import ReadModels
from cs.projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

# Every read and write session uses UTC, so timestamps come back as UTC.
_SESSION = {"autocommit": True, "options": "-c timezone=UTC"}


@dataclass
class Storage:
    """The database side shared by `cs serve` and `cs project`."""

    database_url: str
    store: EventStore
    sync_pool: ConnectionPool[Any]
    runner: ProjectionRunner
    embedded: EmbeddedPostgres | None

    def close(self) -> None:
        self.sync_pool.close()
        self.store.close()
        if self.embedded is not None:
            self.embedded.stop()


@dataclass
class System:
    """Everything a running node is made of, with its start and stop sequence."""

    settings: Settings
    clock: Clock
    storage: Storage
    writer: GroupCommitWriter
    services: Services
    hub: ChargePointHub
    gate: HandshakeGate
    read_models: ReadModels
    async_pool: AsyncConnectionPool[Any]
    reservation_ids: SequenceIds
    projector: ChildProcess | None = None
    relay: ChildProcess | None = None
    started: bool = field(default=False, init=False)

    @property
    def store(self) -> EventStore:
        return self.storage.store

    @property
    def runner(self) -> ProjectionRunner:
        return self.storage.runner

    async def start(self) -> None:
        """Open pools, catch the read models up, record this node's start, serve."""
        loop = asyncio.get_running_loop()
        self.writer.start(loop)
        await self.async_pool.open(wait=True, timeout=30)
        await loop.run_in_executor(None, self.runner.catch_up)
        await self._record_start()
        await loop.run_in_executor(None, self.runner.catch_up)
        mode = self.settings.projections
        if mode == "thread":
            self.runner.start()
        elif mode == "process":
            self.projector = ChildProcess("project", {"CS_DATABASE_URL": self.storage.database_url})
            await self.projector.start()
        await self._start_relay()
        _settle_garbage_collector()
        self.started = True
        log.info("node %s ready (projections: %s)", self.settings.node_name(), mode)

    async def stop(self) -> None:
        """Commit what is queued, stop the projections, close every pool."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.writer.close)
        if self.projector is not None:
            await self.projector.stop()
        if self.relay is not None:
            await self.relay.stop()
        await loop.run_in_executor(None, self.runner.stop)
        await self.async_pool.close()
        self.storage.close()
        self.started = False

    async def _start_relay(self) -> None:
        """The outbox relay, in a child process: it costs most of a core at full rate."""
        if self.settings.amqp_url is None:
            log.warning(
                "CS_AMQP_URL is not set: nothing is published to RabbitMQ; events wait in "
                "the store and are published from the start once a relay runs"
            )
            return
        if self.settings.relay == "off":
            log.info("outbox relay off on this node (CS_RELAY=off)")
            return
        env = {"CS_DATABASE_URL": self.storage.database_url, "CS_AMQP_URL": self.settings.amqp_url}
        self.relay = ChildProcess("relay", env)
        await self.relay.start()

    async def _record_start(self) -> None:
        node = self.settings.node_name()
        orphaned = await self.read_models.open_connection_ids(node)
        if orphaned:
            log.warning("closing %d connections left open by the previous run", len(orphaned))
        uow = UnitOfWork(snapshot_interval=self.settings.snapshot_interval)
        await self.services.nodes.started(uow, node, orphaned)
        await self.writer.submit(uow.build())
        unfinished = await self.read_models.unfinished_command_ids(node)
        await self.services.commands.abort_orphans(unfinished, "central system restarted")

    def local_status(self) -> dict[str, Any]:
        """What this node knows without asking the database."""
        stats = self.writer.stats
        return {
            "status": "ok" if self.started else "starting",
            "node": self.settings.node_name(),
            "connections": len(self.hub),
            "writer": {
                "commits": stats.commits,
                "units": stats.units,
                "events": stats.events,
                "failed_units": stats.failed_units,
                "queued_units": self.writer.queued,
                "last_notification_id": stats.last_notification_id,
            },
        }

    async def status(self) -> dict[str, Any]:
        """`local_status` and the projections' and relay's positions (from the database)."""
        status = self.local_status()
        stats = self.writer.stats
        head = stats.last_notification_id
        positions = await self.read_models.projection_positions()
        slowest = min(positions.values(), default=head)
        status["projections"] = {
            "mode": self.settings.projections,
            "positions": positions,
            "lag_events": max(0, head - slowest),
            "lag_seconds": round(stats.seconds_behind(slowest, time.time()), 3),
            "skipped_events": await self.read_models.projection_skips(),
        }
        status["relay"] = await self._relay_status(head)
        return status

    async def _relay_status(self, head: int) -> dict[str, Any]:
        found = await self.read_models.relay_position()
        configured = self.settings.amqp_url is not None
        if found is None:
            return {"configured": configured, "position": None, "lag_events": None}
        position, updated_at = found
        return {
            "configured": configured,
            "position": position,
            "lag_events": max(0, head - position),
            "lag_seconds": round(self.writer.stats.seconds_behind(position, time.time()), 3),
            "updated_at": updated_at,
        }


def _settle_garbage_collector() -> None:
    """Keep full collections short: they scan every live object and found nothing to free.

    Measured (docs/performance.md): with 2,000 connections a full collection paused the
    event loop for 100-190 ms, the largest part of the p99 latency. Objects alive after
    start-up (modules, schemas, pools) are moved out of the collector's sight, and young
    collections run less often, so full ones do too.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def open_storage(settings: Settings) -> Storage:
    """Connect to (or start) PostgreSQL and create every table and sequence."""
    ocpp.messages.ASYNC_VALIDATION = False  # CPU-bound: a thread hop only adds cost
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    embedded = None
    database_url = settings.database_url
    if database_url is None:
        embedded = EmbeddedPostgres(settings.data_dir)
        database_url = embedded.start()
    with _schema_lock(database_url):
        store = EventStore(env=eventstore_env(database_url, pool_size=settings.db_pool_size))
        sync_pool: ConnectionPool[Any] = ConnectionPool(
            conninfo=database_url,
            kwargs=_SESSION,
            min_size=1,
            max_size=4,
            open=True,
            name="cs-sync",
        )
        runner = ProjectionRunner(
            events_table=store.recorder.events_table_name,  # type: ignore[attr-defined]
            mapper=store.mapper,
            pool=sync_pool,
            projections=all_projections(),
            batch_size=settings.projection_batch_size,
            conninfo=database_url,
            channel=store.recorder.channel_name,  # type: ignore[attr-defined]
        )
        runner.create_tables()
        with sync_pool.connection() as conn:
            for statement in SEQUENCES_DDL:
                conn.execute(statement)
            conn.execute(API_KEYS_DDL)
    return Storage(database_url, store, sync_pool, runner, embedded)


SCHEMA_LOCK = 0x63735F736368656D  # "cs_schem": a PostgreSQL advisory lock key


@contextlib.contextmanager
def _schema_lock(database_url: str) -> Iterator[None]:
    """Create tables one node at a time.

    PostgreSQL's CREATE ... IF NOT EXISTS is not safe against itself: nodes of a new
    deployment starting together on an empty database fail with "relation already
    exists" or "tuple concurrently updated". Under this lock the first creates, the
    others wait and then find everything there. Closing the connection releases it.
    """
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        yield


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    data_transfer_handlers: Mapping[Key, Handler] | None = None,
) -> System:
    """Build a node from `settings`; connects to (or starts) PostgreSQL, creates tables.

    `data_transfer_handlers` plugs in vendor DataTransfer handlers (cs.app.datatransfer).
    """
    clock = clock or SystemClock()
    storage = open_storage(settings)
    writer = GroupCommitWriter(
        storage.store,
        max_batch_events=settings.commit_max_batch_events,
        max_queued_units=settings.commit_max_queued_units,
        on_commit=[storage.runner.wake],
    )
    async_pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo=storage.database_url,
        kwargs=_SESSION,
        min_size=2,
        max_size=12,
        open=False,
        name="cs-read",
        # REST callers get a 503 after 5 s rather than waiting the default 30 s for a
        # connection while PostgreSQL is away (cs.http.errors.DatabaseUnavailableError).
        timeout=5.0,
    )
    cache = AggregateCache(
        StoreLoader(storage.store, async_pool), maxsize=settings.aggregate_cache_size
    )
    services = Services(
        charge_points=ChargePointService(
            cache=cache,
            clock=clock,
            heartbeat_interval=settings.heartbeat_interval,
            data_transfers=DataTransferHandlers(data_transfer_handlers),
            writer=writer,
            snapshot_interval=settings.snapshot_interval,
        ),
        nodes=NodeService(cache=cache, clock=clock),
        sessions=SessionService(
            cache=cache,
            clock=clock,
            transaction_ids=SequenceIds(async_pool),
            unknown_tags=settings.unknown_id_tags,
        ),
        tokens=TokenService(
            cache=cache, clock=clock, writer=writer, snapshot_interval=settings.snapshot_interval
        ),
        commands=CommandService(
            cache=cache,
            clock=clock,
            writer=writer,
            node=settings.node_name(),
            snapshot_interval=settings.snapshot_interval,
        ),
    )
    hub = ChargePointHub(
        services=services,
        writer=writer,
        validator=PayloadValidator(),
        clock=clock,
        settings=HubSettings(
            node=settings.node_name(),
            snapshot_interval=settings.snapshot_interval,
            response_timeout=settings.call_timeout,
            command_queue_size=settings.command_queue_size,
            message_rate=settings.cp_message_rate,
            message_burst=settings.cp_message_burst,
            flood_seconds=settings.cp_flood_seconds,
        ),
    )
    gate_settings = GateSettings(
        unknown_charge_boxes=settings.unknown_charge_boxes,
        max_connections=settings.max_connections,
        failure_window=settings.auth_failure_window,
        failures_before_block=settings.auth_failures_before_block,
    )
    gate = HandshakeGate(
        known=services.charge_points.known,
        keys=KeyVerifier(),
        recorder=RefusalRecorder(
            writer=writer, clock=clock, node=settings.node_name(), settings=gate_settings
        ),
        connections=hub.__len__,
        settings=gate_settings,
    )
    return System(
        settings=settings,
        clock=clock,
        storage=storage,
        writer=writer,
        services=services,
        hub=hub,
        gate=gate,
        read_models=ReadModels(async_pool),
        async_pool=async_pool,
        reservation_ids=SequenceIds(async_pool, sequence="cs_reservation_ids", block=10),
    )
