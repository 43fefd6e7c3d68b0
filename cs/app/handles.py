"""Handles: live aggregates shared by the units that change them, and their cache."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from cs.app.ports import AggregateLoader

A = TypeVar("A", bound=Aggregate)


class Handle(Generic[A]):
    """An in-memory aggregate whose uncommitted events belong to units in flight.

    `pins` counts units in flight that carry events of this aggregate: a pinned handle
    is never evicted, so it is never reloaded from a store that lags behind it. When a
    unit fails to commit, the writer sets `poisoned`: the in-memory state then holds
    events the store does not, so the handle must be dropped and the aggregate reloaded.
    """

    __slots__ = ("aggregate", "pins", "poisoned")

    def __init__(self, aggregate: A) -> None:
        self.aggregate = aggregate
        self.pins = 0
        self.poisoned = False

    @property
    def usable(self) -> bool:
        return not self.poisoned


class AggregateCache:
    """Shared, bounded cache of handles, loading each aggregate at most once at a time.

    Promises: every caller asking for the same aggregate gets the same handle until it
    is evicted or poisoned; a poisoned handle is never handed out again.
    """

    def __init__(self, loader: AggregateLoader, *, maxsize: int = 20_000) -> None:
        self._loader = loader
        self._maxsize = maxsize
        self._handles: OrderedDict[UUID, Handle[Aggregate]] = OrderedDict()
        self._loading: dict[UUID, asyncio.Future[Aggregate | None]] = {}

    def __len__(self) -> int:
        return len(self._handles)

    async def get(self, aggregate_id: UUID) -> Handle[Aggregate] | None:
        """The live handle of an aggregate, loading it from the store if needed."""
        handle = self.peek(aggregate_id)
        if handle is not None:
            return handle
        pending = self._loading.get(aggregate_id)
        if pending is None:
            pending = asyncio.ensure_future(self._loader.load(aggregate_id))
            self._loading[aggregate_id] = pending
            pending.add_done_callback(lambda _: self._loading.pop(aggregate_id, None))
        aggregate = await asyncio.shield(pending)
        # Another caller may have installed a handle (or created the aggregate) meanwhile.
        handle = self.peek(aggregate_id)
        if handle is not None or aggregate is None:
            return handle
        return self.add(aggregate)

    def peek(self, aggregate_id: UUID) -> Handle[Aggregate] | None:
        """The cached handle without loading, dropping it if it is poisoned."""
        handle = self._handles.get(aggregate_id)
        if handle is None:
            return None
        if handle.poisoned:
            del self._handles[aggregate_id]
            return None
        self._handles.move_to_end(aggregate_id)
        return handle

    def add(self, aggregate: A) -> Handle[A]:
        """Install a handle for an aggregate just created or loaded."""
        handle = Handle(aggregate)
        self._handles[aggregate.id] = handle  # type: ignore[assignment]
        self._evict()
        return handle

    def peek_or_add(self, aggregate: A) -> Handle[A]:
        """The cached handle of `aggregate.id` if another caller made one, else `aggregate`'s."""
        existing = self.peek(aggregate.id)
        if existing is not None:
            return existing  # type: ignore[return-value]
        return self.add(aggregate)

    def forget(self, aggregate_id: UUID) -> None:
        """Drop a handle unless units in flight still need it (used to refresh state)."""
        handle = self._handles.get(aggregate_id)
        if handle is not None and handle.pins == 0:
            del self._handles[aggregate_id]

    def _evict(self) -> None:
        excess = len(self._handles) - self._maxsize
        if excess <= 0:
            return
        for key in list(self._handles)[: excess * 2]:
            if excess <= 0:
                break
            if self._handles[key].pins == 0:
                del self._handles[key]
                excess -= 1


async def get_typed(cache: AggregateCache, aggregate_id: UUID, cls: type[A]) -> Handle[A] | None:
    """`cache.get` narrowed to an aggregate class; a different class is a programming error."""
    handle = await cache.get(aggregate_id)
    if handle is None:
        return None
    if not isinstance(handle.aggregate, cls):
        raise TypeError(
            f"{aggregate_id} is a {type(handle.aggregate).__name__}, not {cls.__name__}"
        )
    return handle  # type: ignore[return-value]
