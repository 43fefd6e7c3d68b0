"""Loads aggregates from the event store on a thread, behind the `AggregateLoader` port."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from cs.adapters.eventstore import EventStore


class StoreLoader:
    """Replays an aggregate (from its latest snapshot) on a small dedicated thread pool."""

    def __init__(self, store: EventStore, executor: ThreadPoolExecutor) -> None:
        self._store = store
        self._executor = executor

    async def load(self, aggregate_id: UUID) -> Aggregate | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._load, aggregate_id)

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            aggregate: object = self._store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, Aggregate):
            raise TypeError(f"{aggregate_id} is not an aggregate")
        return aggregate
