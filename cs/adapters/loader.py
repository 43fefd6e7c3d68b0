"""Loads aggregates from the event store on the event loop, behind the `AggregateLoader` port.

The library's repository is synchronous; calling it on executor threads made every load
queue for the GIL behind the event loop. This loader reads on the event loop instead,
and batches: every load asked for during one turn of the loop becomes part of one
query (latest snapshot plus later events, for all the ids), so a busy node makes one
round trip per turn instead of one per aggregate. Aggregates are rebuilt with the
library's own mapper and `project_aggregate`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from cs.adapters.eventstore import EventStore

log = logging.getLogger(__name__)

MAX_BATCH = 500
MAX_IN_FLIGHT = 2  # queries at once; under load, requests wait for (and fill) the next batch


class StoreLoader:
    """Replays aggregates from their latest snapshot and the events after it, in batches."""

    def __init__(self, store: EventStore, pool: AsyncConnectionPool[Any]) -> None:
        self._mapper = store.mapper
        self._pool = pool
        self._wanted: dict[UUID, asyncio.Future[Aggregate | None]] = {}
        self._flushing: set[asyncio.Task[None]] = set()
        schema = store.recorder.datastore.schema  # type: ignore[attr-defined]
        events = store.recorder.events_table_name  # type: ignore[attr-defined]
        snapshots = store.snapshots.recorder.events_table_name  # type: ignore[union-attr]
        # One primary-key lookup per id (LATERAL), never a scan: the log only grows.
        # (A test asserts the plan: tests/integration/test_loader.py.)
        self._query = sql.SQL(
            "WITH ids AS (SELECT DISTINCT unnest(%(ids)s::uuid[]) AS id), "
            "s AS (SELECT ids.id AS originator_id, snap.originator_version, snap.topic, snap.state "
            "FROM ids CROSS JOIN LATERAL (SELECT originator_version, topic, state "
            "FROM {schema}.{snapshots} WHERE originator_id = ids.id "
            "ORDER BY originator_version DESC LIMIT 1) snap) "
            "SELECT 0 AS part, originator_id, originator_version, topic, state FROM s "
            "UNION ALL "
            "SELECT 1, ids.id, e.originator_version, e.topic, e.state "
            "FROM ids LEFT JOIN s ON s.originator_id = ids.id "
            "CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = ids.id "
            "AND originator_version > COALESCE(s.originator_version, 0) "
            "OFFSET 0) e "  # a fence: keeps this a per-id index lookup, not a hash join
            "ORDER BY 2, 1, 3"
        ).format(
            schema=sql.Identifier(schema),
            snapshots=sql.Identifier(snapshots),
            events=sql.Identifier(events),
        )

    def load(self, aggregate_id: UUID) -> asyncio.Future[Aggregate | None]:
        """Join the next batch; the future holds the aggregate or None."""
        future = self._wanted.get(aggregate_id)
        if future is None:
            loop = asyncio.get_running_loop()
            if not self._wanted and len(self._flushing) < MAX_IN_FLIGHT:
                loop.call_soon(self._flush)
            future = self._wanted[aggregate_id] = loop.create_future()
        return future

    def _flush(self) -> None:
        if not self._wanted or len(self._flushing) >= MAX_IN_FLIGHT:
            return
        items = list(self._wanted.items())
        batch = dict(items[:MAX_BATCH])
        self._wanted = dict(items[MAX_BATCH:])
        task = asyncio.ensure_future(self._fetch(batch))
        self._flushing.add(task)
        task.add_done_callback(self._fetched)

    def _fetched(self, task: asyncio.Task[None]) -> None:
        self._flushing.discard(task)
        self._flush()  # what was asked for meanwhile goes out now, as one batch

    async def _fetch(self, wanted: dict[UUID, asyncio.Future[Aggregate | None]]) -> None:
        try:
            async with self._pool.connection() as conn:
                cursor = await conn.execute(self._query, {"ids": list(wanted)}, prepare=True)
                rows = await cursor.fetchall()
            found = self._rebuild(rows)
        except Exception as error:
            log.error("could not load %d aggregates: %s", len(wanted), error)
            for future in wanted.values():
                if not future.done():
                    future.set_exception(error)
            return
        for aggregate_id, future in wanted.items():
            if not future.done():
                future.set_result(found.get(aggregate_id))

    def _rebuild(self, rows: list[tuple[Any, ...]]) -> dict[UUID, Aggregate]:
        stored: dict[UUID, list[StoredEvent]] = defaultdict(list)
        for _, aggregate_id, version, topic, state in rows:
            stored[aggregate_id].append(StoredEvent(aggregate_id, version, topic, bytes(state)))
        to_event = self._mapper.to_domain_event
        found: dict[UUID, Aggregate] = {}
        for aggregate_id, records in stored.items():
            aggregate: object = project_aggregate(None, [to_event(r) for r in records])
            if not isinstance(aggregate, Aggregate):
                raise TypeError(f"{aggregate_id} is not an aggregate")
            found[aggregate_id] = aggregate
        return found
