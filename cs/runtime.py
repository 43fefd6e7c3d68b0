"""A running node: what `bootstrap` built, with its start and stop sequence and its status."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from cs.adapters.amqp.command_bus import CommandBus
from cs.adapters.api_keys import AsyncKeyTable
from cs.adapters.child import ChildProcess
from cs.adapters.eventstore import EventStore
from cs.adapters.ocppj.hub import StationHub
from cs.adapters.storage import Storage
from cs.adapters.writer import GroupCommitWriter
from cs.app.access import HandshakeGate
from cs.app.ports import Clock
from cs.app.usecases import UseCases
from cs.audit.history import HistoryReader
from cs.config import Settings
from cs.projections.queries import ReadModels
from cs.projections.runner import ProjectionRunner

log = logging.getLogger(__name__)


@dataclass
class System:
    """Everything a running node is made of, with its start and stop sequence.

    Promises: `start` opens the pools, catches the read models up, records this node's
    start (closing the connections a crash left open, aborting its unfinished
    commands), then starts projections, relay and command routing as configured;
    `stop` commits what is queued and closes everything it opened.
    """

    settings: Settings
    clock: Clock
    storage: Storage
    writer: GroupCommitWriter
    use: UseCases
    hub: StationHub
    gate: HandshakeGate
    read_models: ReadModels
    history: HistoryReader
    api_keys: AsyncKeyTable
    async_pool: AsyncConnectionPool[Any]
    command_bus: CommandBus | None = None
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
        if self.command_bus is not None:
            self.command_bus.start()
        _settle_garbage_collector()
        self.started = True
        log.info("node %s ready (projections: %s)", self.settings.node_name(), mode)

    async def stop(self) -> None:
        """Commit what is queued, stop the projections, close every pool."""
        if self.command_bus is not None:
            await self.command_bus.stop()
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
        await self.use.nodes.started(node, orphaned)
        unfinished = await self.read_models.unfinished_command_ids(node)
        await self.use.commands.abort_orphans(unfinished, "central system restarted")

    def local_status(self) -> dict[str, Any]:
        """What this node knows without asking the database."""
        stats = self.writer.stats
        bus = self.command_bus
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
            "command_routing": {
                "configured": bus is not None,
                "connected": bool(bus and bus.ready),
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
