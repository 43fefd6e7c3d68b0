"""The AMQP contract: which stored events become which RabbitMQ messages, and their bodies.

Pure functions over decoded events. What an event does not carry itself (the tenant and
charge box of a connection, the start of a session) comes from `Lookups`, which the relay
fills from the event store before it maps a batch; so the mapping can be tested without
PostgreSQL or RabbitMQ. The bodies are documented as JSON Schemas in `docs/amqp/`.

Bodies are snake_case JSON; timestamps are ISO-8601 in UTC with a trailing `Z` and
microseconds (the precision of the stored events). `message_id` is the event's unique id
`<originator_id>:<originator_version>` (plus `:<n>` when one event yields several
messages), so a consumer can drop the duplicates that at-least-once delivery allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

import orjson

from cs.domain.clock import billing_times
from cs.domain.connection import Connection
from cs.domain.node import Node
from cs.domain.session import ChargingSession


class Exchange(StrEnum):
    """The logical exchanges; their default (and contract) names are the values."""

    OCPP = "ocpp"
    SESSIONS = "sessions"


OCPP_MSGS = "ocpp.msgs"
CONNECTION_EVENTS = "ocpp.connection-events"
SESSIONS_RAW = "sessions.raw"

FROM_BOX, TO_BOX = "from-box", "to-box"
CONNECTED, DISCONNECTED = "connected", "disconnected"
ORPHANED_REASON = "node_restarted"  # the node that held the connection died and restarted

CONTENT_TYPE = "application/json"

_OPENED = str(Connection.Opened.TOPIC)
_RECEIVED = str(Connection.FrameReceived.TOPIC)
_SENT = str(Connection.FrameSent.TOPIC)
_EXCHANGED = str(Connection.Exchanged.TOPIC)
_CLOSED = str(Connection.Closed.TOPIC)
_NODE_STARTED = str(Node.Started.TOPIC)
_SESSION_STOPPED = str(ChargingSession.Stopped.TOPIC)

# The stored topics the relay decodes; every other event is passed over (its position
# still advances). ChargingSession.StopRepeated is deliberately absent: a repeated stop
# changes nothing, and billing must see each session once.
PUBLISHED_TOPICS: frozenset[str] = frozenset(
    (_OPENED, _RECEIVED, _SENT, _EXCHANGED, _CLOSED, _NODE_STARTED, _SESSION_STOPPED)
)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to publish: where to, its AMQP properties, and its JSON body."""

    exchange: Exchange
    routing_key: str
    message_id: str
    type: str  # the event's topic
    timestamp: datetime  # when the event was recorded
    body: bytes  # JSON

    def json(self) -> Any:
        """The body decoded (for tests and logs)."""
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What frame and close events need from their connection's `Opened` event."""

    connection_id: str
    tenant_id: str
    charge_box_id: str
    remote_address: str | None

    @classmethod
    def from_opened(cls, event: Connection.Opened) -> ConnectionInfo:
        return cls(
            connection_id=str(event.originator_id),
            tenant_id=event.tenant_id,
            charge_box_id=event.charge_box_id,
            remote_address=event.remote_address,
        )


class Lookups(Protocol):
    """Context the relay fetched from the event store for one batch."""

    def connection(self, connection_id: UUID) -> ConnectionInfo | None:
        """The connection opened as `connection_id`, or None when it is not in the store."""

    def session(self, session_id: UUID, version: int) -> ChargingSession | None:
        """The session aggregate as of `version` (its Stopped event), or None."""


class MissingContextError(LookupError):
    """An event refers to something the store does not have (e.g. a connection never opened).

    Cannot happen with a consistent store (a unit is committed after what it refers to);
    the relay logs it and passes over the event rather than stopping the whole log.
    """


