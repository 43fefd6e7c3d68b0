"""FirmwareStatusNotification (OCPP 1.6 section 4.5): recorded as a report on the box."""

from __future__ import annotations

from tests.support import promises
from tests.support.builders import a_firmware_status
from tests.support.station import EXCHANGED, Node, Station

REPORTED = "cs.ChargeBox.Reported"
STATUSES = (
    "Downloading",
    "Downloaded",
    "DownloadFailed",
    "Installing",
    "Installed",
    "InstallationFailed",
    "Idle",
)


async def test_each_firmware_status_is_confirmed_and_recorded_in_order(
    node: Node, station: Station
) -> None:
    for status in STATUSES:
        answer = await station.call("FirmwareStatusNotification", a_firmware_status(status))
        assert answer == [3, answer[1], {}]
        assert node.last_unit() == [EXCHANGED, REPORTED]
    reports = node.log.events(REPORTED)
    assert [(r.subject, r.status) for r in reports] == [("firmware", s) for s in STATUSES]
    assert {r.request_id for r in reports} == {None}


async def test_a_signed_firmware_status_is_not_a_1_6_firmware_status(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "FirmwareStatusNotification",
        a_firmware_status("SignatureVerified"),
        "PropertyConstraintViolation",
    )


async def test_a_request_id_is_not_part_of_this_message(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "FirmwareStatusNotification",
        {"status": "Installed", "requestId": 1},
        "FormationViolation",
    )


async def test_an_uncommitted_report_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "FirmwareStatusNotification", a_firmware_status()
    )
    assert REPORTED not in node.log.topics()


async def test_a_retried_report_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "FirmwareStatusNotification", a_firmware_status()
    )
    assert node.log.topics().count(REPORTED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "FirmwareStatusNotification", a_firmware_status()
    )
