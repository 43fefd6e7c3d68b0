"""The fakes keep the real adapters' contracts: the same checks run on both where we can.

The writer's contract runs against `GroupCommitWriter` (on the in-memory store) and
`FakeWriter`; the loader's against the eventsourcing library's own repository.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cs.adapters.writer import GroupCommitWriter
from cs.app.handles import Handle
from cs.app.ports import CommitFailedError
from cs.app.uow import UnitOfWork
from cs.domain.chargebox import ChargeBox, StatusReport
from tests.support.fakes import EventLog, FakeClock, FakeLoader, FakeWriter, IdSequence

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def a_box(name: str) -> Handle[ChargeBox]:
    return Handle(ChargeBox.register("t", name, AT))


def report(handle: Handle[ChargeBox], status: str = "Available") -> Handle[ChargeBox]:
    handle.aggregate.report_status(
        StatusReport(1, status, "NoError"), connection_id="c", message_id="m", at=AT
    )
    return handle


def unit_of(*handles: Handle[Any], snapshot_interval: int = 100) -> Any:
    unit = UnitOfWork(snapshot_interval=snapshot_interval)
    unit.save(*handles)
    return unit.build()


@pytest.fixture(params=["GroupCommitWriter", "FakeWriter"])
async def writer(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, EventLog]]:
    log = EventLog()
    if request.param == "FakeWriter":
        yield FakeWriter(log), log
        return
    real = GroupCommitWriter(log.store)
    real.start(asyncio.get_running_loop())
    yield real, log
    real.close()


async def test_a_unit_is_acknowledged_only_once_all_its_events_are_stored(
    writer: tuple[Any, EventLog],
) -> None:
    commit, log = writer
    box = report(a_box("CP"))
    done = commit.submit(unit_of(box))
    seen_at_completion: list[int] = []
    done.add_done_callback(lambda _: seen_at_completion.append(len(log)))
    assert not done.done()  # never synchronously
    assert box.pins == 1  # pinned while in flight
    await done
    assert seen_at_completion == [2]
    assert box.pins == 0
    assert log.topics() == ["cs.ChargeBox.Registered", "cs.ChargeBox.StatusNotified"]


async def test_units_are_stored_in_submission_order(writer: tuple[Any, EventLog]) -> None:
    commit, log = writer
    handles = [a_box(f"CP-{n}") for n in range(20)]
    await asyncio.gather(*(commit.submit(unit_of(h)) for h in handles))
    registered = log.events("cs.ChargeBox.Registered")
    assert [e.charge_box_id for e in registered] == [f"CP-{n}" for n in range(20)]


async def test_a_stale_unit_fails_alone_and_poisons_what_builds_on_it(
    writer: tuple[Any, EventLog],
) -> None:
    commit, log = writer
    await commit.submit(unit_of(a_box("CP")))
    stale = a_box("CP")  # the same aggregate, registered again: version 1 exists
    other = a_box("OTHER")
    results = await asyncio.gather(
        commit.submit(unit_of(stale)),
        commit.submit(unit_of(other)),
        commit.submit(unit_of(report(stale))),  # built on the lost unit
        return_exceptions=True,
    )
    assert isinstance(results[0], CommitFailedError)
    assert results[1] is None
    assert isinstance(results[2], CommitFailedError)
    assert (stale.poisoned, other.poisoned) == (True, False)
    assert log.topics() == ["cs.ChargeBox.Registered"] * 2
    assert "cs.ChargeBox.StatusNotified" not in log.topics()


async def test_snapshots_are_stored_with_their_unit(writer: tuple[Any, EventLog]) -> None:
    commit, log = writer
    box = report(report(a_box("CP")))
    await commit.submit(unit_of(box, snapshot_interval=2))
    assert log.snapshot_versions(box.aggregate.id) == [3]


async def test_the_fake_writer_fails_the_unit_it_is_told_to_and_poisons_it() -> None:
    log = EventLog()
    commit = FakeWriter(log)
    kept, lost = a_box("KEPT"), report(a_box("LOST"))
    commit.fail_next(where=lambda topics: "cs.ChargeBox.StatusNotified" in topics)
    results = await asyncio.gather(
        commit.submit(unit_of(kept)), commit.submit(unit_of(lost)), return_exceptions=True
    )
    assert results[0] is None
    assert isinstance(results[1], CommitFailedError)
    assert (kept.poisoned, lost.poisoned) == (False, True)
    assert [e.charge_box_id for e in log.events()] == ["KEPT"]
    assert commit.failed_units == 1


async def test_the_fake_writer_holds_units_in_flight_until_released() -> None:
    log = EventLog()
    commit = FakeWriter(log)
    commit.hold()
    done = commit.submit(unit_of(a_box("CP")))
    await asyncio.sleep(0.01)
    assert (done.done(), len(log), commit.in_flight) == (False, 0, 1)
    commit.release()
    await done
    assert len(log) == 1


@pytest.mark.parametrize("interval", [2, 100], ids=["from-a-snapshot", "from-events"])
async def test_the_fake_loader_rebuilds_what_the_librarys_repository_does(interval: int) -> None:
    log = EventLog()
    box = report(report(report(a_box("CP")), "Charging"))
    await FakeWriter(log).submit(unit_of(box, snapshot_interval=interval))
    loaded = await FakeLoader(log).load(box.aggregate.id)
    reference = log.store.repository.get(box.aggregate.id)
    assert loaded is not box.aggregate  # a fresh copy, never the live one
    assert isinstance(loaded, ChargeBox)
    assert vars(loaded) == vars(reference) == vars(box.aggregate)


async def test_the_fake_loader_sees_committed_events_only() -> None:
    log = EventLog()
    commit = FakeWriter(log)
    commit.hold()
    box = a_box("CP")
    commit.submit(unit_of(box))
    assert await FakeLoader(log).load(box.aggregate.id) is None


def test_the_fake_clock_gives_aware_utc_and_moves_only_forward() -> None:
    clock = FakeClock()
    assert clock.now().tzinfo is UTC
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    assert clock.advance(minutes=1) == datetime(2026, 11, 25, 12, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 11, 25, 12, 0))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds=-1)


async def test_an_id_sequence_hands_out_each_positive_32_bit_id_once() -> None:
    ids = IdSequence(start=2**31 - 2)
    assert [await ids.next(), await ids.next()] == [2**31 - 2, 2**31 - 1]
    with pytest.raises(RuntimeError, match="exhausted"):
        await ids.next()
    with pytest.raises(ValueError, match="positive"):
        IdSequence(start=0)
