"""SignedFirmwareStatusNotification (OCPP 1.6 Security Whitepaper): a report on the box."""

from __future__ import annotations

from tests.support import promises
from tests.support.builders import a_signed_firmware_status
from tests.support.station import EXCHANGED, Node, Station

REPORTED = "cs.ChargeBox.Reported"


async def test_a_signed_firmware_status_is_confirmed_and_recorded_with_its_request_id(
    node: Node, station: Station
) -> None:
    answer = await station.call("SignedFirmwareStatusNotification", a_signed_firmware_status())
    assert answer == [3, answer[1], {}]
    assert node.last_unit() == [EXCHANGED, REPORTED]
    reported = node.last_unit_events()[1]
    assert (reported.subject, reported.status, reported.request_id) == (
        "signed_firmware",
        "SignatureVerified",
        7,
    )


async def test_it_is_kept_apart_from_plain_firmware_status(node: Node, station: Station) -> None:
    await station.call("FirmwareStatusNotification", {"status": "Installed"})
    await station.call(
        "SignedFirmwareStatusNotification", a_signed_firmware_status(status="Installed")
    )
    assert [r.subject for r in node.log.events(REPORTED)] == ["firmware", "signed_firmware"]


async def test_the_whitepapers_extra_statuses_are_taken(node: Node, station: Station) -> None:
    for status in ("InvalidSignature", "InstallVerificationFailed", "DownloadScheduled"):
        payload = a_signed_firmware_status(status=status, requestId=None)
        assert (await station.call("SignedFirmwareStatusNotification", payload))[0] == 3
    assert [r.status for r in node.log.events(REPORTED)] == [
        "InvalidSignature",
        "InstallVerificationFailed",
        "DownloadScheduled",
    ]


async def test_a_status_the_whitepaper_does_not_define_is_refused(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "SignedFirmwareStatusNotification",
        a_signed_firmware_status(status="Bricked"),
        "PropertyConstraintViolation",
    )


async def test_an_uncommitted_report_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "SignedFirmwareStatusNotification", a_signed_firmware_status()
    )
    assert REPORTED not in node.log.topics()


async def test_a_retried_report_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "SignedFirmwareStatusNotification", a_signed_firmware_status()
    )
    assert node.log.topics().count(REPORTED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "SignedFirmwareStatusNotification", a_signed_firmware_status()
    )
