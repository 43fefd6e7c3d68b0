"""Connections read model: every websocket connection, open or closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from psycopg import Cursor

from cs.domain.connection import Connection
from cs.domain.node import Node
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_connections (
        connection_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        remote_address text,
        subprotocol text NOT NULL,
        node text NOT NULL,
        opened_at timestamptz NOT NULL,
        closed_at timestamptz,
        close_code integer,
        close_reason text,
        last_message_at timestamptz,
        frames_received bigint NOT NULL DEFAULT 0,
        frames_sent bigint NOT NULL DEFAULT 0,
        clock_skew_seconds double precision,
        clock_checked_at timestamptz
    )
    """,
    # The station's clock against ours, last measured (cs.domain.clock); older tables.
    "ALTER TABLE rm_connections ADD COLUMN IF NOT EXISTS clock_skew_seconds double precision",
    "ALTER TABLE rm_connections ADD COLUMN IF NOT EXISTS clock_checked_at timestamptz",
    "CREATE INDEX IF NOT EXISTS rm_connections_box "
    "ON rm_connections (tenant_id, charge_box_id, opened_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_connections_open "
    "ON rm_connections (node) WHERE closed_at IS NULL",
    # One row per charge box: how often it connected and how its last connection ended,
    # so a box's page and the fleet list show reconnect storms and offline spells
    # without counting connections. Made by `cs rebuild connections` on an older store.
    """
    CREATE TABLE IF NOT EXISTS rm_box_links (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        connects bigint NOT NULL DEFAULT 0,
        last_connected_at timestamptz,
        last_closed_at timestamptz,
        last_close_code integer,
        last_close_reason text,
        PRIMARY KEY (tenant_id, charge_box_id)
    )
    """,
)

# Closing a connection names it only: its box is found through its row.
_CLOSED_LINK = (
    "UPDATE rm_box_links l SET last_closed_at = %s, last_close_code = %s, "
    "last_close_reason = %s FROM rm_connections c WHERE c.connection_id = %s "
    "AND l.tenant_id = c.tenant_id AND l.charge_box_id = c.charge_box_id "
    "AND (l.last_closed_at IS NULL OR l.last_closed_at <= %s)"
)


class _FrameTally:
    """Frames of one connection within a batch, written once at the end of the batch."""

    __slots__ = ("clock_checked_at", "clock_skew_seconds", "last_received_at", "received", "sent")

    def __init__(self) -> None:
        self.received = 0
        self.sent = 0
        self.last_received_at: datetime | None = None
        self.clock_skew_seconds: float | None = None
        self.clock_checked_at: datetime | None = None


class ConnectionsProjection:
    """Projects `Connection` streams (and node restarts) into `rm_connections`.

    A connection is open while `closed_at` is null. Frames only bump counters,
    `last_message_at` and the last clock reading (`clock_skew_seconds`), coalesced per
    connection per batch, so heartbeat traffic costs one UPDATE per connection per batch
    rather than one per frame. `rm_box_links` keeps one row per charge box: how many
    times it connected and how its last connection ended.
    """

    name: str = "connections"
    tables: tuple[str, ...] = ("rm_connections", "rm_box_links")
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(
        Connection.Opened,
        Connection.FrameReceived,
        Connection.FrameSent,
        Connection.Exchanged,
        Connection.Closed,
        Node.Started,
    )

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        tallies: dict[Any, _FrameTally] = {}
        for event in events:
            self.handle(event, cursor, tallies)
        if tallies:
            cursor.executemany(
                "UPDATE rm_connections SET frames_received = frames_received + %s, "
                "frames_sent = frames_sent + %s, "
                "last_message_at = GREATEST(last_message_at, %s), "
                "clock_skew_seconds = coalesce(%s, clock_skew_seconds), "
                "clock_checked_at = coalesce(%s, clock_checked_at) WHERE connection_id = %s",
                [
                    (
                        t.received,
                        t.sent,
                        t.last_received_at,
                        t.clock_skew_seconds,
                        t.clock_checked_at,
                        connection_id,
                    )
                    for connection_id, t in tallies.items()
                ],
            )

    @singledispatchmethod
    def handle(self, event: Any, cursor: Cursor[Any], tallies: dict[Any, _FrameTally]) -> None:
        """Events of other types change nothing here."""

    @handle.register
    def _opened(self, event: Connection.Opened, cursor: Cursor[Any], tallies: Any) -> None:
        cursor.execute(
            "INSERT INTO rm_connections (connection_id, tenant_id, charge_box_id, "
            "remote_address, subprotocol, node, opened_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (connection_id) DO NOTHING",
            (
                event.originator_id,
                event.tenant_id,
                event.charge_box_id,
                event.remote_address,
                event.subprotocol,
                event.node,
                event.timestamp,
            ),
        )
        cursor.execute(
            "INSERT INTO rm_box_links AS l (tenant_id, charge_box_id, connects, last_connected_at) "
            "VALUES (%s, %s, 1, %s) ON CONFLICT (tenant_id, charge_box_id) DO UPDATE "
            "SET connects = l.connects + 1, last_connected_at = excluded.last_connected_at",
            (event.tenant_id, event.charge_box_id, event.timestamp),
        )

    @handle.register
    def _received(
        self, event: Connection.FrameReceived, cursor: Cursor[Any], tallies: dict[Any, _FrameTally]
    ) -> None:
        tally = tallies.get(event.originator_id) or tallies.setdefault(
            event.originator_id, _FrameTally()
        )
        tally.received += 1
        tally.last_received_at = event.timestamp

    @handle.register
    def _sent(
        self, event: Connection.FrameSent, cursor: Cursor[Any], tallies: dict[Any, _FrameTally]
    ) -> None:
        tally = tallies.get(event.originator_id) or tallies.setdefault(
            event.originator_id, _FrameTally()
        )
        tally.sent += 1

    @handle.register
    def _exchanged(
        self, event: Connection.Exchanged, cursor: Cursor[Any], tallies: dict[Any, _FrameTally]
    ) -> None:
        tally = tallies.get(event.originator_id) or tallies.setdefault(
            event.originator_id, _FrameTally()
        )
        tally.received += 1
        tally.sent += 1
        tally.last_received_at = event.timestamp
        if event.clock_skew_seconds is not None:
            tally.clock_skew_seconds = event.clock_skew_seconds
            tally.clock_checked_at = event.timestamp

    @handle.register
    def _closed(self, event: Connection.Closed, cursor: Cursor[Any], tallies: Any) -> None:
        cursor.execute(
            "UPDATE rm_connections SET closed_at = %s, close_code = %s, close_reason = %s "
            "WHERE connection_id = %s AND closed_at IS NULL",
            (event.timestamp, event.code, event.reason, event.originator_id),
        )
        cursor.execute(
            _CLOSED_LINK,
            (event.timestamp, event.code, event.reason, event.originator_id, event.timestamp),
        )

    @handle.register
    def _node_started(self, event: Node.Started, cursor: Cursor[Any], tallies: Any) -> None:
        if event.orphaned_connections:
            cursor.execute(
                "UPDATE rm_connections SET closed_at = %s, close_reason = %s "
                "WHERE connection_id = ANY(%s::uuid[]) AND closed_at IS NULL",
                (event.timestamp, "node restarted", event.orphaned_connections),
            )
            cursor.executemany(
                _CLOSED_LINK,
                [
                    (event.timestamp, None, "node restarted", c, event.timestamp)
                    for c in event.orphaned_connections
                ],
            )
