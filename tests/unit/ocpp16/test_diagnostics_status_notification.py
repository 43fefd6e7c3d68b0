"""DiagnosticsStatusNotification (OCPP 1.6 section 4.4): recorded as a report on the box."""

from __future__ import annotations

from tests.support import promises
from tests.support.builders import a_diagnostics_status
from tests.support.station import EXCHANGED, Node, Station

REPORTED = "cs.ChargeBox.Reported"


async def test_each_diagnostics_status_is_confirmed_and_recorded_as_sent(
    node: Node, station: Station
) -> None:
    for status in ("Idle", "Uploading", "UploadFailed", "Uploaded"):
        answer = await station.call("DiagnosticsStatusNotification", a_diagnostics_status(status))
        assert answer == [3, answer[1], {}]
        assert node.last_unit() == [EXCHANGED, REPORTED]
        reported = node.last_unit_events()[1]
        assert (reported.subject, reported.status, reported.request_id) == (
            "diagnostics",
            status,
            None,
        )
        assert (reported.message_id, reported.connection_id) == (
            answer[1],
            station.live.connection_id,
        )


async def test_a_status_1_6_does_not_define_is_a_property_constraint_violation(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "DiagnosticsStatusNotification",
        a_diagnostics_status("Exploded"),
        "PropertyConstraintViolation",
    )


async def test_a_notification_without_status_is_a_protocol_error(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node, station, "DiagnosticsStatusNotification", {}, "ProtocolError"
    )


async def test_an_uncommitted_report_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "DiagnosticsStatusNotification", a_diagnostics_status()
    )
    assert REPORTED not in node.log.topics()


async def test_a_retried_report_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "DiagnosticsStatusNotification", a_diagnostics_status()
    )
    assert node.log.topics().count(REPORTED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "DiagnosticsStatusNotification", a_diagnostics_status()
    )
