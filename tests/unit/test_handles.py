from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from cs.app.handles import AggregateCache
from cs.domain.chargebox import ChargeBox

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class CountingLoader:
    def __init__(self, found: Aggregate | None) -> None:
        self.found = found
        self.loads = 0

    async def load(self, aggregate_id: UUID) -> Aggregate | None:
        self.loads += 1
        await asyncio.sleep(0.01)
        return self.found


async def test_concurrent_gets_load_an_aggregate_once_and_share_its_handle() -> None:
    box = ChargeBox.register("t", "CP", AT)
    loader = CountingLoader(box)
    cache = AggregateCache(loader)
    first, second = await asyncio.gather(cache.get(box.id), cache.get(box.id))
    assert loader.loads == 1
    assert first is second
    assert first is not None
    assert first.aggregate is box


async def test_a_poisoned_handle_is_never_handed_out_again() -> None:
    box = ChargeBox.register("t", "CP", AT)
    loader = CountingLoader(box)
    cache = AggregateCache(loader)
    handle = await cache.get(box.id)
    assert handle is not None
    handle.poisoned = True
    again = await cache.get(box.id)
    assert again is not handle
    assert loader.loads == 2


async def test_pinned_handles_survive_eviction() -> None:
    cache = AggregateCache(CountingLoader(None), maxsize=100)
    pinned = cache.add(ChargeBox.register("t", "pinned", AT))
    pinned.pins = 1
    for n in range(150):
        cache.add(ChargeBox.register("t", f"CP-{n}", AT))
    assert cache.peek(pinned.aggregate.id) is pinned
    assert len(cache) <= 101
