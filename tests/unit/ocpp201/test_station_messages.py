"""BootNotification, StatusNotification, Authorize, MeterValues and the notifications of a
2.0.1 station: recorded on the charge box in central-system terms, the frame kept as sent."""

from __future__ import annotations

from typing import Any

from tests.support.station import EXCHANGED, Node, Station
from tests.unit.ocpp201.conftest import OCPP201, T0, a_boot, a_token, energy


def recorded(node: Node) -> Any:
    """The last event of the last unit (what the message changed), as stored."""
    return node.last_unit_events()[-1]


async def test_a_boot_records_who_the_station_is(node: Node) -> None:
    station = await node.connect("CP-2", subprotocol=OCPP201)
    payload = a_boot(serialNumber="S-1", firmwareVersion="3.1", modem={"iccid": "89", "imsi": "26"})
    answer = await station.call("BootNotification", payload)
    assert answer[2]["status"] == "Accepted"
    assert answer[2]["interval"] > 0
    assert node.last_unit() == [EXCHANGED, "cs.ChargeBox.Booted"]
    boot = recorded(node)
    assert (boot.charge_point_vendor, boot.charge_point_model) == ("Keba", "KC-P30")
    assert (boot.charge_point_serial_number, boot.firmware_version) == ("S-1", "3.1")
    assert (boot.iccid, boot.imsi, boot.status) == ("89", "26", "Accepted")


async def test_a_status_is_kept_per_evse_with_its_connector_named(
    node: Node, station: Station
) -> None:
    status = {"timestamp": T0, "connectorStatus": "Occupied", "evseId": 2, "connectorId": 1}
    assert (await station.call("StatusNotification", status))[2] == {}
    notified = recorded(node)
    assert (notified.connector_id, notified.status) == (2, "Occupied")
    assert (notified.evse_connector_id, notified.info, notified.error_code) == (1, None, "NoError")


async def test_an_id_token_is_decided_like_an_id_tag_with_its_group(
    node: Node, station: Station
) -> None:
    await node.register_tag("GROUP")
    await node.register_tag("TAG-1", parent_id_tag="GROUP")
    answer = await station.call("Authorize", {"idToken": a_token("TAG-1")})
    assert answer[2] == {
        "idTokenInfo": {
            "status": "Accepted",
            "groupIdToken": {"idToken": "GROUP", "type": "Central"},
        }
    }
    answer = await station.call("Authorize", {"idToken": a_token("NOBODY", "KeyCode")})
    assert answer[2]["idTokenInfo"]["status"] == "Invalid"


async def test_meter_values_outside_a_transaction_go_to_the_station_as_sent(
    node: Node, station: Station
) -> None:
    values = [energy(1500.0)]
    await station.call("MeterValues", {"evseId": 0, "meterValue": values})
    assert node.last_unit() == [EXCHANGED, "cs.ChargeBox.MeterValuesReported"]
    assert recorded(node).meter_values == values


async def test_reports_are_recorded_and_notifications_acknowledged(
    node: Node, station: Station
) -> None:
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("FirmwareStatusNotification", {"status": "Downloading", "requestId": 4}, {}),
        ("LogStatusNotification", {"status": "Uploading", "requestId": 5}, {}),
        ("SecurityEventNotification", {"type": "StartupOfTheDevice", "timestamp": T0}, {}),
        ("SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"}, {"status": "Rejected"}),
        (
            "NotifyEvent",
            {"generatedAt": T0, "seqNo": 0, "eventData": [_an_event_datum()]},
            {},
        ),
        ("NotifyEVChargingNeeds", _charging_needs(), {"status": "Rejected"}),
        (
            "DataTransfer",
            {"vendorId": "org.chargegrid", "messageId": "echo", "data": {"a": 1}},
            None,
        ),
    ]
    for action, payload, expected in calls:
        answer = await station.call(action, payload)
        assert answer[0] == 3, (action, answer)
        if expected is not None:
            assert answer[2] == expected, action
    topics = list(node.units()[-len(calls) :])
    assert topics == [
        [EXCHANGED, "cs.ChargeBox.Reported"],
        [EXCHANGED, "cs.ChargeBox.Reported"],
        [EXCHANGED, "cs.ChargeBox.SecurityEventReported"],
        [EXCHANGED, "cs.ChargeBox.CertificateSigningRequested"],
        [EXCHANGED],
        [EXCHANGED],
        [EXCHANGED, "cs.ChargeBox.DataTransferred"],
    ]
    echoed = await station.call(
        "DataTransfer", {"vendorId": "org.chargegrid", "messageId": "echo", "data": "hi"}
    )
    assert echoed[2] == {"status": "Accepted", "data": "hi"}


def _an_event_datum() -> dict[str, Any]:
    return {
        "eventId": 1,
        "timestamp": T0,
        "trigger": "Alerting",
        "actualValue": "Faulted",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "Connector"},
        "variable": {"name": "Problem"},
    }


def _charging_needs() -> dict[str, Any]:
    return {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"}}
