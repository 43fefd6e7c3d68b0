"""The event store on a real PostgreSQL: our recorder keeps the library's guarantees."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from cs.adapters.embedded_pg import EmbeddedPostgres
from cs.adapters.eventstore import ArrayInsertRecorder, EventStore, eventstore_env
from cs.adapters.storage import open_storage
from cs.config import Settings
from cs.domain.chargebox import ChargeBox, StatusReport
from cs.domain.connection import Connection
from tests.conftest import fresh_database

pytestmark = pytest.mark.postgres
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_events_round_trip_in_notification_order(store: EventStore) -> None:
    assert isinstance(store.recorder, ArrayInsertRecorder)
    box = ChargeBox.register("t", "CP-1", AT)
    for n in range(5):
        box.report_status(
            StatusReport(n, "Available", "NoError"),
            connection_id=str(uuid4()),
            message_id=str(n),
            at=AT,
        )
    events = box.collect_events()
    ids = store.recorder.insert_events([store.mapper.to_stored_event(e) for e in events])
    assert ids is not None
    assert list(ids) == sorted(ids)
    loaded = store.repository.get(box.id)
    assert loaded.version == 6
    topics = [n.topic for n in store.recorder.select_notifications(0, 10)]
    assert topics == ["cs.ChargeBox.Registered"] + ["cs.ChargeBox.StatusNotified"] * 5


def test_a_stale_version_is_rejected_as_a_conflict(store: EventStore) -> None:
    connection = Connection.open(
        uuid4(),
        tenant_id="t",
        charge_box_id="CP",
        remote_address=None,
        subprotocol="ocpp1.6",
        node="n",
        at=AT,
    )
    store.recorder.insert_events(
        [store.mapper.to_stored_event(e) for e in connection.collect_events()]
    )
    twin = Connection.open(
        connection.id,
        tenant_id="t",
        charge_box_id="CP",
        remote_address=None,
        subprotocol="ocpp1.6",
        node="n",
        at=AT,
    )
    with pytest.raises(IntegrityError):
        store.recorder.insert_events(
            [store.mapper.to_stored_event(e) for e in twin.collect_events()]
        )


def test_tables_are_created_idempotently(database_url: str, store: EventStore) -> None:
    again = EventStore(env=eventstore_env(database_url))
    try:
        assert again.recorder.max_notification_id() in (None, 0)
    finally:
        again.close()


def test_a_large_batch_commits_over_a_unix_socket(tmp_path: Path) -> None:
    # The embedded PostgreSQL (`make run`) is reached over a Unix socket, where psycopg's
    # pipeline mode stalls forever on a large message: a regression guard for it.
    embedded = EmbeddedPostgres(tmp_path / "pg")
    url = embedded.start()
    assert "host=/" in url
    store = EventStore(env=eventstore_env(url))
    try:
        frame = '[2,"1","DataTransfer",{"vendorId":"x","data":"' + "y" * 900 + '"}]'
        connection = Connection.open(
            uuid4(),
            tenant_id="t",
            charge_box_id="CP-BIG",
            remote_address=None,
            subprotocol="ocpp1.6",
            node="n",
            at=AT,
        )
        for _ in range(6000):  # about 6 MB in one statement
            connection.receive(frame, at=AT)
        stored = [store.mapper.to_stored_event(e) for e in connection.collect_events()]
        done: list[Any] = []
        worker = threading.Thread(target=lambda: done.append(store.recorder.insert_events(stored)))
        worker.daemon = True
        worker.start()
        worker.join(60)
        assert done, "inserting a large batch over a Unix socket did not finish in 60 s"
        assert store.recorder.max_notification_id() == len(stored)
    finally:
        store.close()
        embedded.stop()


def test_nodes_starting_together_on_a_fresh_database_all_start(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """PostgreSQL's CREATE ... IF NOT EXISTS is not safe against itself ("tuple
    concurrently updated"): several nodes of a new deployment start at the same moment."""
    for attempt in range(3):  # the race is narrow: a few fresh databases, 4 nodes each
        with fresh_database(pg_admin_url) as url:
            settings = Settings(database_url=url, data_dir=tmp_path, node=f"n{attempt}")
            barrier = threading.Barrier(4)

            def start(settings: Settings = settings, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                open_storage(settings).close()

            with ThreadPoolExecutor(4) as pool:
                for future in [pool.submit(start) for _ in range(4)]:
                    future.result()  # raises what a node's start raised
