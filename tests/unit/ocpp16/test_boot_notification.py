"""BootNotification (OCPP 1.6 section 4.2): the boot is recorded, the registration answered."""

from __future__ import annotations

import pytest

from cs.domain.registration import RegistrationStatus
from tests.support import promises
from tests.support.builders import a_boot_notification
from tests.support.station import EXCHANGED, Node, Station, a_node

BOOTED = "cs.ChargeBox.Booted"


async def test_a_boot_is_accepted_with_the_heartbeat_interval_and_our_clock(
    node: Node, station: Station
) -> None:
    node.clock.advance(minutes=5)
    answer = await station.call("BootNotification", a_boot_notification())
    assert answer == [
        3,
        answer[1],
        {"currentTime": "2026-11-25T10:05:00.000Z", "interval": 300, "status": "Accepted"},
    ]


async def test_the_answer_says_interval_not_the_1_5_heartbeat_interval() -> None:
    async with a_node(heartbeat_interval=77) as node:
        station = await node.connect()
        payload = (await station.call("BootNotification", a_boot_notification()))[2]
    assert payload["interval"] == 77
    assert "heartbeatInterval" not in payload


async def test_the_boot_is_recorded_after_its_frames_with_what_the_box_said(
    node: Node, station: Station
) -> None:
    answer = await station.call("BootNotification", a_boot_notification(), unique_id="boot-1")
    assert node.last_unit() == [EXCHANGED, BOOTED]
    exchanged, booted = node.last_unit_events()
    assert '"boot-1"' in exchanged.frame
    assert (
        exchanged.reply
        == f'[3,"boot-1",{{"currentTime":"{answer[2]["currentTime"]}","interval":300,"status":"Accepted"}}]'
    )
    assert (booted.charge_point_vendor, booted.charge_point_model) == ("ACME", "Wallbox 22")
    assert (booted.firmware_version, booted.iccid, booted.meter_serial_number) == (
        "1.2.3",
        "8931000000000000001",
        "M-1",
    )
    assert (booted.status, booted.heartbeat_interval, booted.retry_interval) == (
        "Accepted",
        300,
        None,
    )
    assert (booted.message_id, booted.connection_id) == ("boot-1", station.live.connection_id)


async def test_optional_fields_left_out_are_recorded_as_absent(
    node: Node, station: Station
) -> None:
    minimal = a_boot_notification(
        chargePointSerialNumber=None,
        chargeBoxSerialNumber=None,
        firmwareVersion=None,
        iccid=None,
        imsi=None,
        meterType=None,
        meterSerialNumber=None,
    )
    assert (await station.call("BootNotification", minimal))[0] == 3
    booted = node.log.events(BOOTED)[-1]
    assert (booted.charge_point_serial_number, booted.iccid, booted.meter_type) == (
        None,
        None,
        None,
    )


async def test_a_box_seen_for_the_first_time_was_registered_when_it_connected(
    node: Node, station: Station
) -> None:
    assert node.units() == [["cs.ChargeBox.Registered", "cs.Connection.Opened"]]
    await station.call("BootNotification", a_boot_notification())
    assert node.log.topics().count("cs.ChargeBox.Registered") == 1


@pytest.mark.parametrize("status", [RegistrationStatus.REJECTED, RegistrationStatus.PENDING])
async def test_the_status_an_operator_registered_is_answered(
    node: Node, status: RegistrationStatus
) -> None:
    await node.register("CP-9", status)
    station = await node.connect("CP-9")
    answer = (await station.call("BootNotification", a_boot_notification()))[2]
    assert (answer["status"], answer["interval"]) == (status.value, 300)
    booted = node.log.events(BOOTED)[-1]
    # OCPP 1.6 section 6.4: not Accepted, the interval is the wait before the next boot.
    assert (booted.status, booted.heartbeat_interval, booted.retry_interval) == (
        status.value,
        None,
        300,
    )


async def test_a_rejected_box_may_boot_again_and_is_accepted_once_registered(node: Node) -> None:
    await node.register("CP-R", RegistrationStatus.REJECTED)
    station = await node.connect("CP-R")
    assert (await station.call("BootNotification", a_boot_notification()))[2][
        "status"
    ] == "Rejected"
    assert (await station.call("Heartbeat", {}))[2] == "SecurityError"
    await node.register("CP-R", RegistrationStatus.ACCEPTED)
    assert (await station.call("BootNotification", a_boot_notification()))[2][
        "status"
    ] == "Accepted"
    assert (await station.call("Heartbeat", {}))[0] == 3


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (a_boot_notification(chargePointModel=None), "ProtocolError"),
        (a_boot_notification(chargePointVendor="V" * 21), "TypeConstraintViolation"),
        (a_boot_notification(chargePointModel=7), "TypeConstraintViolation"),
        (a_boot_notification(colour="red"), "FormationViolation"),  # 1.6 spelling
    ],
    ids=["missing-model", "vendor-too-long", "model-not-a-string", "unknown-field"],
)
async def test_a_boot_that_breaks_the_schema_is_refused_and_not_recorded(
    node: Node, station: Station, payload: dict[str, object], code: str
) -> None:
    await promises.assert_refused_with(node, station, "BootNotification", payload, code)
    assert BOOTED not in node.log.topics()


async def test_a_boot_that_cannot_be_committed_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "BootNotification", a_boot_notification()
    )
    assert BOOTED not in node.log.topics()


async def test_a_retried_boot_gets_the_same_answer_and_is_recorded_once(
    node: Node, station: Station
) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "BootNotification", a_boot_notification()
    )
    assert node.log.topics().count(BOOTED) == 1


async def test_the_same_boot_under_a_new_unique_id_is_a_new_boot(
    node: Node, station: Station
) -> None:
    await station.call("BootNotification", a_boot_notification(), unique_id="b1")
    await station.call("BootNotification", a_boot_notification(), unique_id="b2")
    assert node.log.topics().count(BOOTED) == 2
