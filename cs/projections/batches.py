"""A batch in one transaction: each projection's rows and its position, together."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, Cursor
from psycopg_pool import ConnectionPool

from cs.projections.base import Projection
from cs.projections.leadership import POSITIONS

Write = Callable[[Cursor[Any]], object]  # what a batch writes, on the transaction's cursor


@dataclass(frozen=True)
class Move:
    """What one projection does with a batch: `write` (the rows for `events`, its
    (notification id, event) pairs), and its position from `position` to `new_position`."""

    projection: Projection
    position: int
    new_position: int
    write: Write
    events: Sequence[tuple[int, Any]] = ()


class BatchCommitter:
    """Commits what a batch of one projection writes together with its new position.

    Promises: the rows `write` makes and the move of the position commit together or
    not at all; the position moves only from the value given, else
    `PositionConflictError` and nothing is written; with `batch_locks`, the
    projection's batch lock (`batch_lock`) is held until the commit, so a rebuild or a
    verify that takes it holds this projection still.
    """

    def __init__(self, pool: ConnectionPool[Connection[Any]], *, batch_locks: bool) -> None:
        self._pool = pool
        self._batch_locks = batch_locks  # off for scratch rebuilds: the lock is the live one's

    def commit(
        self, projection: Projection, position: int, new_position: int, write: Write
    ) -> None:
        """Run `write` and move the position from `position` to `new_position`, atomically."""
        self.commit_all([Move(projection, position, new_position, write)])

    def commit_all(self, moves: Sequence[Move]) -> None:
        """Every move's rows and positions in one transaction: all of them, or none.

        One commit per batch instead of one per projection: under load most batches are
        small, and their transactions, not their rows, were most of what the read
        models cost PostgreSQL (docs/performance.md).
        """
        # Pipelined: the batch's statements go out without waiting for each answer.
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.pipeline() as pipeline,
            conn.cursor() as cursor,
        ):
            for move in moves:
                name = move.projection.name
                if self._batch_locks:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (batch_lock(name),))
                move.write(cursor)
                POSITIONS.advance(cursor, name, move.position, move.new_position, pipeline=pipeline)


def batch_lock(name: str) -> int:
    """The advisory lock every batch of projection `name` holds while it commits."""
    return int.from_bytes(
        hashlib.sha256(f"cs_projection:{name}".encode()).digest()[:8], "big", signed=True
    )


def applying(projection: Projection, events: Sequence[Any]) -> Write:
    """What a batch writes: the projection's rows for `events` (nothing for none)."""

    def write(cursor: Cursor[Any]) -> None:
        if events:
            projection.apply(cursor, events)

    return write


def topic_of(event: Any) -> str:
    return str(type(event).TOPIC)
