"""The command aggregate: one operation an operator asked a charge box to perform."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

QUEUED, SENT = "queued", "sent"
ANSWERED, FAILED, TIMED_OUT, ABORTED = "answered", "failed", "timed_out", "aborted"
FINAL = frozenset({ANSWERED, FAILED, TIMED_OUT, ABORTED})


class Command(Aggregate):
    """A CALL from the central system to a charge box, from request to outcome.

    Promises: every command ends in exactly one final state (answered, failed, timed
    out, aborted), recorded with what the charge box said; the CALL and the answer
    frames themselves are on the connection's stream.
    """

    TOPIC = "cs.Command"

    class Event(Aggregate.Event):
        """Base of every command event."""

    class Created(Event, Aggregate.Created):
        TOPIC = "cs.Command.Created"

    class Requested(Created):
        """Someone asked for an operation on a charge box; `payload` is the OCPP payload."""

        TOPIC = "cs.Command.Requested"
        tenant_id: str
        charge_box_id: str
        operation: str
        action: str
        payload: dict[str, Any]
        requested_by: str | None
        node: str

    class Sent(Event):
        """The CALL left for the charge box (after its frame was committed)."""

        TOPIC = "cs.Command.Sent"
        unique_id: str
        connection_id: str

        def apply(self, command: Command) -> None:
            command.status = SENT
            command.unique_id = self.unique_id

    class Answered(Event):
        """The charge box answered with a CALLRESULT; `result` is its payload."""

        TOPIC = "cs.Command.Answered"
        result: dict[str, Any]

        def apply(self, command: Command) -> None:
            command.status = ANSWERED
            command.result = self.result

    class Failed(Event):
        """The charge box answered a CALLERROR (or an answer that breaks the schema)."""

        TOPIC = "cs.Command.Failed"
        error_code: str
        error_description: str
        error_details: dict[str, Any]

        def apply(self, command: Command) -> None:
            command.status = FAILED
            command.error = {
                "code": self.error_code,
                "description": self.error_description,
                "details": self.error_details,
            }

    class TimedOut(Event):
        TOPIC = "cs.Command.TimedOut"
        after_seconds: float

        def apply(self, command: Command) -> None:
            command.status = TIMED_OUT

    class Aborted(Event):
        """Ended without an answer: the connection closed, or the node stopped."""

        TOPIC = "cs.Command.Aborted"
        reason: str

        def apply(self, command: Command) -> None:
            command.status = ABORTED
            command.error = {"code": "aborted", "description": self.reason, "details": {}}

    class KeyOffered(Event):
        """The command sets the station's password; `password_hash` is its salted slow
        hash (the payload holds the password redacted), stored once the station accepts."""

        TOPIC = "cs.Command.KeyOffered"
        password_hash: str

        def apply(self, command: Command) -> None:
            command.password_hash = self.password_hash

    class SessionLinked(Event):
        """The session a RemoteStartTransaction led to."""

        TOPIC = "cs.Command.SessionLinked"
        transaction_id: int

        def apply(self, command: Command) -> None:
            command.transaction_id = self.transaction_id

    def __init__(
        self,
        tenant_id: str,
        charge_box_id: str,
        operation: str,
        action: str,
        payload: dict[str, Any],
        requested_by: str | None,
        node: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.charge_box_id = charge_box_id
        self.operation = operation
        self.action = action
        self.payload = payload
        self.requested_by = requested_by
        self.node = node
        self.status = QUEUED
        self.unique_id: str | None = None
        self.result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.transaction_id: int | None = None
        self.password_hash: str | None = None

    @classmethod
    def request(
        cls,
        command_id: UUID,
        *,
        tenant_id: str,
        charge_box_id: str,
        operation: str,
        action: str,
        payload: dict[str, Any],
        requested_by: str | None,
        node: str,
        at: datetime,
    ) -> Command:
        return cls._create(
            cls.Requested,
            id=command_id,
            timestamp=at,
            tenant_id=tenant_id,
            charge_box_id=charge_box_id,
            operation=operation,
            action=action,
            payload=payload,
            requested_by=requested_by,
            node=node,
        )

    def offer_key(self, password_hash: str, at: datetime) -> None:
        """Keep the hash of the password this command sets (before it is sent)."""
        self.trigger_event(self.KeyOffered, timestamp=at, password_hash=password_hash)

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def sent(self, unique_id: str, connection_id: str, at: datetime) -> None:
        self.trigger_event(
            self.Sent, timestamp=at, unique_id=unique_id, connection_id=connection_id
        )

    def answered(self, result: dict[str, Any], at: datetime) -> None:
        if not self.finished:
            self.trigger_event(self.Answered, timestamp=at, result=result)

    def failed(self, code: str, description: str, details: dict[str, Any], at: datetime) -> None:
        if not self.finished:
            self.trigger_event(
                self.Failed,
                timestamp=at,
                error_code=code,
                error_description=description,
                error_details=details,
            )

    def timed_out(self, after_seconds: float, at: datetime) -> None:
        if not self.finished:
            self.trigger_event(self.TimedOut, timestamp=at, after_seconds=after_seconds)

    def abort(self, reason: str, at: datetime) -> None:
        if not self.finished:
            self.trigger_event(self.Aborted, timestamp=at, reason=reason)

    def link_session(self, transaction_id: int, at: datetime) -> None:
        if self.transaction_id is None:
            self.trigger_event(self.SessionLinked, timestamp=at, transaction_id=transaction_id)
