"""Reading the log for the relay: the next batch after a position, and what it refers to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import Connection, sql

from cs.adapters.amqp.contract import PUBLISHED_TOPICS
from cs.adapters.amqp.relay.context import BatchLookups, ContextLoader


@dataclass(frozen=True)
class Batch:
    """One read of the log: how many entries it passed, up to which notification id, and
    the events among them the contract publishes (decoded, in log order) with their
    lookups."""

    rows: int
    last_id: int
    events: list[Any]
    lookups: BatchLookups


class LogReader:
    """Reads `events_table` in notification order, `batch_size` entries at a time.

    Promises: a batch holds every entry after the position, in order, up to the batch
    size; only the events the contract publishes are decoded (and only their state is
    sent back: a meter value's state can be kilobytes and is not needed here); a batch's
    lookups hold what mapping its events needs. Synchronous, one call at a time.
    """

    def __init__(
        self,
        *,
        mapper: Mapper[Any],
        events_table: str,
        snapshots_table: str | None,
        batch_size: int,
        cache_size: int,
    ) -> None:
        events = _table(events_table)
        self._mapper = mapper
        self.batch_size = batch_size
        self._select_batch = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, "
            "CASE WHEN topic = ANY(%s) THEN state END "
            "FROM {events} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(events=events)
        self._select_head = sql.SQL("SELECT max(notification_id) FROM {events}").format(
            events=events
        )
        self._published_topics = list(PUBLISHED_TOPICS)
        self._context = ContextLoader(
            mapper=mapper,
            events=events,
            snapshots=_table(snapshots_table) if snapshots_table else None,
            cache_size=cache_size,
        )

    def read(self, conn: Connection[Any], position: int) -> Batch | None:
        """The batch after `position`, or None when the log has nothing after it."""
        # Binary results: a state's bytes as they are, not hex text to parse back.
        rows = conn.execute(
            self._select_batch,
            (self._published_topics, position, self.batch_size),
            prepare=True,
            binary=True,
        ).fetchall()
        if not rows:
            return None
        to_event = self._mapper.to_domain_event
        events: list[Any] = [
            to_event(StoredEvent(oid, version, topic, bytes(state)))
            for _, oid, version, topic, state in rows
            if state is not None
        ]
        lookups = self._context.lookups(conn, events)
        return Batch(rows=len(rows), last_id=int(rows[-1][0]), events=events, lookups=lookups)

    def head(self, conn: Connection[Any], at_least: int) -> int:
        """The newest notification id in the log (at least `at_least`)."""
        row = conn.execute(self._select_head, prepare=True).fetchone()
        return max(at_least, int(row[0]) if row and row[0] is not None else 0)


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))
