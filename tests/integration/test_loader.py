"""Loading aggregates: batched, from snapshots, and never by scanning the log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.domain import Snapshot
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from cs.adapters.eventstore import EventStore
from cs.adapters.loader import StoreLoader
from cs.domain.chargebox import ChargeBox, StatusReport
from cs.domain.connection import Connection

pytestmark = pytest.mark.postgres
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    async with AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False) as pool:
        yield pool


def save(store: EventStore, *aggregates: Any) -> None:
    events = [e for a in aggregates for e in a.collect_events()]
    store.recorder.insert_events([store.mapper.to_stored_event(e) for e in events])


async def test_loads_come_back_whole_from_events_and_from_snapshots(
    store: EventStore, pool: AsyncConnectionPool[Any]
) -> None:
    plain = ChargeBox.register("t", "PLAIN", AT)
    snapshotted = ChargeBox.register("t", "SNAP", AT)
    for box in (plain, snapshotted):
        for n in range(5):
            box.report_status(
                StatusReport(n, "Available", "NoError"), connection_id="c", message_id=str(n), at=AT
            )
    save(store, plain, snapshotted)
    assert store.snapshots is not None
    store.snapshots.put([Snapshot.take(snapshotted)])
    snapshotted.report_status(
        StatusReport(9, "Faulted", "OtherError"), connection_id="c", message_id="x", at=AT
    )
    save(store, snapshotted)
    loader = StoreLoader(store, pool)
    first, second, missing = [loader.load(i) for i in (plain.id, snapshotted.id, uuid4())]
    assert (await first).version == 6  # type: ignore[union-attr]
    loaded = await second
    assert loaded is not None
    assert (loaded.version, loaded.status_count, loaded.last_booted_at) == (7, 6, None)
    assert await missing is None


async def test_a_batch_load_never_scans_the_event_log(store: EventStore, database_url: str) -> None:
    connections = [
        Connection.open(
            uuid4(),
            tenant_id="t",
            charge_box_id=f"CP{n}",
            remote_address=None,
            subprotocol="ocpp1.6",
            node="n",
            at=AT,
        )
        for n in range(200)
    ]
    for connection in connections:
        for n in range(20):
            connection.receive(f"frame {n}", at=AT)
    save(store, *connections)
    assert store.snapshots is not None
    store.snapshots.put([Snapshot.take(c) for c in connections])  # a realistic snapshot table
    loader = StoreLoader(store, None)  # type: ignore[arg-type]
    ids = [c.id for c in connections[:50]]
    with psycopg.connect(database_url) as conn:
        conn.execute("ANALYZE")
        for _ in range(7):  # past psycopg's prepare threshold: PostgreSQL's generic plan
            conn.execute(loader._query, {"ids": ids}, prepare=True)
        plan = "\n".join(
            row[0] for row in conn.execute(sql.SQL("EXPLAIN ") + loader._query, {"ids": ids})
        )
    assert "Seq Scan on cs_events" not in plan, plan
    assert "Seq Scan on cs_snapshots" not in plan, plan
