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
        frames_sent bigint NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_connections_box "
    "ON rm_connections (tenant_id, charge_box_id, opened_at DESC)",
    "CREATE INDEX IF NOT EXISTS rm_connections_open "
    "ON rm_connections (node) WHERE closed_at IS NULL",
)


class _FrameTally:
    """Frames of one connection within a batch, written once at the end of the batch."""

    __slots__ = ("last_received_at", "received", "sent")

    def __init__(self) -> None:
        self.received = 0
        self.sent = 0
        self.last_received_at: datetime | None = None


class ConnectionsProjection:
    """Projects `Connection` streams (and node restarts) into `rm_connections`.

    A connection is open while `closed_at` is null. Frames only bump counters and
    `last_message_at`, coalesced per connection per batch, so heartbeat traffic costs
    one UPDATE per connection per batch rather than one per frame.
    """

    name: str = "connections"
    tables: tuple[str, ...] = ("rm_connections",)
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
                "last_message_at = GREATEST(last_message_at, %s) WHERE connection_id = %s",
                [
                    (t.received, t.sent, t.last_received_at, connection_id)
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

    @handle.register
    def _closed(self, event: Connection.Closed, cursor: Cursor[Any], tallies: Any) -> None:
        cursor.execute(
            "UPDATE rm_connections SET closed_at = %s, close_code = %s, close_reason = %s "
            "WHERE connection_id = %s AND closed_at IS NULL",
            (event.timestamp, event.code, event.reason, event.originator_id),
        )

    @handle.register
    def _node_started(self, event: Node.Started, cursor: Cursor[Any], tallies: Any) -> None:
        if event.orphaned_connections:
            cursor.execute(
                "UPDATE rm_connections SET closed_at = %s, close_reason = %s "
                "WHERE connection_id = ANY(%s::uuid[]) AND closed_at IS NULL",
                (event.timestamp, "node restarted", event.orphaned_connections),
            )
