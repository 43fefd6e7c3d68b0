"""OCPP-J as 2.0.1 speaks it (Part 4): its error codes, and nothing before an Accepted boot."""

from __future__ import annotations

import json

from cs.domain.registration import RegistrationStatus
from tests.support.station import Node, Station
from tests.unit.ocpp201.conftest import OCPP201, T0, a_boot


async def test_before_an_accepted_boot_every_other_message_is_a_security_error(
    node: Node,
) -> None:
    station = await node.connect("CP-9", subprotocol=OCPP201)
    answer = await station.call("Heartbeat", {}, unique_id="h1")
    assert answer[:3] == [4, "h1", "SecurityError"]
    assert (await station.call("BootNotification", a_boot()))[2]["status"] == "Accepted"
    assert (await station.call("Heartbeat", {}, unique_id="h2"))[0] == 3


async def test_a_pending_or_rejected_station_may_only_boot_again(node: Node) -> None:
    status = {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
    for registration in (RegistrationStatus.PENDING, RegistrationStatus.REJECTED):
        await node.register("CP-9", registration)
        station = await node.connect("CP-9", subprotocol=OCPP201)
        answer = await station.call("BootNotification", a_boot())
        assert answer[2]["status"] == registration.value
        answer = await station.call("StatusNotification", status, unique_id="s1")
        assert answer[:3] == [4, "s1", "SecurityError"]
        assert "Accepted" in answer[3]
        await station.disconnect()


async def test_an_unknown_message_type_is_answered_message_type_not_supported(
    station: Station,
) -> None:
    answer = await station.send('[7, "u1", "Heartbeat", {}]', "u1")
    assert answer[:3] == [4, "u1", "MessageTypeNotSupported"]


async def test_a_frame_that_is_not_an_rpc_message_is_an_rpc_framework_error(
    station: Station,
) -> None:
    answer = await station.send('[2, "b1", "Heartbeat", {', "b1")
    assert answer[:3] == [4, "b1", "RpcFrameworkError"]
    answer = await station.send(json.dumps([2, "b2", "Heartbeat"]), "b2")
    assert answer[:3] == [4, "b2", "RpcFrameworkError"]


async def test_schema_errors_are_spelled_as_in_2_0_1(station: Station) -> None:
    answer = await station.call("MeterValues", {"evseId": 1, "meterValue": []}, unique_id="m1")
    assert answer[:3] == [4, "m1", "OccurrenceConstraintViolation"]
    answer = await station.call("Heartbeat", {"extra": 1}, unique_id="m2")
    assert answer[:3] == [4, "m2", "FormatViolation"]
    answer = await station.call("Heartbeat", [], unique_id="m3")
    assert answer[:3] == [4, "m3", "FormatViolation"]


async def test_actions_unknown_and_not_ours_are_told_apart(station: Station) -> None:
    assert (await station.call("Teleport", {}, unique_id="a1"))[2] == "NotImplemented"
    # GetVariables is a 2.0.1 action, but one a CSMS sends, not a station.
    assert (await station.call("GetVariables", {}, unique_id="a2"))[2] == "NotSupported"


async def test_1_6_actions_are_not_2_0_1_ones(station: Station) -> None:
    answer = await station.call("StartTransaction", {}, unique_id="s1")
    assert answer[2] == "NotImplemented"
