"""Projections on a real PostgreSQL: exact, batched, resumable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from cs.adapters.eventstore import EventStore
from cs.domain.chargebox import BootInfo, ChargeBox, StatusReport
from cs.domain.connection import Connection
from cs.domain.node import Node
from cs.domain.ocpp16 import RegistrationStatus
from cs.projections.base import topics_of
from cs.projections.charge_boxes import ChargeBoxesProjection
from cs.projections.connections import ConnectionsProjection
from cs.projections.runner import ProjectionRunner

pytestmark = pytest.mark.postgres
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool[Any]]:
    pool: ConnectionPool[Any] = ConnectionPool(
        database_url,
        kwargs={"autocommit": True, "options": "-c timezone=UTC"},
        min_size=1,
        max_size=2,
        open=True,
    )
    yield pool
    pool.close()


def a_runner(
    store: EventStore, pool: ConnectionPool[Any], batch_size: int = 2000
) -> ProjectionRunner:
    runner = ProjectionRunner(
        events_table=store.recorder.events_table_name,  # type: ignore[attr-defined]
        mapper=store.mapper,
        pool=pool,
        projections=[ConnectionsProjection(), ChargeBoxesProjection()],
        batch_size=batch_size,
    )
    runner.create_tables()
    return runner


def save(store: EventStore, *aggregates: Any) -> None:
    events = [e for a in aggregates for e in a.collect_events()]
    store.recorder.insert_events([store.mapper.to_stored_event(e) for e in events])


def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, options="-c timezone=UTC") as conn:
        return conn.execute(sql).fetchall()


def test_boot_and_statuses_become_charge_box_and_connector_rows(
    store: EventStore, pool: ConnectionPool[Any], database_url: str
) -> None:
    box = ChargeBox.register("t", "CP-1", AT)
    box.boot(
        BootInfo("ACME", "W22", firmware_version="9"),
        status=RegistrationStatus.ACCEPTED,
        interval=60,
        connection_id=str(uuid4()),
        message_id="1",
        at=AT,
    )
    box.report_status(
        StatusReport(1, "Available", "NoError"), connection_id=str(uuid4()), message_id="2", at=AT
    )
    box.report_status(
        StatusReport(1, "Charging", "NoError", reported_at=AT),
        connection_id=str(uuid4()),
        message_id="3",
        at=AT + timedelta(seconds=1),
    )
    box.report_status(
        StatusReport(0, "Faulted", "GroundFailure", vendor_error_code="E1"),
        connection_id=str(uuid4()),
        message_id="4",
        at=AT,
    )
    save(store, box)
    a_runner(store, pool).catch_up()
    assert query(
        database_url,
        "SELECT charge_point_vendor, firmware_version, registration_status, heartbeat_interval "
        "FROM rm_charge_boxes",
    ) == [("ACME", "9", "Accepted", 60)]
    assert query(
        database_url,
        "SELECT connector_id, status, error_code, vendor_error_code FROM rm_connectors ORDER BY 1",
    ) == [
        (0, "Faulted", "GroundFailure", "E1"),
        (1, "Charging", "NoError", None),
    ]


def test_a_restarted_runner_resumes_without_counting_anything_twice(
    store: EventStore, pool: ConnectionPool[Any], database_url: str
) -> None:
    connection = Connection.open(
        uuid4(),
        tenant_id="t",
        charge_box_id="CP",
        remote_address="10.0.0.1",
        subprotocol="ocpp1.6",
        node="n",
        at=AT,
    )
    for n in range(30):
        connection.receive(f"in {n}", at=AT + timedelta(seconds=n))
        connection.send(f"out {n}", at=AT + timedelta(seconds=n))
    save(store, connection)
    first = a_runner(store, pool, batch_size=7)
    assert first.step()
    assert first.step()
    second = a_runner(store, pool, batch_size=7)  # a "restart": positions come from the table
    second.catch_up()
    rows = query(
        database_url,
        "SELECT frames_received, frames_sent, last_message_at, closed_at FROM rm_connections",
    )
    assert rows == [(30, 30, AT + timedelta(seconds=29), None)]


def test_a_stale_runner_cannot_apply_a_batch_twice(
    store: EventStore, pool: ConnectionPool[Any], database_url: str
) -> None:
    connection = Connection.open(
        uuid4(),
        tenant_id="t",
        charge_box_id="CP",
        remote_address=None,
        subprotocol="ocpp1.6",
        node="n",
        at=AT,
    )
    connection.receive("x", at=AT)
    save(store, connection)
    stale = a_runner(store, pool)
    fresh = a_runner(store, pool)
    fresh.catch_up()
    with pytest.raises(Exception, match="connections"):
        stale.step()
    assert query(database_url, "SELECT frames_received FROM rm_connections") == [(1,)]


def test_a_node_start_closes_the_connections_its_previous_run_left_open(
    store: EventStore, pool: ConnectionPool[Any], database_url: str
) -> None:
    left_open = Connection.open(
        uuid4(),
        tenant_id="t",
        charge_box_id="CP",
        remote_address=None,
        subprotocol="ocpp1.6",
        node="n",
        at=AT,
    )
    node = Node.create_for("n", AT)
    node.start([left_open.id], AT + timedelta(minutes=1))
    save(store, left_open, node)
    a_runner(store, pool).catch_up()
    assert query(database_url, "SELECT close_reason, closed_at FROM rm_connections") == [
        ("node restarted", AT + timedelta(minutes=1))
    ]


class FragileProjection:
    """Writes a smallint it cannot always hold: one event it cannot take (a DataError)."""

    name = "fragile"
    topics = topics_of(ChargeBox.Registered)
    tables = ("test_fragile",)
    ddl = ("CREATE TABLE IF NOT EXISTS test_fragile (charge_box_id text PRIMARY KEY, n smallint)",)

    def apply(self, cursor: Any, events: Any) -> None:
        for event in events:
            n = 99_999 if event.charge_box_id == "BAD" else 1  # smallint: out of range
            cursor.execute("INSERT INTO test_fragile VALUES (%s, %s)", (event.charge_box_id, n))


def test_an_event_a_read_model_cannot_take_is_skipped_on_the_record_not_retried_forever(
    store: EventStore, pool: ConnectionPool[Any], database_url: str
) -> None:
    save(store, *(ChargeBox.register("t", name, AT) for name in ("A", "BAD", "C")))
    runner = ProjectionRunner(
        events_table=store.recorder.events_table_name,  # type: ignore[attr-defined]
        mapper=store.mapper,
        pool=pool,
        projections=[ChargeBoxesProjection(), FragileProjection()],
    )
    runner.create_tables()
    runner.catch_up()
    assert query(database_url, "SELECT charge_box_id FROM test_fragile ORDER BY 1") == [
        ("A",),
        ("C",),
    ]
    skips = query(database_url, "SELECT name, topic, error FROM cs_projection_skips")
    assert [(name, topic) for name, topic, _ in skips] == [("fragile", "cs.ChargeBox.Registered")]
    assert "out of range" in skips[0][2]
    assert runner.stats.skipped == 1
    # The other read model is untouched by it: all three boxes.
    assert len(query(database_url, "SELECT 1 FROM rm_charge_boxes")) == 3
    save(store, ChargeBox.register("t", "D", AT))  # and the projection goes on
    runner.catch_up()
    assert ("D",) in query(database_url, "SELECT charge_box_id FROM test_fragile")
    assert runner.stats.skipped == 1
