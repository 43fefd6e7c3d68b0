"""Use case: a server node starting."""

from __future__ import annotations

from uuid import UUID

from cs.app.handles import AggregateCache, get_typed
from cs.app.ports import Clock
from cs.app.recorder import Recorder
from cs.domain import ids
from cs.domain.node import Node


class NodeService:
    """Records node starts, closing the connections a previous run left open."""

    def __init__(self, *, recorder: Recorder, cache: AggregateCache, clock: Clock) -> None:
        self._recorder = recorder
        self._cache = cache
        self._clock = clock

    async def started(self, node: str, orphaned: list[UUID]) -> None:
        """Commit this node's start with the connections it found still open."""
        at = self._clock.now()
        found = await get_typed(self._cache, ids.node_id(node), Node)
        handle = found if found is not None else self._cache.add(Node.create_for(node, at))
        handle.aggregate.start(orphaned, at)
        await self._recorder.commit(handle)
