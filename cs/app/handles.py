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
        aggregate = await asyncio.shield(self._request(aggregate_id))
        return self._install(aggregate_id, aggregate)

    async def read(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate's state, for reading only: the cached one if this node holds it,
        else a fresh load that is not cached (another node may be changing it, and a
        cached copy would go stale)."""
        handle = self.peek(aggregate_id)
        if handle is not None:
            return handle.aggregate
        return await asyncio.shield(self._request(aggregate_id))

    async def get_many(self, *aggregate_ids: UUID) -> list[Handle[Aggregate] | None]:
        """Several handles; the ones not in memory are loaded together (one round trip)."""
        found = {aggregate_id: self.peek(aggregate_id) for aggregate_id in aggregate_ids}
        missing = {i: self._request(i) for i, handle in found.items() if handle is None}
        if missing:
            loaded = await asyncio.gather(*(asyncio.shield(f) for f in missing.values()))
            for aggregate_id, aggregate in zip(missing, loaded, strict=True):
                found[aggregate_id] = self._install(aggregate_id, aggregate)
        return [found[aggregate_id] for aggregate_id in aggregate_ids]

    def _request(self, aggregate_id: UUID) -> asyncio.Future[Aggregate | None]:
        pending = self._loading.get(aggregate_id)
        if pending is None:
            pending = asyncio.ensure_future(self._loader.load(aggregate_id))
            self._loading[aggregate_id] = pending
            pending.add_done_callback(lambda _: self._loading.pop(aggregate_id, None))
        return pending

    def _install(self, aggregate_id: UUID, aggregate: Aggregate | None) -> Handle[Aggregate] | None:
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
        """Drop least recently used handles; pinned ones go to the back (amortised O(1))."""
        handles = self._handles
        budget = len(handles)  # look at each handle at most once per call
        while len(handles) > self._maxsize and budget > 0:
            budget -= 1
            key, handle = next(iter(handles.items()))
            if handle.pins == 0:
                del handles[key]
            else:
                handles.move_to_end(key)


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


def typed(handle: Handle[Aggregate] | None, cls: type[A]) -> Handle[A] | None:
    """A handle narrowed to an aggregate class; a different class is a programming error."""
    if handle is not None and not isinstance(handle.aggregate, cls):
        raise TypeError(
            f"{handle.aggregate.id} is a {type(handle.aggregate).__name__}, not {cls.__name__}"
        )
    return handle  # type: ignore[return-value]