def connections_needed(event: object) -> list[UUID]:
    """Ids of the connections whose `Opened` event `messages_for(event)` will ask for."""
    if isinstance(event, _FRAMES | Connection.Closed):
        return [event.originator_id]
    if isinstance(event, Node.Started):
        return [UUID(connection_id) for connection_id in event.orphaned_connections]
    return []


def session_needed(event: object) -> tuple[UUID, int] | None:
    """(session id, version) of the session state `messages_for(event)` will ask for."""
    if isinstance(event, ChargingSession.Stopped):
        return event.originator_id, event.originator_version
    return None


_FRAMES = Connection.FrameReceived | Connection.FrameSent | Connection.Exchanged


def messages_for(event: object, lookups: Lookups) -> list[OutgoingMessage]:
    """The messages one decoded event yields, in the order they must be published.

    Raises `MissingContextError` when a lookup the event needs comes back empty.
    """
    if isinstance(event, Connection.FrameReceived):
        return [_frame(event, FROM_BOX, lookups)]
    if isinstance(event, Connection.FrameSent):
        return [_frame(event, TO_BOX, lookups)]
    if isinstance(event, Connection.Exchanged):
        return _exchange(event, lookups)
    if isinstance(event, Connection.Opened):
        return [_opened(event)]
    if isinstance(event, Connection.Closed):
        return [_closed(event, lookups)]
    if isinstance(event, Node.Started):
        return list(_orphans_closed(event, lookups))
    if isinstance(event, ChargingSession.Stopped):
        return [_session_finished(event, lookups)]
    return []


def event_id(event: Any) -> str:
    """The unique id of a stored event: `<originator_id>:<originator_version>`."""
    return f"{event.originator_id}:{event.originator_version}"


