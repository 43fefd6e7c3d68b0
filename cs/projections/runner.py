"""Applies the event log to the read models, in batches, on one thread.

Each batch is read once from the notification log; every projection then applies the
events it subscribes to and moves its position forward in the same transaction, so a
crash at any point replays no event twice and skips none. Positions only move forward
and only from the value this runner read: two runners on one database cannot both
apply a batch (the second one's update finds a changed position and rolls back).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import Connection, Cursor, sql
from psycopg_pool import ConnectionPool

from cs.describe import one_line
from cs.projections.base import Projection

log = logging.getLogger(__name__)

# Events a read model could not take (a DataError: a value its columns cannot hold), each
# skipped by that projection alone and recorded here, rather than failing its batch forever.
SKIPS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_projection_skips ("
    "name text NOT NULL, notification_id bigint NOT NULL, topic text NOT NULL, "
    "error text NOT NULL, skipped_at timestamptz NOT NULL DEFAULT now(), "
    "PRIMARY KEY (name, notification_id))"
)
POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_projection_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, "
    "updated_at timestamptz NOT NULL DEFAULT now())"
)


def storable(state: bytes) -> bytes:
    """An event's state with every U+0000 in its strings replaced by U+FFFD.

    JSON allows U+0000 and a charge point (or a REST caller) may send it in any string,
    but PostgreSQL text cannot hold it: written to a read model, such an event failed
    its batch again and again, and every projection stalled behind it. The log keeps
    what was received (the raw frame included); only the read models show U+FFFD. Other
    events cost one byte search.
    """
    if b"\\u0000" not in state:
        return state
    return orjson.dumps(_without_nul(orjson.loads(state)))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


class PositionConflictError(Exception):
    """Another runner moved a projection's position; this batch was rolled back."""


@dataclass
class RunnerStats:
    """What the status endpoint and the benchmark report."""

    batches: int = 0
    events: int = 0
    skipped: int = 0  # events a projection could not take (see SKIPS_DDL)
    positions: dict[str, int] = field(default_factory=dict)
    last_event_at: datetime | None = None  # recorded time of the last applied event
    last_applied_at: datetime | None = None  # wall time it was applied
    lag_seconds: float = 0.0


LEADER_LOCK = 0x63735F70726F6A  # pg advisory lock key: one active runner per database


