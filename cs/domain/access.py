"""The access log: handshakes a node refused (OCPP 1.6 Security Whitepaper, security events)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate


class AccessLog(Aggregate):
    """Every websocket handshake one run of a node refused, and why.

    Written, never loaded (like `Connection`): a node run opens a new stream at its first
    refusal, so a flood of refusals grows no stream that a decision replays. What a
    refusal is recorded for: a wrong or missing password, an unknown charge box under the
    reject policy, a profile the transport does not satisfy, too many connections.
    """

    TOPIC = "cs.AccessLog"
    snapshots_disabled = True

    class Event(Aggregate.Event):
        """Base of every access log event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.AccessLog.Created"

    class Opened(Created):
        TOPIC = "cs.AccessLog.Opened"
        node: str

    class HandshakeRefused(Event):
        """A charge box (or someone claiming to be one) was refused the websocket."""

        TOPIC = "cs.AccessLog.HandshakeRefused"
        tenant_id: str
        charge_box_id: str
        remote_address: str | None
        reason: str  # a stable code: bad_password, no_password, unknown_charge_box, ...
        status: int  # the HTTP status answered
        detail: str

        def apply(self, log: AccessLog) -> None:
            log.refusals += 1

    def __init__(self, node: str) -> None:
        self.node = node
        self.refusals = 0

    @classmethod
    def open(cls, log_id: UUID, *, node: str, at: datetime) -> AccessLog:
        """A new stream for this node run; the caller chooses its id (a fresh UUID)."""
        return cls._create(cls.Opened, id=log_id, timestamp=at, node=node)

    def refuse(
        self,
        *,
        tenant_id: str,
        charge_box_id: str,
        remote_address: str | None,
        reason: str,
        status: int,
        detail: str,
        at: datetime,
    ) -> None:
        """Record one refused handshake."""
        self.trigger_event(
            self.HandshakeRefused,
            timestamp=at,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            remote_address=remote_address,
            reason=reason,
            status=status,
            detail=detail,
        )
