"""Reading the log for the projections: the next batch after a position, decoded."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import Connection, sql
from psycopg_pool import ConnectionPool

from cs.projections.storable import storable


@dataclass(frozen=True)
class LogBatch:
    """Entries of the log read at once: how many, up to which notification id, and the
    (notification id, event) pairs some projection subscribes to, in log order."""

    rows: int
    last_id: int
    events: list[tuple[int, Any]]


class LogBatchReader:
    """Reads `events_table` in notification order, at most `batch_size` entries at a time.

    Promises: a batch holds the entries after `start` and up to `stop`, in order; only
    the events of `topics` are decoded, their state made storable first (U+0000 becomes
    U+FFFD, see `storable`).
    """

    def __init__(
        self,
        *,
        events_table: str,
        mapper: Mapper[Any],
        pool: ConnectionPool[Connection[Any]],
        topics: Collection[str],
        batch_size: int,
    ) -> None:
        self._select = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {table} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(table=sql.Identifier(*events_table.split(".")))
        self._mapper = mapper
        self._pool = pool
        self._topics = set(topics)
        self._batch_size = batch_size

    def read(self, start: int, stop: int | None) -> LogBatch | None:
        """The batch after `start` (up to `stop`, if given); None when there is none."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                self._select,
                (start, stop if stop is not None else 2**62, self._batch_size),
                prepare=True,
                binary=True,  # a state's bytes as they are, not hex text to parse back
            ).fetchall()
        if not rows:
            return None
        to_event = self._mapper.to_domain_event
        events = [
            (nid, to_event(StoredEvent(oid, version, topic, storable(bytes(state)))))
            for nid, oid, version, topic, state in rows
            if topic in self._topics
        ]
        return LogBatch(rows=len(rows), last_id=int(rows[-1][0]), events=events)
