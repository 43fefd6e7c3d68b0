"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import ocpp.messages
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from cs.adapters.clock import SystemClock
from cs.adapters.embedded_pg import EmbeddedPostgres
from cs.adapters.eventstore import EventStore, eventstore_env
from cs.adapters.loader import StoreLoader
from cs.adapters.ocpp16.schemas import PayloadValidator
from cs.adapters.ocpp16.server import ChargePointHub, HubSettings
from cs.adapters.transaction_ids import DDL as TRANSACTION_IDS_DDL
from cs.adapters.transaction_ids import SequenceTransactionIds
from cs.adapters.writer import GroupCommitWriter
from cs.app.chargepoints import ChargePointService
from cs.app.handles import AggregateCache
from cs.app.nodes import NodeService
from cs.app.ports import Clock
from cs.app.services import Services
from cs.app.sessions import SessionService
from cs.app.tokens import TokenService
from cs.app.uow import UnitOfWork
from cs.config import Settings
from cs.projections.charge_boxes import ChargeBoxesProjection
from cs.projections.connections import ConnectionsProjection
from cs.projections.id_tags import IdTagsProjection
from cs.projections.queries import ReadModels
from cs.projections.runner import ProjectionRunner
from cs.projections.sessions import SessionsProjection

log = logging.getLogger(__name__)

# Every read and write session uses UTC, so timestamps come back as UTC.
_SESSION = {"autocommit": True, "options": "-c timezone=UTC"}


@dataclass
class System:
    """Everything a running node is made of, with its start and stop sequence."""

    settings: Settings
    clock: Clock
    store: EventStore
    writer: GroupCommitWriter
    runner: ProjectionRunner
    services: Services
    hub: ChargePointHub
    read_models: ReadModels
    sync_pool: ConnectionPool[Any]
    async_pool: AsyncConnectionPool[Any]
    executor: ThreadPoolExecutor
    embedded: EmbeddedPostgres | None = None
    started: bool = field(default=False, init=False)

    async def start(self) -> None:
        """Open pools, catch the read models up, record this node's start, serve."""
        loop = asyncio.get_running_loop()
        self.writer.start(loop)
        await self.async_pool.open(wait=True, timeout=30)
        await loop.run_in_executor(None, self.runner.catch_up)
        await self._record_start()
        await loop.run_in_executor(None, self.runner.catch_up)
        self.runner.start()
        self.started = True
        log.info("node %s ready", self.settings.node_name())

    async def stop(self) -> None:
        """Commit what is queued, stop the threads, close every pool."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.writer.close)
        await loop.run_in_executor(None, self.runner.stop)
        await self.async_pool.close()
        self.sync_pool.close()
        self.executor.shutdown(wait=False)
        self.store.close()
        if self.embedded is not None:
            self.embedded.stop()
        self.started = False

    async def _record_start(self) -> None:
        node = self.settings.node_name()
        orphaned = await self.read_models.open_connection_ids(node)
        if orphaned:
            log.warning("closing %d connections left open by the previous run", len(orphaned))
        uow = UnitOfWork(snapshot_interval=self.settings.snapshot_interval)
        await self.services.nodes.started(uow, node, orphaned)
        await self.writer.submit(uow.build())

    def status(self) -> dict[str, Any]:
        stats, runner = self.writer.stats, self.runner.stats
        head = stats.last_notification_id
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
                "last_notification_id": head,
            },
            "projections": {
                "positions": dict(runner.positions),
                "lag_events": max((head - p for p in runner.positions.values()), default=0),
                "lag_seconds": round(runner.lag_seconds, 3),
            },
        }


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> System:
    """Build a node from `settings`; connects to (or starts) PostgreSQL, creates tables."""
    clock = clock or SystemClock()
    ocpp.messages.ASYNC_VALIDATION = False  # CPU-bound: a thread hop only adds cost
    logging.getLogger("ocpp").setLevel(logging.WARNING)

    embedded = None
    database_url = settings.database_url
    if database_url is None:
        embedded = EmbeddedPostgres(settings.data_dir)
        database_url = embedded.start()

    store = EventStore(env=eventstore_env(database_url, pool_size=settings.db_pool_size))
    sync_pool: ConnectionPool[Any] = ConnectionPool(
        conninfo=database_url, kwargs=_SESSION, min_size=1, max_size=4, open=True, name="cs-sync"
    )
    runner = ProjectionRunner(
        recorder=store.recorder,
        mapper=store.mapper,
        pool=sync_pool,
        projections=[
            ConnectionsProjection(),
            ChargeBoxesProjection(),
            SessionsProjection(),
            IdTagsProjection(),
        ],
        batch_size=settings.projection_batch_size,
    )
    runner.create_tables()
    with sync_pool.connection() as conn:
        conn.execute(TRANSACTION_IDS_DDL)
    writer = GroupCommitWriter(
        store, max_batch_events=settings.commit_max_batch_events, on_commit=[runner.wake]
    )
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cs-load")
    cache = AggregateCache(StoreLoader(store, executor), maxsize=settings.aggregate_cache_size)
    async_pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo=database_url, kwargs=_SESSION, min_size=1, max_size=8, open=False, name="cs-read"
    )
    services = Services(
        charge_points=ChargePointService(
            cache=cache, clock=clock, heartbeat_interval=settings.heartbeat_interval
        ),
        nodes=NodeService(cache=cache, clock=clock),
        sessions=SessionService(
            cache=cache,
            clock=clock,
            transaction_ids=SequenceTransactionIds(async_pool),
            unknown_tags=settings.unknown_id_tags,
        ),
        tokens=TokenService(
            cache=cache, clock=clock, writer=writer, snapshot_interval=settings.snapshot_interval
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
        ),
    )
    return System(
        settings=settings,
        clock=clock,
        store=store,
        writer=writer,
        runner=runner,
        services=services,
        hub=hub,
        read_models=ReadModels(async_pool),
        sync_pool=sync_pool,
        async_pool=async_pool,
        executor=executor,
        embedded=embedded,
    )
