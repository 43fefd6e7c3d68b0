"""Applies the event log to the read models, in batches, on one thread.

Each batch is read once from the notification log; every projection then applies the
events it subscribes to and moves its position forward in the same transaction, so a
crash at any point replays no event twice and skips none. Positions only move forward
and only from the value this runner read: two runners on one database cannot both
apply a batch (the second one's update finds a changed position and rolls back).

Leadership, wake-ups and positions come from the shared log follower
(`cs.adapters.follower`); one transaction per projection and batch from `batches`;
events a read model cannot take are skipped on the record (`skips`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.persistence import Mapper
from psycopg import Connection
from psycopg_pool import ConnectionPool

from cs.adapters.follower import PositionConflictError
from cs.projections.base import Projection
from cs.projections.batches import BatchCommitter, Move, applying, batch_lock, topic_of
from cs.projections.leadership import LEADER_LOCK, POSITIONS, POSITIONS_DDL, runner_leadership
from cs.projections.reading import LogBatch, LogBatchReader
from cs.projections.skips import SKIPS_DDL, apply_one_by_one
from cs.projections.storable import storable

__all__ = [
    "LEADER_LOCK",
    "POSITIONS_DDL",
    "SKIPS_DDL",
    "PositionConflictError",
    "ProjectionRunner",
    "RunnerStats",
    "batch_lock",
    "storable",
]

log = logging.getLogger(__name__)


@dataclass
class RunnerStats:
    """What the status endpoint and the benchmark report."""

    batches: int = 0
    events: int = 0
    last_batch_rows: int = 0  # log entries the last batch read
    skipped: int = 0  # events a projection could not take (see SKIPS_DDL)
    positions: dict[str, int] = field(default_factory=dict)
    last_event_at: datetime | None = None  # recorded time of the last applied event
    last_applied_at: datetime | None = None  # wall time it was applied
    lag_seconds: float = 0.0

    def record_lag(self, last_event: Any | None) -> None:
        """After a batch: how old its last event was when applied (0 with nothing new)."""
        now = datetime.now(UTC)
        if last_event is not None:
            self.last_event_at = last_event.timestamp
            self.last_applied_at = now
            self.lag_seconds = max(0.0, (now - last_event.timestamp).total_seconds())
        else:
            self.lag_seconds = 0.0


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
        linger: float = 0.0,
        conninfo: str | None = None,
        channel: str | None = None,
        batch_locks: bool = True,
    ) -> None:
        self._pool = pool
        self.projections = list(projections)
        self._poll_interval = poll_interval
        self._linger = linger
        self._batch_size = batch_size
        self._reader = LogBatchReader(
            events_table=events_table,
            mapper=mapper,
            pool=pool,
            topics={topic for p in self.projections for topic in p.topics},
            batch_size=batch_size,
        )
        self._batches = BatchCommitter(pool, batch_locks=batch_locks)
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Without a DSN there is no leader lock: this runner always leads (tests, rebuilds).
        self._leadership = runner_leadership(conninfo, channel, self.wake) if conninfo else None
        self.stats = RunnerStats()

    def create_tables(self) -> None:
        """Create the read-model tables and position rows (idempotent)."""
        names = [p.name for p in self.projections]
        ddl = [SKIPS_DDL, *(statement for p in self.projections for statement in p.ddl)]
        with self._pool.connection() as conn:
            POSITIONS.create(conn, names, also=ddl)
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
        if self._leadership is not None:
            self._leadership.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._leadership is not None:
            self._leadership.stop(timeout)

    def request_stop(self) -> None:
        """Ask a runner in `run_until_stopped` to finish (signal handlers may call this)."""
        self._stopping.set()

    def run_until_stopped(self) -> None:
        """Run on the calling thread until `stop()` (for `cs project`)."""
        self.start()
        self._stopping.wait()
        self.stop()

    def wake(self, _notification_id: int = 0) -> None:
        """Called by the writer after a commit, and on NOTIFY or a change of leader (any thread)."""
        self._wakeup.set()

    def _run(self) -> None:
        term: int | None = None
        while not self._stopping.is_set():
            current = self._term()
            if current is None:  # another runner leads; the leadership wakes us if we do
                self._wait()
                continue
            if current != term:  # leading anew: the positions may have moved meanwhile
                term = current
                self._load_positions_quietly()
            try:
                progressed = self.step()
            except Exception as error:  # keep serving; the batch rolled back
                log.error("projection batch failed, retrying: %s", error)
                self._load_positions_quietly()
                self._stopping.wait(1.0)
                continue
            if not progressed:
                self._wait()
            elif self._linger and self.stats.last_batch_rows < self._batch_size:
                # Events keep coming but the batch was not full: let more gather first.
                # A busy box's frames then update its rows once per batch, not per frame.
                self._stopping.wait(self._linger)

    def _term(self) -> int | None:
        return 0 if self._leadership is None else self._leadership.term

    def _wait(self) -> None:
        self._wakeup.wait(self._poll_interval)
        self._wakeup.clear()

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
        stop = max((limit for limit in limits.values() if limit is not None), default=None)
        batch = self._reader.read(min(behind), stop)
        if batch is None:
            self.stats.record_lag(None)
            return False
        moves = [
            move
            for projection in self.projections
            if (move := self._move(projection, batch.events, limits.get(projection.name), batch))
        ]
        try:
            if moves:
                self._batches.commit_all(moves)
        except psycopg.DataError:
            # Deterministic: one read model cannot take an event. Apply the projections
            # apart, so only that one skips the event (on the record), the others not.
            for move in moves:
                self._apply(move)
        for move in moves:
            self.stats.positions[move.projection.name] = move.new_position
        self.stats.batches += 1
        self.stats.events += batch.rows
        self.stats.last_batch_rows = batch.rows
        self.stats.record_lag(batch.events[-1][1] if batch.events else None)
        return True

    def _move(
        self,
        projection: Projection,
        events: Sequence[tuple[int, Any]],
        limit: int | None,
        batch: LogBatch,
    ) -> Move | None:
        """What `projection` does with the batch (None: it is past the batch already)."""
        last_id = batch.last_id if limit is None else min(batch.last_id, limit)
        position = self.stats.positions.get(projection.name, 0)
        if position >= last_id:
            return None
        topics = projection.topics
        mine = [
            (nid, e) for nid, e in events if position < nid <= last_id and topic_of(e) in topics
        ]
        write = applying(projection, [e for _, e in mine])
        return Move(projection, position, last_id, write, mine)

    def _apply(self, move: Move) -> None:
        """One projection's move alone; an event it cannot take is skipped on the record."""
        try:
            self._batches.commit_all([move])
        except psycopg.DataError:
            apply_one_by_one(
                self._batches,
                move.projection,
                move.events,
                move.position,
                move.new_position,
                skipped=self._count_skip,
            )

    def _count_skip(self) -> None:
        self.stats.skipped += 1

    def _load_positions(self) -> None:
        with self._pool.connection() as conn:
            self.stats.positions = POSITIONS.load(conn, [p.name for p in self.projections])

    def _load_positions_quietly(self) -> None:
        try:
            self._load_positions()
        except Exception as error:  # the next batch tries again; its failure is logged
            log.debug("could not reload positions: %s", error)
