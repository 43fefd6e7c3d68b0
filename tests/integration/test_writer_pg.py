"""Group commit on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from cs.adapters.eventstore import EventStore
from cs.adapters.writer import GroupCommitWriter
from cs.app.handles import Handle
from cs.app.ports import CommitFailedError
from cs.app.uow import UnitOfWork
from cs.domain.chargebox import ChargeBox, StatusReport
from cs.domain.connection import Connection

pytestmark = pytest.mark.postgres
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
async def writer(store: EventStore) -> AsyncIterator[GroupCommitWriter]:
    writer = GroupCommitWriter(store)
    writer.start(asyncio.get_running_loop())
    yield writer
    writer.close()


def a_connection() -> Handle[Connection]:
    return Handle(
        Connection.open(
            uuid4(),
            tenant_id="t",
            charge_box_id="CP",
            remote_address=None,
            subprotocol="ocpp1.6",
            node="n",
            at=AT,
        )
    )


async def test_many_units_share_few_transactions_and_all_are_stored(
    store: EventStore, writer: GroupCommitWriter
) -> None:
    connections = [a_connection() for _ in range(200)]

    async def one(connection: Handle[Connection]) -> None:
        for n in range(5):
            uow = UnitOfWork()
            connection.aggregate.receive(f"frame {n}", at=AT)
            uow.save(connection)
            await writer.submit(uow.build())

    await asyncio.gather(*(one(c) for c in connections))
    assert writer.stats.units == 1000
    assert writer.stats.commits < writer.stats.units / 2  # group commit happened
    for connection in connections[:5]:
        stored = store.recorder.select_events(connection.aggregate.id)
        assert [e.originator_version for e in stored] == list(range(1, 7))


async def test_a_stale_aggregate_fails_its_unit_only(
    store: EventStore, writer: GroupCommitWriter
) -> None:
    box = ChargeBox.register("t", "CP", AT)
    stale_twin = ChargeBox.register("t", "CP", AT)  # same id, same version 1: a conflict
    first, second, bystander = Handle(box), Handle(stale_twin), a_connection()
    units = []
    for handle in (first, second, bystander):
        uow = UnitOfWork()
        uow.save(handle)
        units.append(uow.build())
    results = await asyncio.gather(*(writer.submit(u) for u in units), return_exceptions=True)
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], CommitFailedError)
    assert second.poisoned
    assert not first.poisoned
    box.report_status(
        StatusReport(1, "Available", "NoError"), connection_id=str(uuid4()), message_id="m", at=AT
    )
    uow = UnitOfWork()
    uow.save(first)
    await writer.submit(uow.build())
    assert store.repository.get(box.id).version == 2


async def test_snapshots_are_written_after_their_events(
    store: EventStore, writer: GroupCommitWriter
) -> None:
    box = Handle(ChargeBox.register("t", "CP", AT))
    for n in range(9):
        box.aggregate.report_status(
            StatusReport(n, "Available", "NoError"),
            connection_id=str(uuid4()),
            message_id="m",
            at=AT,
        )
    uow = UnitOfWork(snapshot_interval=5)
    uow.save(box)
    await writer.submit(uow.build())
    assert store.snapshots is not None
    snapshots = store.snapshots.recorder.select_events(box.aggregate.id)
    assert [s.originator_version for s in snapshots] == [10]
    assert store.repository.get(box.aggregate.id).version == 10
