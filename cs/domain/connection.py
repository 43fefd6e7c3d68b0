"""The connection aggregate: one websocket session of a charge box, frame by frame."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from cs.domain.clock import ClockReading


class Connection(Aggregate):
    """One websocket connection of a charge box, from open to close.

    Every OCPP-J frame in either direction becomes an event here, in the order it was
    received or sent, so the stream is the exact wire record of the connection: a CALL
    we answer and its answer are one `Exchanged`; other frames (answers to our CALLs,
    our CALLs, frames we do not answer) one `FrameReceived` or `FrameSent` each. The
    stream is written, never loaded: a live connection holds its aggregate in memory,
    and a new connection starts a new stream. This keeps unbounded traffic
    (heartbeats, meter values) off the streams that decisions replay.
    """

    TOPIC = "cs.Connection"
    snapshots_disabled = True  # never loaded, so never snapshotted

    class Event(Aggregate.Event):
        """Base of every connection event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.Connection.Created"

    class Opened(Created):
        """A charge box opened a websocket and the handshake was accepted."""

        TOPIC = "cs.Connection.Opened"
        tenant_id: str
        charge_box_id: str
        remote_address: str | None
        subprotocol: str
        node: str
        security_profile: int

        # v2 (2026-11) records the OCPP security profile the handshake used (0: none).
        # Every v1 connection was opened without authentication (docs/event-versioning.md).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["security_profile"] = 0

    class FrameReceived(Event):
        """A frame arrived from the charge box; `response_to` names the CALL it answers."""

        TOPIC = "cs.Connection.FrameReceived"
        frame: str
        response_to: str | None

        def apply(self, connection: Connection) -> None:
            connection.frames += 1

    class FrameSent(Event):
        """A frame was sent to the charge box after everything before it was committed."""

        TOPIC = "cs.Connection.FrameSent"
        frame: str
        response_to: str | None

        def apply(self, connection: Connection) -> None:
            connection.frames += 1

    class Exchanged(Event):
        """A CALL from the charge box and our answer to it, in one record.

        `frame` arrived at `timestamp`; `reply` (our CALLRESULT or CALLERROR) was sent at
        `replied_at`, after everything it acknowledges was committed. `action` is the
        CALL's action (None for a frame too broken to name one). One record instead of a
        `FrameReceived` and a `FrameSent` (issue 14): the wire record stays exact at a
        third fewer rows per message; both older event types still load and are still
        written for frames that are not a CALL we answer.
        """

        TOPIC = "cs.Connection.Exchanged"
        frame: str
        reply: str
        action: str | None
        replied_at: datetime
        # The CALL's own time against `timestamp` (cs.domain.clock), for a CALL that
        # carries one (StartTransaction, MeterValues, TransactionEvent, ...); else None, [].
        clock_skew_seconds: float | None
        clock_flags: list[str]

        # v2: `clock_skew_seconds` and `clock_flags`, None and [] in every v1 record
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("clock_skew_seconds", None)
            state.setdefault("clock_flags", [])

        def apply(self, connection: Connection) -> None:
            connection.frames += 2

    class FrameRejected(Event):
        """A frame refused before it could be read as OCPP-J: binary, or over the size limit.

        `excerpt` keeps the first bytes (hex for binary) for the record.
        """

        TOPIC = "cs.Connection.FrameRejected"
        kind: str
        size: int | None
        excerpt: str

        def apply(self, connection: Connection) -> None:
            connection.frames += 1

    class Closed(Event):
        """The websocket closed; `code` is the close code when one was exchanged."""

        TOPIC = "cs.Connection.Closed"
        code: int | None
        reason: str

        def apply(self, connection: Connection) -> None:
            connection.closed = True

    def __init__(
        self,
        tenant_id: str,
        charge_box_id: str,
        remote_address: str | None,
        subprotocol: str,
        node: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.remote_address = remote_address
        self.subprotocol = subprotocol
        self.node = node
        self.frames = 0
        self.closed = False

    @classmethod
    def open(
        cls,
        connection_id: UUID,
        *,
        tenant_id: str,
        charge_box_id: str,
        remote_address: str | None,
        subprotocol: str,
        node: str,
        at: datetime,
        security_profile: int = 0,
    ) -> Connection:
        """A new connection; the caller chooses its id (a fresh UUID)."""
        return cls._create(
            cls.Opened,
            id=connection_id,
            timestamp=at,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address=remote_address,
            subprotocol=subprotocol,
            node=node,
            security_profile=security_profile,
        )

    def receive(self, frame: str, *, at: datetime, response_to: str | None = None) -> None:
        """Record a frame received from the charge box."""
        self._check_open()
        self.trigger_event(self.FrameReceived, timestamp=at, frame=frame, response_to=response_to)

    def send(self, frame: str, *, at: datetime, response_to: str | None = None) -> None:
        """Record a frame about to be sent to the charge box."""
        self._check_open()
        self.trigger_event(self.FrameSent, timestamp=at, frame=frame, response_to=response_to)

    def exchange(
        self,
        frame: str,
        reply: str,
        *,
        action: str | None,
        at: datetime,
        replied_at: datetime,
        clock: ClockReading | None = None,
    ) -> None:
        """Record a CALL received at `at` and the reply about to be sent; `clock`: the
        CALL's own time against `at`, when it carries one."""
        self._check_open()
        self.trigger_event(
            self.Exchanged,
            timestamp=at,
            frame=frame,
            reply=reply,
            action=action,
            replied_at=replied_at,
            clock_skew_seconds=None if clock is None else clock.skew_seconds,
            clock_flags=[] if clock is None else list(clock.flags),
        )

    def reject(self, kind: str, *, size: int | None, excerpt: str, at: datetime) -> None:
        """Record a frame refused unread (binary or oversize)."""
        self._check_open()
        self.trigger_event(self.FrameRejected, timestamp=at, kind=kind, size=size, excerpt=excerpt)

    def close(self, *, code: int | None, reason: str, at: datetime) -> None:
        """Record the end of the connection; closing twice records nothing."""
        if not self.closed:
            self.trigger_event(self.Closed, timestamp=at, code=code, reason=reason)

    def _check_open(self) -> None:
        if self.closed:
            raise ConnectionClosedError(self.id)


class ConnectionClosedError(Exception):
    """A frame was recorded on a connection that has already closed."""

    def __init__(self, connection_id: UUID) -> None:
        super().__init__(f"connection {connection_id} is closed")
        self.connection_id = connection_id
