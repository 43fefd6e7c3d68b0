"""The PostgreSQL event store: the eventsourcing application and its recorder.

`EventStore` is configured only from the explicit environment built by
`eventstore_env` (never from `os.environ`), so one settings object decides everything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

APP_NAME = "cs"
INSERT_ATTEMPTS = 10
INSERT_RETRY_WAIT = 0.2  # seconds between attempts


class ArrayInsertRecorder(PostgresApplicationRecorder):
    """The library's application recorder with a cheaper insert statement.

    Same transaction shape as the library (lock the table, NOTIFY, insert, return the
    notification ids), so notification order still equals commit order. Three changes:
    rows travel as four binary arrays (`unnest(uuid[], int8[], text[], bytea[])`)
    instead of an array of composite values, whose text encoding costs ~50 µs of Python
    per event (3x less client CPU per event on batches of 100, docs/adr/0003); the whole
    transaction is one call of a function, one statement and one round trip
    (docs/adr/0018); and only the last notification id comes back, so `insert_events`
    returns `[last_id]`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.append_function = Identifier(f"cs_append_{self.events_table_name}")
        # One statement per commit: the lock, the NOTIFY and the insert run inside a
        # function, and the connection is in autocommit mode (the library sets it), so
        # the statement is its own transaction. Six round trips (BEGIN, SET LOCAL, LOCK,
        # NOTIFY, INSERT, COMMIT) become one; PostgreSQL parses and plans each of them
        # once per batch less (docs/adr/0018).
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}"
                "(ids uuid[], versions int8[], topics text[], states bytea[]) "
                "RETURNS bigint LANGUAGE plpgsql AS $BODY$ "
                "DECLARE last_id bigint; "
                "BEGIN "
                "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
                # Insert order equals commit order: readers never pass over a gap that
                # is filled later (the library's reason for the same lock).
                "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "  NOTIFY {channel}; "
                "  WITH inserted AS (INSERT INTO {schema}.{table} "
                "    (originator_id, originator_version, topic, state) "
                "    SELECT * FROM unnest(ids, versions, topics, states) "
                "    RETURNING notification_id) "
                "  SELECT max(notification_id) INTO last_id FROM inserted; "
                "  RETURN last_id; "
                "END $BODY$"
            ).format(
                schema=schema,
                function=self.append_function,
                lock_timeout=self.datastore.lock_timeout,
                table=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        self.append_statement = SQL(
            "SELECT {schema}.{function}(%b::uuid[], %b::int8[], %b::text[], %b::bytea[]) AS last_id"
        ).format(schema=schema, function=self.append_function)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, in one transaction, but not in pipeline mode.

        psycopg's pipeline mode stops forever sending a large message over a Unix socket
        (measured here: a 1 MB statement, psycopg 3.3.9; psycopg/psycopg#685), and the
        embedded PostgreSQL of `make run` is reached over a Unix socket: a group commit of
        a few thousand events would hang the writer. Four round trips on a local socket
        cost far less than one such batch takes to encode, and now it is one round trip.

        A failed attempt rolled back, so it is tried again (10 attempts, 0.2 s apart).
        After a failure every idle connection of the pool is checked at once: a
        PostgreSQL restart breaks them all, and the pool's own check at checkout
        (pre-ping, off for that reason) tries them one by one with a 1, 2, 4 s backoff
        in between, which stalled every commit ~10 s (tests/e2e/test_faults.py).
        """
        if not stored_events:
            return []
        for attempt in range(1, INSERT_ATTEMPTS + 1):
            try:
                return self._insert_in_one_transaction(stored_events, **kwargs)
            except (InterfaceError, OperationalError):
                if attempt == INSERT_ATTEMPTS:
                    raise
                self.datastore.pool.check()  # discard the broken ones, reconnect them
                time.sleep(INSERT_RETRY_WAIT)
        raise AssertionError("unreachable")

    def _insert_in_one_transaction(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if not conn.autocommit:  # the library's pool sets it; one statement relies on it
                raise AssertionError("event store connections must be in autocommit mode")
            curs.execute(
                self.append_statement,
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events],
                    [e.state for e in stored_events],
                ),
                prepare=True,
            )
            # Only the last notification id: nobody here needs the others, and building
            # a dict row per event cost more than the insert itself.
            row = curs.fetchone()
            return [row["last_id"]] if row and row["last_id"] is not None else []


class EventStore(Application[UUID]):
    """The event store of the central system: tables `cs_events` and `cs_snapshots`.

    Used for what the eventsourcing library does well: mapping events to records,
    the recorder, loading aggregates (from snapshots), reading the notification log.
    Writing goes through `GroupCommitWriter`, which batches many units per transaction.
    """

    name = APP_NAME

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the explicit environment: stray POSTGRES_* variables must not leak in."""
        explicit = {"IS_SNAPSHOTTING_ENABLED": "y"}
        explicit.update(env or {})
        return Environment(name, explicit)


def connection_params(database_url: str) -> dict[str, str]:
    """libpq parameters (host, port, dbname, user, password) from a URL or conninfo."""
    params = conninfo_to_dict(database_url)
    return {key: str(value) for key, value in params.items() if value is not None}


def eventstore_env(
    database_url: str, *, pool_size: int = 4, max_overflow: int = 8
) -> dict[str, str]:
    """The eventsourcing environment for PostgreSQL at `database_url`."""
    params = connection_params(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": f"{__name__}:ArrayInsertRecorder",
        "TRANSCODER_TOPIC": "cs.adapters.transcoder:OrjsonTranscoder",
        "POSTGRES_DBNAME": params.get("dbname", "postgres"),
        "POSTGRES_HOST": params.get("host", "127.0.0.1"),
        "POSTGRES_PORT": params.get("port", "5432"),
        "POSTGRES_USER": params.get("user", "postgres"),
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max_overflow),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_PRE_PING": "n",  # see ArrayInsertRecorder.insert_events
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }
