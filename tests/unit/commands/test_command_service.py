"""The command use case (`CommandService.run`) end to end in memory: REST's side of a
command, down to the station's side of the socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import pytest

from cs.app.commands.calls import CommandRequest
from cs.app.commands.view import CommandView
from cs.app.errors import (
    CommandQueueFull,
    InvalidCommand,
    StationNotConnected,
    StationNotFound,
    StationUnreachable,
    UnsupportedOperation,
)
from tests.support.fakes import FakeRouter
from tests.support.station import NODE, RECEIVED, SENT, TENANT, Node, Reply, Station, a_node

REQUESTED, SENT_CMD = "cs.Command.Requested", "cs.Command.Sent"
ANSWERED, FAILED = "cs.Command.Answered", "cs.Command.Failed"
ACCEPTED = Reply(result={"status": "Accepted"})


def a_view(**overrides: object) -> CommandView:
    values: dict[str, object] = {
        "command_id": str(UUID(int=1)),
        "status": "queued",
        "operation": "reset",
        "action": "Reset",
        "msg_id": None,
        "tenant_id": TENANT,
        "charge_box_id": "CP-1",
        "requested_by": "ops",
        "requested_at": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        "request": {"type": "Soft"},
        "answer": None,
        "error": None,
        "transaction_id": None,
    }
    return CommandView(**{**values, **overrides})  # type: ignore[arg-type]


def a_request(
    operation: str = "clear-cache", charge_box_id: str = "CP-1", **arguments: object
) -> CommandRequest:
    return CommandRequest(TENANT, charge_box_id, operation, arguments, "ops")


async def test_a_command_is_recorded_before_its_call_leaves(node: Node, station: Station) -> None:
    station.answer("ClearCache", ACCEPTED)
    await node.command("CP-1", "clear-cache")
    call = station.calls[0]
    assert call.committed_before[-3:] == [REQUESTED, SENT, SENT_CMD]
    assert node.units()[-3:] == [[REQUESTED], [SENT, SENT_CMD], [RECEIVED, ANSWERED]]


async def test_an_answered_command_returns_the_answer_and_what_was_sent(
    node: Node, station: Station
) -> None:
    station.answer("Reset", Reply(result={"status": "Accepted"}))
    view = await node.command("CP-1", "reset", {"type": "hard"})
    call = station.calls[0]
    assert (call.action, call.payload) == ("Reset", {"type": "Hard"})
    assert (view.status, view.answer, view.error) == ("answered", {"status": "Accepted"}, None)
    assert (view.operation, view.action, view.request) == ("reset", "Reset", {"type": "Hard"})
    assert (view.msg_id, view.requested_by, view.charge_box_id) == (call.unique_id, "ops", "CP-1")
    received = node.last_unit_events()[0]
    assert received.response_to == "Reset"


async def test_a_callerror_answer_fails_the_command_with_its_code(
    node: Node, station: Station
) -> None:
    station.answer("Reset", Reply(error=("NotSupported", "no resets here")))
    view = await node.command("CP-1", "reset", {"type": "soft"})
    assert view.status == "failed"
    assert view.error == {"code": "NotSupported", "description": "no resets here", "details": {}}
    assert node.last_unit() == [RECEIVED, FAILED]


async def test_an_answer_that_breaks_the_schema_is_a_failure_not_a_success(
    node: Node, station: Station
) -> None:
    station.answer("Reset", Reply(result={"status": "Maybe"}))
    view = await node.command("CP-1", "reset", {"type": "soft"})
    assert view.status == "failed"
    assert view.error is not None
    assert view.error["code"] == "InvalidAnswer"


async def test_no_answer_in_time_times_out_and_a_late_answer_changes_nothing() -> None:
    async with a_node(call_timeout=0.05) as node:
        station = await node.connect()
        view = await node.command("CP-1", "clear-cache")
        assert view.status == "timed_out"
        assert node.last_unit() == ["cs.Command.TimedOut"]
        station.reply(station.calls[0].unique_id, ACCEPTED)
        assert (await station.call("Heartbeat", {}))[0] == 3  # the late answer was served
        late = node.log.events(RECEIVED)[-1]
        assert (late.response_to, ANSWERED in node.log.topics()) == ("ClearCache", False)
        stored = await node.use.commands.get(UUID(view.command_id))
        assert stored is not None
        assert stored.status == "timed_out"


async def test_a_disconnect_aborts_the_command_in_flight_and_the_queued_ones(
    node: Node, station: Station
) -> None:
    running = [asyncio.ensure_future(node.command("CP-1", "clear-cache")) for _ in range(3)]
    await station.received_call()
    await station.disconnect()
    views = await asyncio.wait_for(asyncio.gather(*running), 2)
    assert [v.status for v in views] == ["aborted"] * 3
    assert all("disconnected" in (v.error or {}).get("description", "") for v in views)
    assert len(station.calls) == 1  # the queued ones were never sent
    assert node.log.topics().count("cs.Command.Aborted") == 3


async def test_one_call_at_a_time_the_next_leaves_once_the_first_is_answered(
    node: Node, station: Station
) -> None:
    views = [await node.command("CP-1", "clear-cache", wait=False) for _ in range(2)]
    assert [v.status for v in views] == ["queued", "queued"]
    first = await station.received_call(1)
    await asyncio.sleep(0.01)
    assert len(station.calls) == 1  # OCPP-J 1.6 section 4.1.1
    station.reply(first.unique_id, ACCEPTED)
    second = await station.received_call(2)
    station.reply(second.unique_id, ACCEPTED)
    await node.until(lambda: node.log.topics().count(ANSWERED) == 2)


async def test_a_full_queue_refuses_the_command_before_recording_it() -> None:
    async with a_node(command_queue_size=1) as node:
        await node.connect()
        await node.command("CP-1", "clear-cache", wait=False)  # never answered
        with pytest.raises(CommandQueueFull) as full:
            await node.command("CP-1", "clear-cache")
        assert full.value.details["retry_after_seconds"] == 2  # the call timeout
        assert node.log.topics().count(REQUESTED) == 1


async def test_without_wait_the_command_is_returned_queued_and_can_be_read_later(
    node: Node, station: Station
) -> None:
    view = await node.command("CP-1", "clear-cache", wait=False)
    assert (view.status, view.msg_id) == ("queued", None)
    call = await station.received_call()
    station.reply(call.unique_id, ACCEPTED)
    await node.until(lambda: ANSWERED in node.log.topics())
    later = await node.use.commands.get(UUID(view.command_id))
    assert later is not None
    assert (later.status, later.msg_id) == ("answered", call.unique_id)


async def test_an_unknown_command_id_reads_as_none(node: Node) -> None:
    assert await node.use.commands.get(UUID(int=7)) is None


# --- where the command runs --------------------------------------------------------


async def test_a_station_unknown_anywhere_is_not_found_before_not_connected(node: Node) -> None:
    node.use.commands.router = router = FakeRouter(NODE)
    with pytest.raises(StationNotFound):
        await node.command("NOPE", "clear-cache")
    assert router.forwarded == []


async def test_a_known_station_not_connected_here_without_routing_is_not_connected(
    node: Node,
) -> None:
    station = await node.connect("CP-2")
    await station.disconnect()
    with pytest.raises(StationNotConnected):
        await node.command("CP-2", "clear-cache")
    assert REQUESTED not in node.log.topics()


async def test_a_station_held_by_another_node_gets_the_command_through_the_router(
    node: Node,
) -> None:
    await (await node.connect("CP-2")).disconnect()
    node.directory.hold(TENANT, "CP-2", "node-2")
    theirs = a_view(status="answered", charge_box_id="CP-2")
    node.use.commands.router = router = FakeRouter(NODE, result=theirs)
    assert await node.command("CP-2", "reset", {"type": "soft"}, wait=False) == theirs
    ((holder, request, wait, reply_within),) = router.forwarded
    assert (holder, request.operation, request.arguments, wait) == (
        "node-2",
        "reset",
        {"type": "soft"},
        False,
    )
    assert reply_within == 2.0 + 5.0  # the holder's own wait, and a margin
    assert REQUESTED not in node.log.topics()  # the holder records it, not us


async def test_what_the_holding_node_raises_reaches_the_caller(node: Node) -> None:
    await (await node.connect("CP-2")).disconnect()
    node.directory.hold(TENANT, "CP-2", "node-2")
    node.use.commands.router = FakeRouter(NODE, error=StationUnreachable("node-2 is away"))
    with pytest.raises(StationUnreachable):
        await node.command("CP-2", "clear-cache")


@pytest.mark.parametrize("holder", [None, NODE], ids=["no-holder", "stale-self"])
async def test_a_station_no_other_node_holds_is_not_connected(
    node: Node, holder: str | None
) -> None:
    await (await node.connect("CP-2")).disconnect()
    if holder is not None:
        node.directory.hold(TENANT, "CP-2", holder)
    node.use.commands.router = router = FakeRouter(NODE)
    with pytest.raises(StationNotConnected):
        await node.command("CP-2", "clear-cache")
    assert router.forwarded == []


async def test_a_command_routed_here_for_a_station_not_here_is_not_connected(
    node: Node,
) -> None:
    await (await node.connect("CP-2")).disconnect()
    with pytest.raises(StationNotConnected):
        await node.use.commands.run_here(a_request(charge_box_id="CP-2"))


# --- arguments, checked before anything is recorded --------------------------------


async def test_arguments_the_schema_refuses_are_invalid_and_nothing_is_recorded_or_sent(
    node: Node, station: Station
) -> None:
    with pytest.raises(InvalidCommand) as invalid:
        await node.command("CP-1", "change-availability", {"connector_id": 1, "type": "Broken"})
    assert invalid.value.details["problems"][0]["field"] == "type"
    assert invalid.value.details["problems"][0]["type"] == "PropertyConstraintViolation"
    assert (REQUESTED in node.log.topics(), station.calls) == (False, [])


async def test_an_operation_1_6_does_not_have_is_unsupported(node: Node, station: Station) -> None:
    with pytest.raises(UnsupportedOperation) as unsupported:
        await node.command("CP-1", "fly-to-the-moon")
    assert unsupported.value.details["version"] == "ocpp1.6"
    assert REQUESTED not in node.log.topics()


# --- what answers mean, applied in the answer's unit -------------------------------


async def test_an_accepted_configuration_change_is_kept_in_the_answers_unit(
    node: Node, station: Station
) -> None:
    station.answer("ChangeConfiguration", ACCEPTED)
    await node.command("CP-1", "change-configuration", {"key": "HeartbeatInterval", "value": "120"})
    assert node.last_unit() == [RECEIVED, ANSWERED, "cs.ChargeBox.ConfigurationChanged"]
    changed = node.last_unit_events()[2]
    assert (changed.key, changed.value, changed.status) == ("HeartbeatInterval", "120", "Accepted")


async def test_a_rejected_configuration_change_changes_nothing_on_the_station(
    node: Node, station: Station
) -> None:
    station.answer("ChangeConfiguration", Reply(result={"status": "Rejected"}))
    view = await node.command("CP-1", "change-configuration", {"key": "K", "value": "v"})
    assert view.status == "answered"  # the station said no: an answer, not a failure
    assert node.last_unit() == [RECEIVED, ANSWERED]


async def test_a_reservation_gets_our_id_and_is_kept_once_accepted(
    node: Node, station: Station
) -> None:
    station.answer("ReserveNow", ACCEPTED)
    view = await node.command(
        "CP-1",
        "reserve-now",
        {"connector_id": 1, "expiry_date": "2026-11-25T12:00:00Z", "id_tag": "TAG-V"},
    )
    assert node.reservation_ids.issued == [500]
    assert station.calls[0].payload["reservationId"] == view.request["reservationId"] == 500
    assert node.last_unit() == [RECEIVED, ANSWERED, "cs.ChargeBox.ReservationMade"]


async def test_the_local_list_is_built_from_the_registry_full_then_differential(
    node: Node, station: Station
) -> None:
    station.answer("SendLocalList", ACCEPTED)
    node.local_lists.put(TENANT, "L-1", "Accepted", at=node.clock.now(), parent_id_tag="FLEET")
    node.local_lists.put("other-tenant", "L-9", "Accepted", at=node.clock.now())
    await node.command("CP-1", "send-local-list", {"update_type": "Full"})
    full = station.calls[0].payload
    assert (full["listVersion"], full["updateType"]) == (1, "Full")
    assert full["localAuthorizationList"] == [
        {"idTag": "L-1", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}}
    ]
    assert node.last_unit()[-1] == "cs.ChargeBox.LocalListSent"
    synced = node.clock.now()
    node.clock.advance(minutes=1)
    node.local_lists.remove(TENANT, "L-1", at=node.clock.now())
    await node.command("CP-1", "send-local-list", {"update_type": "Differential"})
    diff = station.calls[1].payload
    assert (diff["listVersion"], diff["localAuthorizationList"]) == (2, [{"idTag": "L-1"}])
    assert node.local_lists.asked == [(TENANT, None), (TENANT, synced)]


async def test_commands_left_unfinished_by_a_previous_run_are_aborted(
    node: Node, station: Station
) -> None:
    view = await node.command("CP-1", "clear-cache", wait=False)
    await station.received_call()
    await node.use.commands.abort_orphans([UUID(view.command_id)], "central system restarted")
    assert node.last_unit() == ["cs.Command.Aborted"]


# --- a CALL that cannot leave ------------------------------------------------------


async def test_a_command_whose_call_cannot_be_recorded_ends_at_once_and_is_not_sent(
    node: Node, station: Station
) -> None:
    node.writer.fail_next(where=lambda topics: SENT_CMD in topics)
    view = await asyncio.wait_for(node.command("CP-1", "clear-cache"), 1)
    assert view.status == "aborted"
    assert station.calls == []
    assert SENT_CMD not in node.log.topics()
    # The connection's record is lost with that unit: its next message is not acknowledged.
    assert (await station.call("Heartbeat", {}))[2] == "InternalError"
    close = await station.ended()
    assert close is not None
    assert close[0] == 1011


async def test_a_command_whose_socket_broke_while_recording_its_call_is_aborted_at_once(
    node: Node, station: Station
) -> None:
    station.transport.break_sends()
    view = await asyncio.wait_for(node.command("CP-1", "clear-cache"), 1)
    assert view.status == "aborted"
    assert station.calls == []
    assert node.log.topics()[-3:] == [SENT, SENT_CMD, "cs.Command.Aborted"]
