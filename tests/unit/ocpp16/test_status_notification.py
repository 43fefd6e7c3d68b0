"""StatusNotification (OCPP 1.6 section 4.9): every status recorded on the box, in order."""

from __future__ import annotations

import pytest

from cs.domain.ocpp16 import ChargePointErrorCode, ChargePointStatus
from tests.support import promises
from tests.support.builders import a_status_notification
from tests.support.station import EXCHANGED, Node, Station

NOTIFIED = "cs.ChargeBox.StatusNotified"


async def test_a_status_is_confirmed_with_an_empty_answer(node: Node, station: Station) -> None:
    answer = await station.call("StatusNotification", a_status_notification())
    assert answer == [3, answer[1], {}]


async def test_the_status_is_recorded_between_its_frames_with_everything_sent(
    node: Node, station: Station
) -> None:
    report = a_status_notification(
        connectorId=2,
        status="Faulted",
        errorCode="GroundFailure",
        info="RCD tripped",
        vendorId="com.acme",
        vendorErrorCode="E42",
    )
    await station.call("StatusNotification", report, unique_id="s1")
    assert node.last_unit() == [EXCHANGED, NOTIFIED]
    notified = node.last_unit_events()[1]
    assert (notified.connector_id, notified.status, notified.error_code) == (
        2,
        "Faulted",
        "GroundFailure",
    )
    assert (notified.info, notified.vendor_id, notified.vendor_error_code) == (
        "RCD tripped",
        "com.acme",
        "E42",
    )
    assert notified.reported_at.isoformat() == "2026-11-25T10:00:00+00:00"
    assert (notified.message_id, notified.connection_id) == ("s1", station.live.connection_id)


async def test_a_status_without_a_timestamp_is_recorded_without_one(
    node: Node, station: Station
) -> None:
    await station.call("StatusNotification", a_status_notification(timestamp=None))
    assert node.log.events(NOTIFIED)[-1].reported_at is None


async def test_connector_0_is_the_charge_point_itself(node: Node, station: Station) -> None:
    assert (await station.call("StatusNotification", a_status_notification(connectorId=0)))[0] == 3
    assert node.log.events(NOTIFIED)[-1].connector_id == 0


async def test_every_status_and_error_code_of_1_6_is_taken_in_the_order_sent(
    node: Node, station: Station
) -> None:
    sent = [(status.value, "NoError") for status in ChargePointStatus]
    sent += [("Faulted", code.value) for code in ChargePointErrorCode]
    for status, code in sent:
        report = a_status_notification(status=status, errorCode=code)
        assert (await station.call("StatusNotification", report))[0] == 3
    recorded = [(e.status, e.error_code) for e in node.log.events(NOTIFIED)]
    assert recorded == sent


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"connectorId": -1}, "PropertyConstraintViolation"),
        ({"status": "Occupied"}, "PropertyConstraintViolation"),
        ({"connectorId": "1"}, "TypeConstraintViolation"),
        ({"connectorId": 2**31}, "TypeConstraintViolation"),  # xs:int in OCPP 1.6
        ({"errorCode": None}, "ProtocolError"),
        ({"timestamp": "yesterday"}, "TypeConstraintViolation"),
        ({"colour": "red"}, "FormationViolation"),
    ],
    ids=[
        "negative-connector",
        "unknown-status",
        "connector-a-string",
        "connector-beyond-int32",
        "no-error-code",
        "not-a-date",
        "unknown-field",
    ],
)
async def test_a_status_that_breaks_the_rules_is_refused_and_not_recorded(
    node: Node, station: Station, overrides: dict[str, object], code: str
) -> None:
    payload = a_status_notification(**overrides)
    await promises.assert_refused_with(node, station, "StatusNotification", payload, code)
    assert NOTIFIED not in node.log.topics()


async def test_a_status_that_cannot_be_committed_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "StatusNotification", a_status_notification()
    )
    assert NOTIFIED not in node.log.topics()


async def test_a_retried_status_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "StatusNotification", a_status_notification()
    )
    assert node.log.topics().count(NOTIFIED) == 1


async def test_a_unique_id_reused_with_another_payload_is_a_new_message(
    node: Node, station: Station
) -> None:
    await station.call("StatusNotification", a_status_notification(), unique_id="u")
    await station.call(
        "StatusNotification", a_status_notification(status="Charging"), unique_id="u"
    )
    assert [e.status for e in node.log.events(NOTIFIED)] == ["Available", "Charging"]


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "StatusNotification", a_status_notification()
    )
