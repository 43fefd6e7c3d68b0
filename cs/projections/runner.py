"""Applies the event log to the read models, in batches, on one thread.

Each batch is read once from the notification log; every projection then applies the
events it subscribes to and moves its position forward in the same transaction, so a
crash at any point replays no event twice and skips none. Positions only move forward
and only from the value this runner read: two runners on one database cannot both
apply a batch (the second one's update finds a changed position and rolls back).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from psycopg import Connection
from psycopg_pool import ConnectionPool

from cs.projections.base import Projection

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS cs_projection_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, "
    "updated_at timestamptz NOT NULL DEFAULT now())"
)


class PositionConflictError(Exception):
    """Another runner moved a projection's position; this batch was rolled back."""


@dataclass
class RunnerStats:
    """What the status endpoint and the benchmark report."""

    batches: int = 0
    events: int = 0
    positions: dict[str, int] = field(default_factory=dict)
    last_event_at: datetime | None = None  # recorded time of the last applied event
    last_applied_at: datetime | None = None  # wall time it was applied
    lag_seconds: float = 0.0


class ProjectionRunner:
    """Keeps every projection up to date with the event log.

    Promises: after `catch_up()` returns, every projection reflects every event
    committed before the call; while running, new commits are applied within one batch
    (woken by `wake()` from the writer, or by polling for other nodes' writes).
    """

    def __init__(
        self,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        pool: ConnectionPool[Connection[Any]],
        projections: Sequence[Projection],
        batch_size: int = 2000,
        poll_interval: float = 0.5,
    ) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._pool = pool
        self.projections = list(projections)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._topics = {topic for p in self.projections for topic in p.topics}
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats = RunnerStats()

    def create_tables(self) -> None:
        """Create the read-model tables and position rows (idempotent)."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('cs_projection_ddl'))")
            conn.execute(POSITIONS_DDL)
            for projection in self.projections:
                for statement in projection.ddl:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO cs_projection_positions (name) VALUES (%s) "
                    "ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )
        self._load_positions()

    def catch_up(self, timeout: float = 600.0) -> None:
        """Apply everything in the log now (on the calling thread)."""
        deadline = time.monotonic() + timeout
        while self.step():
            if time.monotonic() > deadline:
                raise TimeoutError("projections did not catch up in time")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cs-projections", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self, _notification_id: int = 0) -> None:
        """Called by the writer after a commit (any thread)."""
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
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

    def step(self) -> bool:
        """Apply one batch; False when there was nothing new."""
        start = min(self.stats.positions.values(), default=0)
        notifications = self._recorder.select_notifications(
            start, self._batch_size, inclusive_of_start=False
        )
        if not notifications:
            self._update_lag(None)
            return False
        events = [
            (n.id, self._mapper.to_domain_event(n))
            for n in notifications
            if n.topic in self._topics
        ]
        last_id = notifications[-1].id
        for projection in self.projections:
            self._apply(projection, notifications, events, last_id)
        self.stats.batches += 1
        self.stats.events += len(notifications)
        self._update_lag(events[-1][1] if events else None)
        return True

    def _apply(
        self,
        projection: Projection,
        notifications: Sequence[Notification],
        events: Sequence[tuple[int, Any]],
        last_id: int,
    ) -> None:
        position = self.stats.positions.get(projection.name, 0)
        if position >= last_id:
            return
        topics = projection.topics
        mine = [e for nid, e in events if nid > position and _topic(e) in topics]
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            if mine:
                projection.apply(cursor, mine)
            cursor.execute(
                "UPDATE cs_projection_positions SET position = %s, updated_at = now() "
                "WHERE name = %s AND position = %s",
                (last_id, projection.name, position),
            )
            if cursor.rowcount != 1:
                raise PositionConflictError(projection.name)
        self.stats.positions[projection.name] = last_id

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


def _topic(event: Any) -> str:
    return str(type(event).TOPIC)