class ProjectionRunner:
    """Keeps every projection up to date with the event log.

    Promises: after `catch_up()` returns, every projection reflects every event
    committed before the call; while running, new commits are applied within one batch,
    woken by `wake()` (the writer, in-process), by PostgreSQL NOTIFY on the events
    channel (any writer, any node), or by polling. Only the runner holding the leader
    lock applies batches, so starting several (on several nodes) wastes nothing.
    """

    def __init__(
        self,
        *,
        events_table: str,
        mapper: Mapper[Any],
        pool: ConnectionPool[Connection[Any]],
        projections: Sequence[Projection],
        batch_size: int = 2000,
        poll_interval: float = 0.5,
        conninfo: str | None = None,
        channel: str | None = None,
        batch_locks: bool = True,
    ) -> None:
        self._select = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {table} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(table=sql.Identifier(*events_table.split(".")))
        self._mapper = mapper
        self._pool = pool
        self.projections = list(projections)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._topics = {topic for p in self.projections for topic in p.topics}
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._conninfo = conninfo
        self._channel = channel
        self._batch_locks = batch_locks  # off for scratch rebuilds: the lock is the live one's
        self._leader: Connection[Any] | None = None
        self._leader_checked = 0.0
        self.stats = RunnerStats()

    def create_tables(self) -> None:
        """Create the read-model tables and position rows (idempotent)."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('cs_projection_ddl'))")
            conn.execute(POSITIONS_DDL)
            conn.execute(SKIPS_DDL)
            for projection in self.projections:
                for statement in projection.ddl:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO cs_projection_positions (name) VALUES (%s) "
                    "ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )
        self._load_positions()

    def catch_up(self, timeout: float = 600.0, *, until: Mapping[str, int] | None = None) -> None:
        """Apply everything in the log now (on the calling thread).

        With `until`, each named projection stops at that position (a rebuild that must
        end exactly where a live projection is). Another runner applying batches at the
        same time is fine: a batch it got to first is skipped, never applied twice.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                if not self.step(until=until):
                    return
            except PositionConflictError:
                self._load_positions()
            if time.monotonic() > deadline:
                raise TimeoutError("projections did not catch up in time")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cs-projections", daemon=True)
        self._thread.start()
        if self._conninfo and self._channel:
            self._listener = threading.Thread(target=self._listen, name="cs-listen", daemon=True)
            self._listener.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        for thread in (self._thread, self._listener):
            if thread is not None:
                thread.join(timeout)
        self._resign()

    def request_stop(self) -> None:
        """Ask a runner in `run_until_stopped` to finish (signal handlers may call this)."""
        self._stopping.set()

    def run_until_stopped(self) -> None:
        """Run on the calling thread until `stop()` (for `cs project`)."""
        self.start()
        self._stopping.wait()
        self.stop()

    def wake(self, _notification_id: int = 0) -> None:
        """Called by the writer after a commit (any thread)."""
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if not self._lead():
                self._stopping.wait(2.0)  # another runner leads; take over if it goes
                continue
            try:
                progressed = self.step()
            except Exception as error:  # keep serving; the batch rolled back
                log.error("projection batch failed, retrying: %s", error)
                self._load_positions_quietly()
                self._stopping.wait(1.0)
                continue
            if not progressed:
                self._wakeup.wait(self._poll_interval)
                self._wakeup.clear()

    def _lead(self) -> bool:
        """Hold the leader lock on a dedicated session (without a DSN: always lead)."""
        if self._conninfo is None:
            return True
        if self._leader is not None and not self._leader.closed:
            if time.monotonic() - self._leader_checked < 5.0:
                return True
            try:  # a session that died silently has lost the lock: find out
                self._leader.execute("SELECT 1")
                self._leader_checked = time.monotonic()
                return True
            except Exception:
                self._resign()
        try:
            conn = Connection.connect(self._conninfo, autocommit=True)
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
        except Exception as error:
            log.warning("projections: cannot reach the database: %s", error)
            return False
        if row and row[0]:
            self._leader = conn
            self._leader_checked = time.monotonic()
            log.info("projections: this runner leads")
            self._load_positions_quietly()
            return True
        conn.close()
        return False

    def _resign(self) -> None:
        if self._leader is not None:
            with contextlib.suppress(Exception):
                self._leader.close()
            self._leader = None

    def _listen(self) -> None:
        """Wake on NOTIFY from any writer; reconnect when the connection drops."""
        if self._conninfo is None or self._channel is None:
            return
        while not self._stopping.is_set():
            try:
                with Connection.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=0.2, stop_after=1):
                            self._wakeup.set()
                        if self._leader is not None and self._leader.closed:
                            self._leader = None
            except Exception as error:
                log.warning("projections: listen failed (%s); retrying", error)
                self._stopping.wait(1.0)

    def step(self, *, until: Mapping[str, int] | None = None) -> bool:
        """Apply one batch; False when there was nothing new (up to `until`)."""
        limits = {p.name: (until or {}).get(p.name) for p in self.projections}
        behind = [
            position
            for name, position in self.stats.positions.items()
            if limits.get(name) is None or position < (limits[name] or 0)
        ]
        if not behind:
            return False
        start = min(behind)
        stop = max((limit for limit in limits.values() if limit is not None), default=None)
        with self._pool.connection() as conn:
            rows = conn.execute(
                self._select,
                (start, stop if stop is not None else 2**62, self._batch_size),
                prepare=True,
            ).fetchall()
        if not rows:
            self._update_lag(None)
            return False
        to_event = self._mapper.to_domain_event
        topics = self._topics
        events = [
            (nid, to_event(StoredEvent(oid, version, topic, storable(bytes(state)))))
            for nid, oid, version, topic, state in rows
            if topic in topics
        ]
        last_id = rows[-1][0]
        for projection in self.projections:
            limit = limits.get(projection.name)
            self._apply(projection, events, last_id if limit is None else min(last_id, limit))
        self.stats.batches += 1
        self.stats.events += len(rows)
        self._update_lag(events[-1][1] if events else None)
        return True

    def _apply(
        self, projection: Projection, events: Sequence[tuple[int, Any]], last_id: int
    ) -> None:
        position = self.stats.positions.get(projection.name, 0)
        if position >= last_id:
            return
        topics = projection.topics
        mine = [(nid, e) for nid, e in events if position < nid <= last_id and _topic(e) in topics]
        batch = [e for _, e in mine]
        try:
            self._commit(projection, position, last_id, _applying(projection, batch))
        except psycopg.DataError:
            # Deterministic: retrying the batch would fail forever and stall this read
            # model. Find the event it cannot take and skip it alone, on the record.
            self._apply_one_by_one(projection, mine, position, last_id)
        self.stats.positions[projection.name] = last_id

    def _commit(
        self,
        projection: Projection,
        position: int,
        new_position: int,
        write: Callable[[Cursor[Any]], object],
    ) -> None:
        """Run `write` and move the position from `position` to `new_position`, atomically."""
        # Pipelined: the batch's statements go out without waiting for each answer.
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.pipeline() as pipeline,
            conn.cursor() as cursor,
        ):
            # Held until commit: a rebuild or verify takes it to hold this projection still.
            if self._batch_locks:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (batch_lock(projection.name),))
            write(cursor)
            cursor.execute(
                "UPDATE cs_projection_positions SET position = %s, updated_at = now() "
                "WHERE name = %s AND position = %s",
                (new_position, projection.name, position),
            )
            pipeline.sync()
            if cursor.rowcount != 1:  # inside the transaction: raising rolls it back
                raise PositionConflictError(projection.name)

    def _apply_one_by_one(
        self, projection: Projection, mine: Sequence[tuple[int, Any]], position: int, last_id: int
    ) -> None:
        for nid, event in mine:
            try:
                self._commit(projection, position, nid, _applying(projection, [event]))
            except psycopg.DataError as error:
                self._skip(projection, nid, event, error, position)
            position = nid
        if position < last_id:
            self._commit(projection, position, last_id, _applying(projection, []))

    def _skip(
        self, projection: Projection, nid: int, event: Any, error: Exception, position: int
    ) -> None:
        """Move past event `nid` without applying it, recording it and why."""
        reason = one_line(error)
        log.error(
            "projection %s skipped event %d (%s): %s; the log keeps it, this read model "
            "does not show it (cs_projection_skips)",
            projection.name,
            nid,
            _topic(event),
            reason,
        )
        self._commit(
            projection,
            position,
            nid,
            lambda cursor: cursor.execute(
                "INSERT INTO cs_projection_skips (name, notification_id, topic, error) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (projection.name, nid, _topic(event), reason[:1000]),
            ),
        )
        self.stats.skipped += 1

    def _load_positions(self) -> None:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT name, position FROM cs_projection_positions").fetchall()
        known = {row[0]: int(row[1]) for row in rows}
        self.stats.positions = {p.name: known.get(p.name, 0) for p in self.projections}

    def _load_positions_quietly(self) -> None:
        try:
            self._load_positions()
        except Exception as error:
            log.debug("could not reload positions: %s", error)

    def _update_lag(self, last_event: Any | None) -> None:
        now = datetime.now(UTC)
        if last_event is not None:
            self.stats.last_event_at = last_event.timestamp
            self.stats.last_applied_at = now
            self.stats.lag_seconds = max(0.0, (now - last_event.timestamp).total_seconds())
        else:
            self.stats.lag_seconds = 0.0


def batch_lock(name: str) -> int:
    """The advisory lock every batch of projection `name` holds while it commits."""
    return int.from_bytes(
        hashlib.sha256(f"cs_projection:{name}".encode()).digest()[:8], "big", signed=True
    )


def _applying(projection: Projection, events: Sequence[Any]) -> Callable[[Cursor[Any]], None]:
    """What a batch writes: the projection's rows for `events` (nothing for none)."""

    def write(cursor: Cursor[Any]) -> None:
        if events:
            projection.apply(cursor, events)

    return write


def _topic(event: Any) -> str:
    return str(type(event).TOPIC)