def iso_utc(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with microseconds and a `Z`; a naive value is taken as UTC."""
    if value is None:
        return None
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message(
    event: Any,
    exchange: Exchange,
    routing_key: str,
    body: dict[str, Any],
    *,
    suffix: str = "",
    at: datetime | None = None,
    type_: str | None = None,
) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=exchange,
        routing_key=routing_key,
        message_id=event_id(event) + suffix,
        type=type_ or str(type(event).TOPIC),
        timestamp=at or event.timestamp,
        body=orjson.dumps(body),
    )


def _connection(lookups: Lookups, connection_id: UUID, event: Any) -> ConnectionInfo:
    info = lookups.connection(connection_id)
    if info is None:
        raise MissingContextError(
            f"{type(event).TOPIC} {event_id(event)}: connection {connection_id} was never opened"
        )
    return info


def _frame(
    event: Connection.FrameReceived | Connection.FrameSent, direction: str, lookups: Lookups
) -> OutgoingMessage:
    info = _connection(lookups, event.originator_id, event)
    body = _frame_body(info, event.frame, direction, event.response_to, event.timestamp)
    return _message(event, Exchange.OCPP, OCPP_MSGS, body)


def _exchange(event: Connection.Exchanged, lookups: Lookups) -> list[OutgoingMessage]:
    """A CALL and our answer: two messages, as two frames were (the answer's id `:1`)."""
    info = _connection(lookups, event.originator_id, event)
    call = _frame_body(info, event.frame, FROM_BOX, None, event.timestamp)
    answer = _frame_body(info, event.reply, TO_BOX, event.action, event.replied_at)
    # Typed as the frame events they replace: consumers see the same messages as before.
    return [
        _message(event, Exchange.OCPP, OCPP_MSGS, call, type_=_RECEIVED),
        _message(
            event, Exchange.OCPP, OCPP_MSGS, answer, suffix=":1", at=event.replied_at, type_=_SENT
        ),
    ]


def _frame_body(
    info: ConnectionInfo, frame: str, direction: str, response_to: str | None, at: datetime
) -> dict[str, Any]:
    return {
        "tenant_id": info.tenant_id,
        "charge_box_serial": info.charge_box_id,
        "connection_id": info.connection_id,
        "ocpp_message": frame,
        "direction": direction,
        "response_to": response_to,
        "occurred_at": iso_utc(at),
    }


def _connection_event(
    info: ConnectionInfo,
    event_type: str,
    *,
    status: int | None,
    reason: str | None,
    at: datetime,
) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "tenant_id": info.tenant_id,
        "charge_box_serial": info.charge_box_id,
        "connection_id": info.connection_id,
        "ip": info.remote_address,
        "status": status,
        "reason": reason,
        "occurred_at": iso_utc(at),
    }


def _opened(event: Connection.Opened) -> OutgoingMessage:
    body = _connection_event(
        ConnectionInfo.from_opened(event), CONNECTED, status=None, reason=None, at=event.timestamp
    )
    return _message(event, Exchange.OCPP, CONNECTION_EVENTS, body)


def _closed(event: Connection.Closed, lookups: Lookups) -> OutgoingMessage:
    info = _connection(lookups, event.originator_id, event)
    body = _connection_event(
        info, DISCONNECTED, status=event.code, reason=event.reason or None, at=event.timestamp
    )
    return _message(event, Exchange.OCPP, CONNECTION_EVENTS, body)


def _orphans_closed(event: Node.Started, lookups: Lookups) -> Iterable[OutgoingMessage]:
    """A restarted node closes what its previous run left open: one message per connection.

    Resolved before anything is yielded, so a missing connection fails the whole event
    rather than yielding part of it.
    """
    infos = [_connection(lookups, UUID(c), event) for c in event.orphaned_connections]
    for index, info in enumerate(infos):
        body = _connection_event(
            info, DISCONNECTED, status=None, reason=ORPHANED_REASON, at=event.timestamp
        )
        yield _message(event, Exchange.OCPP, CONNECTION_EVENTS, body, suffix=f":{index}")


def _session_finished(event: ChargingSession.Stopped, lookups: Lookups) -> OutgoingMessage:
    session = lookups.session(event.originator_id, event.originator_version)
    if session is None:
        raise MissingContextError(
            f"{event.TOPIC} {event_id(event)}: no session state as of this version"
        )
    billing = billing_times(
        started_at=session.started_at,
        stopped_at=event.stopped_at,
        start_received_at=session.created_on,
        stop_received_at=event.timestamp,
        flags=session.flags,
    )
    body = {
        # The original system's fields ...
        "tenant_id": session.tenant_id,
        "charge_box_serial": session.charge_box_id,
        "connector_id": session.connector_id,
        "started_at": iso_utc(session.started_at),
        "ended_at": iso_utc(event.stopped_at),
        "volume": event.energy_wh / 1000,  # kWh
        "user_id": session.id_tag,
        # ... and what billing needs beyond them.
        "transaction_id": session.transaction_id,
        "station_transaction_id": session.station_transaction_id,
        "ocpp_version": "ocpp2.0.1" if session.station_transaction_id is not None else "ocpp1.6",
        "meter_start": session.meter_start,
        "meter_stop": event.meter_stop,
        "energy_wh": event.energy_wh,
        "duration_seconds": event.duration_seconds,
        "stop_reason": event.reason,
        "stop_user_id": event.stop_id_tag,
        "flags": list(session.flags),
        # Which times billing should use (cs.domain.clock): the station's own, unless its
        # clock was unset or ahead; and how far its clock was from ours.
        "clock_skew_seconds": session.clock_skew_seconds,
        "billing_started_at": iso_utc(billing.started_at),
        "billing_ended_at": iso_utc(billing.ended_at),
        "billing_time_source": billing.source,
        "meter": {
            "last_energy_wh": session.last_energy_wh,
            "max_power_w": session.max_power_w,
            "last_soc": session.last_soc,
            "last_sample_at": iso_utc(session.last_sample_at),
            "reports": session.meter_value_reports,
        },
        "occurred_at": iso_utc(event.timestamp),
    }
    return _message(event, Exchange.SESSIONS, SESSIONS_RAW, body)
