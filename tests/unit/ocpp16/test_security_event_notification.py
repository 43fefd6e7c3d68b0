"""SecurityEventNotification (OCPP 1.6 Security Whitepaper): recorded on the box as sent."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import promises
from tests.support.builders import a_security_event
from tests.support.station import EXCHANGED, Node, Station

EVENT = "cs.ChargeBox.SecurityEventReported"


async def test_a_security_event_is_confirmed_and_recorded_with_when_it_happened(
    node: Node, station: Station
) -> None:
    node.clock.advance(minutes=3)
    answer = await station.call("SecurityEventNotification", a_security_event())
    assert answer == [3, answer[1], {}]
    assert node.last_unit() == [EXCHANGED, EVENT]
    _, event = node.last_unit_events()
    assert (event.event_type, event.tech_info) == ("FirmwareUpdated", "v2")
    assert event.occurred_at == datetime(2026, 11, 25, 9, 59, tzinfo=UTC)  # the box's time
    assert event.timestamp == datetime(2026, 11, 25, 10, 3, tzinfo=UTC)  # ours: received


async def test_any_event_type_is_kept_even_one_the_whitepaper_does_not_list(
    node: Node, station: Station
) -> None:
    payload = a_security_event(type="VendorTamperSwitchOpened", techInfo=None)
    assert (await station.call("SecurityEventNotification", payload))[0] == 3
    event = node.log.events(EVENT)[-1]
    assert (event.event_type, event.tech_info) == ("VendorTamperSwitchOpened", None)


async def test_an_event_without_a_valid_timestamp_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "SecurityEventNotification",
        a_security_event(timestamp="2026-13-01T00:00:00Z"),
        "TypeConstraintViolation",
    )
    await promises.assert_refused_with(
        node,
        station,
        "SecurityEventNotification",
        a_security_event(timestamp=None),
        "ProtocolError",
    )


async def test_a_type_longer_than_50_characters_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "SecurityEventNotification",
        a_security_event(type="T" * 51),
        "TypeConstraintViolation",
    )


async def test_an_uncommitted_event_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "SecurityEventNotification", a_security_event()
    )
    assert EVENT not in node.log.topics()


async def test_a_retried_event_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "SecurityEventNotification", a_security_event()
    )
    assert node.log.topics().count(EVENT) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "SecurityEventNotification", a_security_event()
    )
