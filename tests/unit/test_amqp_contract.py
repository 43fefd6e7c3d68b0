"""The AMQP contract: which events become which messages, with which bodies (no broker)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from cs.adapters.amqp import contract
from cs.adapters.amqp.contract import ConnectionInfo, Exchange, MissingContextError
from cs.domain import metering
from cs.domain.chargebox import ChargeBox
from cs.domain.clock import ClockPolicy
from cs.domain.connection import Connection
from cs.domain.node import Node
from cs.domain.session import ChargingSession, StartData, StopData
from tests.support.rabbit import validate_body

AT = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
CALL = '[2,"1","BootNotification",{"chargePointVendor":"ACME","chargePointModel":"W"}]'
RESULT = '[3,"1",{"status":"Accepted","currentTime":"2026-11-25T10:00:00.123Z","interval":300}]'


@dataclass
class FakeLookups:
    connections: dict[UUID, ConnectionInfo] = field(default_factory=dict)
    sessions: dict[tuple[UUID, int], ChargingSession] = field(default_factory=dict)
    asked: list[object] = field(default_factory=list)

    def connection(self, connection_id: UUID) -> ConnectionInfo | None:
        self.asked.append(connection_id)
        return self.connections.get(connection_id)

    def session(self, session_id: UUID, version: int) -> ChargingSession | None:
        self.asked.append((session_id, version))
        return self.sessions.get((session_id, version))


def a_connection(charge_box_id: str = "CP-1", tenant_id: str = "t1") -> Connection:
    return Connection.open(
        uuid4(),
        tenant_id=tenant_id,
        charge_box_id=charge_box_id,
        remote_address="10.0.0.7",
        subprotocol="ocpp1.6",
        node="n1",
        at=AT,
    )


def lookups_for(*connections: Connection) -> FakeLookups:
    lookups = FakeLookups()
    for connection in connections:
        info = ConnectionInfo(
            str(connection.id),
            connection.tenant_id,
            connection.charge_box_id,
            connection.remote_address,
        )
        lookups.connections[connection.id] = info
    return lookups


def check(message: contract.OutgoingMessage, event: object, routing_key: str) -> dict[str, object]:
    """The properties every message has, and a schema-valid body."""
    assert message.routing_key == routing_key
    assert message.type == type(event).TOPIC  # type: ignore[attr-defined]
    assert message.message_id.startswith(contract.event_id(event))
    assert message.timestamp == event.timestamp  # type: ignore[attr-defined]
    body: dict[str, object] = json.loads(message.body)
    validate_body(routing_key, body)
    return body


def test_a_received_frame_goes_to_ocpp_msgs_from_the_box() -> None:
    connection = a_connection()
    connection.receive(CALL, at=AT)
    _, received = connection.collect_events()
    [message] = contract.messages_for(received, lookups_for(connection))
    body = check(message, received, "ocpp.msgs")
    assert message.exchange is Exchange.OCPP
    assert message.message_id == f"{connection.id}:2"
    assert body == {
        "tenant_id": "t1",
        "charge_box_serial": "CP-1",
        "connection_id": str(connection.id),
        "ocpp_message": CALL,
        "direction": "from-box",
        "response_to": None,
        "occurred_at": "2026-11-25T10:00:00.123456Z",
    }


def test_a_sent_answer_goes_to_the_box_and_names_the_call_it_answers() -> None:
    connection = a_connection()
    connection.send(RESULT, at=AT, response_to="BootNotification")
    sent = connection.collect_events()[-1]
    [message] = contract.messages_for(sent, lookups_for(connection))
    body = check(message, sent, "ocpp.msgs")
    assert (body["direction"], body["response_to"], body["ocpp_message"]) == (
        "to-box",
        "BootNotification",
        RESULT,
    )


def test_a_frame_of_a_connection_never_opened_is_an_error_not_a_guess() -> None:
    connection = a_connection()
    connection.receive(CALL, at=AT)
    received = connection.collect_events()[-1]
    with pytest.raises(MissingContextError, match="never opened"):
        contract.messages_for(received, FakeLookups())


def test_opening_and_closing_are_connection_events() -> None:
    connection = a_connection()
    connection.close(code=1001, reason="going away", at=AT + timedelta(seconds=5))
    opened, closed = connection.collect_events()
    lookups = lookups_for(connection)
    [connected] = contract.messages_for(opened, FakeLookups())  # needs no lookup
    [disconnected] = contract.messages_for(closed, lookups)
    assert check(connected, opened, "ocpp.connection-events") == {
        "event_type": "connected",
        "tenant_id": "t1",
        "charge_box_serial": "CP-1",
        "connection_id": str(connection.id),
        "ip": "10.0.0.7",
        "status": None,
        "reason": None,
        "occurred_at": "2026-11-25T10:00:00.123456Z",
    }
    assert check(disconnected, closed, "ocpp.connection-events") == {
        "event_type": "disconnected",
        "tenant_id": "t1",
        "charge_box_serial": "CP-1",
        "connection_id": str(connection.id),
        "ip": "10.0.0.7",
        "status": 1001,
        "reason": "going away",
        "occurred_at": "2026-11-25T10:00:05.123456Z",
    }
    assert connected.message_id == f"{connection.id}:1"
    assert contract.connections_needed(opened) == []
    assert contract.connections_needed(closed) == [connection.id]


def test_a_close_without_a_code_has_a_null_status() -> None:
    connection = a_connection()
    connection.close(code=None, reason="", at=AT)
    closed = connection.collect_events()[-1]
    [message] = contract.messages_for(closed, lookups_for(connection))
    assert check(message, closed, "ocpp.connection-events")["status"] is None


def test_a_restarted_node_disconnects_each_orphaned_connection() -> None:
    first, second = a_connection("CP-1"), a_connection("CP-2", tenant_id="t2")
    node = Node.create_for("n1", AT)
    node.start([first.id, second.id], AT)
    started = node.collect_events()[-1]
    needed = contract.connections_needed(started)
    assert set(needed) == {first.id, second.id}
    messages = contract.messages_for(started, lookups_for(first, second))
    assert [m.message_id for m in messages] == [
        f"{node.id}:2:0",
        f"{node.id}:2:1",
    ]
    bodies = [check(m, started, "ocpp.connection-events") for m in messages]
    assert {(b["charge_box_serial"], b["tenant_id"]) for b in bodies} == {
        ("CP-1", "t1"),
        ("CP-2", "t2"),
    }
    assert all(b["event_type"] == "disconnected" and b["status"] is None for b in bodies)
    assert all(b["reason"] == "node_restarted" for b in bodies)


def test_no_orphans_publish_nothing_and_a_missing_orphan_fails_the_whole_event() -> None:
    node = Node.create_for("n1", AT)
    node.start([], AT)
    node.start([uuid4()], AT)
    named, clean, orphaned = node.collect_events()
    assert contract.messages_for(named, FakeLookups()) == []
    assert contract.messages_for(clean, FakeLookups()) == []
    with pytest.raises(MissingContextError):
        contract.messages_for(orphaned, FakeLookups())


def a_finished_session() -> tuple[ChargingSession, ChargingSession.Stopped]:
    start = StartData("t1", "CP-1", 2, "TAG-1", 1000, AT, None)
    session = ChargingSession.start(
        42, start, id_tag_status="Accepted", connection_id=None, message_id="1", at=AT
    )
    sampled_at = AT + timedelta(minutes=10)
    batch = [
        metering.Sample(sampled_at, "4500", metering.ENERGY_REGISTER, "Wh", None, 4500.0),
        metering.Sample(sampled_at, "11", metering.POWER, "kW", None, 11000.0),
        metering.Sample(sampled_at, "35", metering.SOC, "Percent", None, 35.0),
    ]
    session.report_meter_values(
        2, [], batch, source="MeterValues", connection_id=None, message_id="2", at=sampled_at
    )
    stop = StopData(8500, AT + timedelta(minutes=90), "EVDisconnected", "TAG-2", [])
    session.stop(stop, stop_id_tag_status="Accepted", connection_id=None, message_id="3", at=AT)
    stopped = session.collect_events()[-1]
    assert isinstance(stopped, ChargingSession.Stopped)
    return session, stopped


def test_a_stopped_session_goes_to_sessions_raw_with_the_original_fields_and_more() -> None:
    session, stopped = a_finished_session()
    needed = contract.session_needed(stopped)
    assert needed == (session.id, 3)
    lookups = FakeLookups(sessions={needed: session})
    [message] = contract.messages_for(stopped, lookups)
    assert message.exchange is Exchange.SESSIONS
    assert message.message_id == f"{session.id}:3"
    body = check(message, stopped, "sessions.raw")
    assert body == {
        "tenant_id": "t1",
        "charge_box_serial": "CP-1",
        "connector_id": 2,
        "started_at": "2026-11-25T10:00:00.123456Z",
        "ended_at": "2026-11-25T11:30:00.123456Z",
        "volume": 7.5,
        "user_id": "TAG-1",
        "transaction_id": 42,
        "station_transaction_id": None,
        "ocpp_version": "ocpp1.6",
        "meter_start": 1000,
        "meter_stop": 8500,
        "energy_wh": 7500,
        "duration_seconds": 5400.0,
        "stop_reason": "EVDisconnected",
        "stop_user_id": "TAG-2",
        "flags": [],
        "clock_skew_seconds": None,
        "billing_started_at": "2026-11-25T10:00:00.123456Z",
        "billing_ended_at": "2026-11-25T11:30:00.123456Z",
        "billing_time_source": "charge_point",
        "meter": {
            "last_energy_wh": 4500.0,
            "max_power_w": 11000.0,
            "last_soc": 35.0,
            "last_sample_at": "2026-11-25T10:10:00.123456Z",
            "reports": 1,
        },
        "occurred_at": "2026-11-25T10:00:00.123456Z",
    }


def test_a_session_on_an_unset_clock_bills_our_times_for_its_own_duration() -> None:
    """Started and stopped on a clock back at 1970 after power loss: billing is anchored
    at when we received the start and lasts what the station's own times say."""
    received = AT
    policy = ClockPolicy(tolerance_seconds=300)
    start_time = datetime(1970, 1, 1, 0, 0, 7, tzinfo=UTC)
    start = StartData("t1", "CP-1", 1, "TAG-1", 1000, start_time, None)
    session = ChargingSession.start(
        8,
        start,
        id_tag_status="Accepted",
        connection_id=None,
        message_id="1",
        at=received,
        clock=policy.read(start_time, received),
    )
    stop_time = start_time + timedelta(minutes=45)
    stop_received = received + timedelta(minutes=45, seconds=2)
    session.stop(
        StopData(9000, stop_time, None, None, []),
        stop_id_tag_status=None,
        connection_id=None,
        message_id="2",
        at=stop_received,
        clock=policy.read(stop_time, stop_received),
    )
    stopped = session.collect_events()[-1]
    [message] = contract.messages_for(stopped, FakeLookups(sessions={(session.id, 2): session}))
    body = check(message, stopped, "sessions.raw")
    assert body["started_at"] == "1970-01-01T00:00:07.000000Z"  # kept as sent
    assert body["flags"] == ["clock_unset"]
    # The worse of start and stop: the stop's, received two seconds later still.
    assert body["clock_skew_seconds"] == round((stop_time - stop_received).total_seconds(), 3)
    assert body["billing_time_source"] == "central_system"
    assert body["billing_started_at"] == "2026-11-25T10:00:00.123456Z"
    assert body["billing_ended_at"] == "2026-11-25T10:45:00.123456Z"
    assert body["duration_seconds"] == 2700.0


