"""Heartbeat (OCPP 1.6 section 4.6): our clock answered; the frames are the only record."""

from __future__ import annotations

from tests.support import promises
from tests.support.station import EXCHANGED, Node, Station


async def test_a_heartbeat_is_answered_with_our_current_time(node: Node, station: Station) -> None:
    node.clock.advance(hours=1, seconds=2.5)
    answer = await station.call("Heartbeat", {})
    assert answer == [3, answer[1], {"currentTime": "2026-11-25T11:00:02.500Z"}]


async def test_a_heartbeat_changes_no_aggregate_only_its_frames_are_recorded(
    node: Node, station: Station
) -> None:
    await station.call("Heartbeat", {})
    assert node.last_unit() == [EXCHANGED]
    (exchanged,) = node.last_unit_events()
    assert exchanged.originator_id == station.live.connection.aggregate.id
    assert exchanged.action == "Heartbeat"
    assert exchanged.reply.startswith("[3,")


async def test_a_box_that_never_booted_is_served(node: Node, station: Station) -> None:
    assert (await station.call("Heartbeat", {}))[0] == 3


async def test_a_null_payload_is_taken_as_empty(node: Node, station: Station) -> None:
    answer = await station.send('[2, "n1", "Heartbeat", null]', answered_by="n1")
    assert answer[:2] == [3, "n1"]
    assert "currentTime" in answer[2]


async def test_a_heartbeat_with_a_field_is_a_formation_violation(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node, station, "Heartbeat", {"extra": 1}, "FormationViolation"
    )


async def test_a_heartbeat_that_cannot_be_committed_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(node, station, "Heartbeat", {})


async def test_a_retried_heartbeat_gets_the_same_time_again(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "Heartbeat", {}
    )


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error("Heartbeat", {})
