"""The database side of a node: the event store, its pools, the tables, the embedded server.

Shared by `cs serve` and `cs project`; nothing here connects at import time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from cs.adapters.api_keys import DDL as API_KEYS_DDL
from cs.adapters.embedded_pg import EmbeddedPostgres
from cs.adapters.eventstore import EventStore, eventstore_env
from cs.adapters.transaction_ids import DDL as SEQUENCES_DDL
from cs.config import Settings
from cs.projections.catalog import all_projections
from cs.projections.runner import ProjectionRunner

# Every read and write session uses UTC, so timestamps come back as UTC.
SESSION = {"autocommit": True, "options": "-c timezone=UTC"}


@dataclass
class Storage:
    """The database side shared by `cs serve` and `cs project`; `close` releases all of it."""

    database_url: str
    store: EventStore
    sync_pool: ConnectionPool[Any]
    runner: ProjectionRunner
    embedded: EmbeddedPostgres | None

    def close(self) -> None:
        self.sync_pool.close()
        self.store.close()
        if self.embedded is not None:
            self.embedded.stop()


def open_storage(settings: Settings) -> Storage:
    """Connect to (or start) PostgreSQL and create every table and sequence."""
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    embedded = None
    database_url = settings.database_url
    if database_url is None:
        embedded = EmbeddedPostgres(settings.data_dir)
        database_url = embedded.start()
    with _schema_lock(database_url):
        store = EventStore(env=eventstore_env(database_url, pool_size=settings.db_pool_size))
        sync_pool: ConnectionPool[Any] = ConnectionPool(
            conninfo=database_url,
            kwargs=SESSION,
            min_size=1,
            max_size=4,
            open=True,
            name="cs-sync",
        )
        runner = ProjectionRunner(
            events_table=store.recorder.events_table_name,  # type: ignore[attr-defined]
            mapper=store.mapper,
            pool=sync_pool,
            projections=all_projections(),
            batch_size=settings.projection_batch_size,
            linger=settings.projection_linger,
            conninfo=database_url,
            channel=store.recorder.channel_name,  # type: ignore[attr-defined]
        )
        runner.create_tables()
        with sync_pool.connection() as conn:
            for statement in SEQUENCES_DDL:
                conn.execute(statement)
            conn.execute(API_KEYS_DDL)
    return Storage(database_url, store, sync_pool, runner, embedded)


SCHEMA_LOCK = 0x63735F736368656D  # "cs_schem": a PostgreSQL advisory lock key


@contextlib.contextmanager
def _schema_lock(database_url: str) -> Iterator[None]:
    """Create tables one node at a time.

    PostgreSQL's CREATE ... IF NOT EXISTS is not safe against itself: nodes of a new
    deployment starting together on an empty database fail with "relation already
    exists" or "tuple concurrently updated". Under this lock the first creates, the
    others wait and then find everything there. Closing the connection releases it.
    """
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        yield
