"""The writer's ordering and failure rules, against a fake event store."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from cs.adapters.writer import GroupCommitWriter
from cs.app.handles import Handle
from cs.app.ports import CommitFailedError
from cs.app.uow import PendingUnit


class FakeRecorder:
    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.fail_on: set[Any] = set()
        self.down = False

    def insert_events(self, stored: list[Any]) -> list[int]:
        if self.down:
            raise ConnectionError("database is down")
        if any(item in self.fail_on for item in stored):
            raise IntegrityError("conflict")
        self.rows.extend(stored)
        return list(range(len(self.rows) - len(stored) + 1, len(self.rows) + 1))


class IdentityMapper:
    def to_stored_event(self, event: Any) -> Any:
        return event


@dataclass
class FakeStore:
    recorder: FakeRecorder = field(default_factory=FakeRecorder)
    mapper: IdentityMapper = field(default_factory=IdentityMapper)
    snapshots: Any = None


class Agg:
    def __init__(self, name: str) -> None:
        self.name = name


def unit(handle: Handle[Any], *events: str) -> PendingUnit:
    return PendingUnit(events=list(events), handles=[handle])


@pytest.fixture
async def writer() -> Any:
    store = FakeStore()
    writer = GroupCommitWriter(store)  # type: ignore[arg-type]
    writer.start(asyncio.get_running_loop())
    yield writer, store
    writer.close()


async def test_units_are_committed_in_submission_order(writer: Any) -> None:
    writer, store = writer
    a, b = Handle(Agg("a")), Handle(Agg("b"))  # type: ignore[type-var]
    await asyncio.gather(*(writer.submit(unit(a if n % 2 else b, f"e{n}")) for n in range(50)))
    assert store.recorder.rows == [f"e{n}" for n in range(50)]
    assert a.pins == b.pins == 0


async def test_a_conflicting_unit_fails_alone_and_poisons_what_depends_on_it(writer: Any) -> None:
    writer, store = writer
    a, b = Handle(Agg("a")), Handle(Agg("b"))  # type: ignore[type-var]
    store.recorder.fail_on = {"a1"}
    results = await asyncio.gather(
        writer.submit(unit(b, "b0")),
        writer.submit(unit(a, "a1")),
        writer.submit(unit(b, "b1")),
        writer.submit(unit(a, "a2")),  # built on a1, which is lost
        return_exceptions=True,
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], CommitFailedError)
    assert isinstance(results[3], CommitFailedError)
    assert store.recorder.rows == ["b0", "b1"]
    assert a.poisoned
    assert not b.poisoned


async def test_a_store_that_is_down_fails_every_unit_and_acknowledges_none(writer: Any) -> None:
    writer, store = writer
    store.recorder.down = True
    a = Handle(Agg("a"))  # type: ignore[type-var]
    with pytest.raises(CommitFailedError):
        await writer.submit(unit(a, "x"))
    assert store.recorder.rows == []
    assert a.poisoned


async def test_a_full_queue_refuses_the_unit_and_poisons_what_it_changed() -> None:
    store = FakeStore()
    stalled, entered = threading.Event(), threading.Event()
    insert = store.recorder.insert_events

    def slow_insert(stored: list[Any]) -> list[int]:
        entered.set()
        stalled.wait(10)  # PostgreSQL stalls: the first commit does not return
        return insert(stored)

    store.recorder.insert_events = slow_insert  # type: ignore[method-assign]
    writer = GroupCommitWriter(store, max_queued_units=2)  # type: ignore[arg-type]
    writer.start(asyncio.get_running_loop())
    try:
        committing = writer.submit(unit(Handle(Agg("a")), "a1"))
        assert await asyncio.to_thread(entered.wait, 5)  # the writer thread is committing it
        waiting = [writer.submit(unit(Handle(Agg(n)), f"{n}1")) for n in ("b", "c")]
        refused = Handle(Agg("d"))
        with pytest.raises(CommitFailedError, match="not keeping up"):
            writer.submit(unit(refused, "d1"))
        assert refused.poisoned
        assert writer.stats.failed_units == 1
        stalled.set()
        await asyncio.gather(committing, *waiting)
        assert store.recorder.rows == ["a1", "b1", "c1"]  # what was queued is committed
    finally:
        stalled.set()
        writer.close()