def test_impossible_values_are_published_as_reported_with_their_flags() -> None:
    start = StartData("t1", "CP-1", 1, "TAG-1", 5000, AT, None)
    session = ChargingSession.start(
        7, start, id_tag_status="Accepted", connection_id=None, message_id="1", at=AT
    )
    stop = StopData(4000, AT - timedelta(minutes=1), None, None, [])
    session.stop(stop, stop_id_tag_status=None, connection_id=None, message_id="2", at=AT)
    stopped = session.collect_events()[-1]
    lookups = FakeLookups(sessions={(session.id, 2): session})
    [message] = contract.messages_for(stopped, lookups)
    body = check(message, stopped, "sessions.raw")
    assert (body["volume"], body["energy_wh"], body["stop_reason"]) == (-1.0, -1000, None)
    assert body["flags"] == ["negative_energy", "timestamps_out_of_order"]


def test_a_repeated_stop_and_other_events_are_not_published() -> None:
    session, _ = a_finished_session()
    session.stop(
        StopData(9999, AT, "Local", None, []),
        stop_id_tag_status=None,
        connection_id=None,
        message_id="4",
        at=AT,
    )
    repeated = session.collect_events()[-1]
    assert isinstance(repeated, ChargingSession.StopRepeated)
    assert contract.messages_for(repeated, FakeLookups()) == []
    assert str(ChargingSession.StopRepeated.TOPIC) not in contract.PUBLISHED_TOPICS
    [registered] = ChargeBox.register("t1", "CP-1", at=AT).collect_events()
    assert contract.messages_for(registered, FakeLookups()) == []


def test_a_session_without_its_state_is_an_error() -> None:
    _, stopped = a_finished_session()
    with pytest.raises(MissingContextError):
        contract.messages_for(stopped, FakeLookups())


def test_every_message_id_is_unique_per_event_and_per_part() -> None:
    connection = a_connection()
    for n in range(5):
        connection.receive(f'[2,"{n}","Heartbeat",{{}}]', at=AT)
    lookups = lookups_for(connection)
    ids = [
        m.message_id
        for event in connection.collect_events()
        for m in contract.messages_for(event, lookups)
    ]
    assert len(ids) == len(set(ids)) == 6


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 7), "2026-01-02T03:04:05.000007Z"),  # naive: UTC
        (
            datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-02T03:04:05.000000Z",
        ),
    ],
)
def test_timestamps_are_utc_with_a_z(value: datetime, text: str) -> None:
    assert contract.iso_utc(value) == text
