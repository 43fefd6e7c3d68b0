"""What mapping a batch needs beyond its events: connection infos and finished sessions."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import Connection, sql

from cs.adapters.amqp.contract import ConnectionInfo, connections_needed, session_needed
from cs.domain.connection import Connection as OcppConnection
from cs.domain.session import ChargingSession

SessionKey = tuple[UUID, int]  # (session id, version of its Stopped event)


class ConnectionCache:
    """Connection infos by connection id, the least recently used dropped first.

    Promises: at most `maxsize` entries; a `get` counts as a use.
    """

    def __init__(self, maxsize: int) -> None:
        self._items: OrderedDict[UUID, ConnectionInfo] = OrderedDict()
        self._maxsize = maxsize

    def get(self, key: UUID) -> ConnectionInfo | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: UUID, value: ConnectionInfo) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._maxsize:
            self._items.popitem(last=False)


@dataclass
class BatchLookups:
    """The context of one batch (the contract's `Lookups`), pinned for the batch: the
    cache may evict an entry meanwhile, this does not."""

    connections: dict[UUID, ConnectionInfo] = field(default_factory=dict)
    sessions: dict[SessionKey, ChargingSession] = field(default_factory=dict)

    def connection(self, connection_id: UUID) -> ConnectionInfo | None:
        return self.connections.get(connection_id)

    def session(self, session_id: UUID, version: int) -> ChargingSession | None:
        return self.sessions.get((session_id, version))


class ContextLoader:
    """Gathers a batch's lookups: cached, found in the batch, or loaded in one query each.

    Promises: every connection a batch's events refer to is in its lookups if its
    `Opened` event is in the log; every `Stopped` session is the aggregate as of that
    event (from the latest snapshot at or before it). Not thread-safe: one batch at a time.
    """

    def __init__(
        self,
        *,
        mapper: Mapper[Any],
        events: sql.Identifier,
        snapshots: sql.Identifier | None,
        cache_size: int,
    ) -> None:
        self._mapper = mapper
        self._cache = ConnectionCache(cache_size)
        # Version 1 of a connection's stream is its Opened event: a primary-key lookup.
        self._select_opened = sql.SQL(
            "SELECT originator_id, originator_version, topic, state FROM {events} "
            "WHERE originator_id = ANY(%s) AND originator_version = 1"
        ).format(events=events)
        self._select_sessions = _session_query(events, snapshots)

    def lookups(self, conn: Connection[Any], events: Sequence[Any]) -> BatchLookups:
        """The lookups `events` need, loading from the store what is neither cached nor
        in the batch itself."""
        lookups = BatchLookups()
        self._remember_opened(events, lookups)
        missing = self._from_cache(events, lookups)
        if missing:
            for info in self._load_connections(conn, missing):
                self._keep(UUID(info.connection_id), info, lookups)
        wanted = [key for key in map(session_needed, events) if key is not None]
        if wanted:
            lookups.sessions.update(self._load_sessions(conn, wanted))
        return lookups

    def _remember_opened(self, events: Iterable[Any], lookups: BatchLookups) -> None:
        """A connection opened in this batch needs no query."""
        for event in events:
            if isinstance(event, OcppConnection.Opened):
                self._keep(event.originator_id, ConnectionInfo.from_opened(event), lookups)

    def _from_cache(self, events: Iterable[Any], lookups: BatchLookups) -> set[UUID]:
        """Fill `lookups` from the cache; the connection ids it did not have."""
        missing: set[UUID] = set()
        for event in events:
            for connection_id in connections_needed(event):
                if connection_id in lookups.connections:
                    continue
                cached = self._cache.get(connection_id)
                if cached is None:
                    missing.add(connection_id)
                else:
                    lookups.connections[connection_id] = cached
        return missing

    def _keep(self, connection_id: UUID, info: ConnectionInfo, lookups: BatchLookups) -> None:
        self._cache.put(connection_id, info)
        lookups.connections[connection_id] = info

    def _load_connections(self, conn: Connection[Any], ids: set[UUID]) -> list[ConnectionInfo]:
        rows = conn.execute(self._select_opened, (list(ids),), prepare=True).fetchall()
        infos = []
        for oid, version, topic, state in rows:
            event = self._mapper.to_domain_event(StoredEvent(oid, version, topic, bytes(state)))
            if isinstance(event, OcppConnection.Opened):
                infos.append(ConnectionInfo.from_opened(event))
        return infos

    def _load_sessions(
        self, conn: Connection[Any], wanted: list[SessionKey]
    ) -> dict[SessionKey, ChargingSession]:
        """Session aggregates as of their Stopped event (latest snapshot at or before it)."""
        rows = conn.execute(
            self._select_sessions,
            ([session_id for session_id, _ in wanted], [version for _, version in wanted]),
        ).fetchall()
        stored: dict[SessionKey, list[StoredEvent]] = defaultdict(list)
        for session_id, upto, _, version, topic, state in rows:
            stored[(session_id, upto)].append(StoredEvent(session_id, version, topic, bytes(state)))
        to_event = self._mapper.to_domain_event
        found: dict[SessionKey, ChargingSession] = {}
        for key, records in stored.items():
            aggregate: object = project_aggregate(None, [to_event(r) for r in records])
            if isinstance(aggregate, ChargingSession):
                found[key] = aggregate
        return found


def _session_query(events: sql.Identifier, snapshots: sql.Identifier | None) -> sql.Composed:
    """Each wanted session's latest snapshot at or before the version, then the events up to
    it: rows (session id, version wanted, part, version, topic, state) in replay order."""
    wanted = "WITH w AS (SELECT * FROM unnest(%s::uuid[], %s::int8[]) AS w(id, upto)) "
    if snapshots is None:
        return sql.SQL(
            wanted + "SELECT w.id, w.upto, 1, e.originator_version, e.topic, e.state FROM w "
            "CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {events} "
            "WHERE originator_id = w.id AND originator_version <= w.upto) e ORDER BY 1, 2, 3, 4"
        ).format(events=events)
    return sql.SQL(
        wanted + ", s AS (SELECT w.id, w.upto, snap.originator_version, snap.topic, snap.state "
        "FROM w CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {snapshots} "
        "WHERE originator_id = w.id AND originator_version <= w.upto "
        "ORDER BY originator_version DESC LIMIT 1) snap) "
        "SELECT s.id, s.upto, 0, s.originator_version, s.topic, s.state FROM s "
        "UNION ALL "
        "SELECT w.id, w.upto, 1, e.originator_version, e.topic, e.state FROM w "
        "LEFT JOIN s ON s.id = w.id AND s.upto = w.upto "
        "CROSS JOIN LATERAL (SELECT originator_version, topic, state FROM {events} "
        "WHERE originator_id = w.id AND originator_version > COALESCE(s.originator_version, 0) "
        "AND originator_version <= w.upto) e "
        "ORDER BY 1, 2, 3, 4"
    ).format(events=events, snapshots=snapshots)
