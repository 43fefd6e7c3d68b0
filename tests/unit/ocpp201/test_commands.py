"""Commands to a 2.0.1 station: the operations both versions share, as 2.0.1 CALLs."""

from __future__ import annotations

import pytest

from cs.app.errors import InvalidCommand, StationPending, UnsupportedOperation
from cs.domain import ids
from cs.domain.command import Command
from cs.domain.registration import RegistrationStatus
from tests.support.builders import a_boot_notification
from tests.support.station import Node, Reply, Station
from tests.unit.ocpp201.conftest import a_boot, a_token, an_event

ACCEPTED = Reply(result={"status": "Accepted"})


@pytest.mark.parametrize(
    ("operation", "arguments", "action", "payload"),
    [
        ("reset", {"type": "soft"}, "Reset", {"type": "OnIdle"}),
        ("reset", {"type": "Hard"}, "Reset", {"type": "Immediate"}),
        (
            "unlock-connector",
            {"connector_id": 2},
            "UnlockConnector",
            {"evseId": 2, "connectorId": 1},
        ),
        (
            "change-availability",
            {"connector_id": 0, "type": "Inoperative"},
            "ChangeAvailability",
            {"operationalStatus": "Inoperative"},
        ),
        (
            "trigger-message",
            {"requested_message": "StatusNotification", "connector_id": 1},
            "TriggerMessage",
            {"requestedMessage": "StatusNotification", "evse": {"id": 1}},
        ),
        ("clear-cache", {}, "ClearCache", {}),
    ],
)
async def test_shared_operations_become_their_2_0_1_call(
    node: Node,
    station: Station,
    operation: str,
    arguments: dict[str, object],
    action: str,
    payload: dict[str, object],
) -> None:
    answer = {"status": "Unlocked" if action == "UnlockConnector" else "Accepted"}
    station.answer(action, Reply(result=answer))
    view = await node.command("CP-1", operation, arguments)
    assert (station.calls[0].action, station.calls[0].payload) == (action, payload)
    assert (view.status, view.answer) == ("answered", answer)


async def test_an_operation_only_1_6_has_is_refused_naming_the_version(
    node: Node, station: Station
) -> None:
    with pytest.raises(UnsupportedOperation) as refused:
        await node.command("CP-1", "get-configuration", {})
    assert "OCPP 2.0.1" in str(refused.value)
    assert refused.value.details["version"] == "ocpp2.0.1"
    assert station.calls == []


async def test_a_trigger_of_a_message_2_0_1_lacks_names_the_field(
    node: Node, station: Station
) -> None:
    with pytest.raises(InvalidCommand) as refused:
        await node.command(
            "CP-1", "trigger-message", {"requested_message": "DiagnosticsStatusNotification"}
        )
    assert refused.value.details["problems"][0]["field"] == "requested_message"


async def test_a_remote_start_is_linked_to_the_transaction_it_causes(
    node: Node, station: Station
) -> None:
    station.answer("RequestStartTransaction", ACCEPTED)
    view = await node.command(
        "CP-1", "remote-start-transaction", {"id_tag": "TAG-1", "connector_id": 1}
    )
    call = station.calls[0].payload
    assert call["idToken"] == {"idToken": "TAG-1", "type": "Central"}
    assert call["evseId"] == 1
    assert isinstance(call["remoteStartId"], int)
    event = an_event(
        idToken=a_token("TAG-1", "Central"),
        trigger="RemoteStart",
        info={"remoteStartId": call["remoteStartId"]},
    )
    await station.call("TransactionEvent", event)
    command = node.log.rebuild(ids.UUID(view.command_id))
    assert isinstance(command, Command)
    assert command.transaction_id == 1


async def test_a_remote_stop_names_the_stations_transaction(node: Node, station: Station) -> None:
    await station.call("TransactionEvent", an_event(transaction_id="AB-77"))
    station.answer("RequestStopTransaction", ACCEPTED)
    await node.command("CP-1", "remote-stop-transaction", {"transaction_id": 1})
    assert station.calls[0].payload == {"transactionId": "AB-77"}
    with pytest.raises(InvalidCommand):
        await node.command("CP-1", "remote-stop-transaction", {"transaction_id": 99})


@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_a_pending_station_is_sent_provisioning_only(node: Node, subprotocol: str) -> None:
    await node.register("CP-P", RegistrationStatus.PENDING)
    station = await node.connect("CP-P", subprotocol=subprotocol)
    boot = a_boot() if subprotocol == "ocpp2.0.1" else a_boot_notification()
    assert (await station.call("BootNotification", boot))[2]["status"] == "Pending"
    start = {"id_tag": "TAG-1", "connector_id": 1}
    with pytest.raises(StationPending) as refused:  # B02.FR.05, 1.6 section 4.2
        await node.command("CP-P", "remote-start-transaction", start)
    assert "trigger-message" in refused.value.details["allowed"]
    assert station.calls == []  # nothing sent, nothing recorded
    assert node.log.topics("cs.Command.") == []
    station.answer("TriggerMessage", ACCEPTED)
    trigger = {"requested_message": "BootNotification"}
    view = await node.command("CP-P", "trigger-message", trigger)
    assert view.status == "answered"  # provisioning goes through
