"""LogStatusNotification (OCPP 1.6 Security Whitepaper): recorded as a report on the box."""

from __future__ import annotations

from tests.support import promises
from tests.support.builders import a_log_status
from tests.support.station import EXCHANGED, Node, Station

REPORTED = "cs.ChargeBox.Reported"


async def test_a_log_status_is_confirmed_and_recorded_with_its_request_id(
    node: Node, station: Station
) -> None:
    answer = await station.call("LogStatusNotification", a_log_status(requestId=8))
    assert answer == [3, answer[1], {}]
    assert node.last_unit() == [EXCHANGED, REPORTED]
    reported = node.last_unit_events()[1]
    assert (reported.subject, reported.status, reported.request_id) == ("log", "Uploading", 8)


async def test_the_request_id_is_optional(node: Node, station: Station) -> None:
    await station.call("LogStatusNotification", a_log_status(status="Idle", requestId=None))
    reported = node.log.events(REPORTED)[-1]
    assert (reported.status, reported.request_id) == ("Idle", None)


async def test_a_status_the_whitepaper_does_not_define_is_refused(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "LogStatusNotification",
        a_log_status(status="Lost"),
        "PropertyConstraintViolation",
    )


async def test_a_request_id_that_is_not_an_integer_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "LogStatusNotification",
        a_log_status(requestId="8"),
        "TypeConstraintViolation",
    )


async def test_an_uncommitted_report_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "LogStatusNotification", a_log_status()
    )
    assert REPORTED not in node.log.topics()


async def test_a_retried_report_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "LogStatusNotification", a_log_status()
    )
    assert node.log.topics().count(REPORTED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "LogStatusNotification", a_log_status()
    )
