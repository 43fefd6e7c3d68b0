"""The OCPP 2.0.1 commands: REST's operations as 2.0.1 CALLs, answers read into facts.

Operations whose meaning is the same in both versions take the same REST body as for
1.6 and become the 2.0.1 action (Part 2): reset (soft: OnIdle, hard: Immediate),
unlock-connector (the EVSE's connector 1), trigger-message, change-availability,
remote start and stop (RequestStartTransaction / RequestStopTransaction), clear-cache,
cancel-reservation, get-local-list-version and data-transfer. 1.6's connector is the
EVSE. An operation 2.0.1 does not share with 1.6 is refused, naming the version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cs.adapters.ocppj.casing import to_camel
from cs.adapters.ocppj.catalogue import Arguments, Catalogue, Command, nothing
from cs.adapters.ocppj.errors import RpcError
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.app.commands import effects as fx
from cs.app.commands.calls import Payload
from cs.app.errors import InvalidCommand

RESET_TYPE = {"soft": "OnIdle", "hard": "Immediate"}  # 1.6 Soft / Hard (B11, B12)


def _reset(arguments: Arguments) -> Payload:
    return {"type": RESET_TYPE[str(arguments["type"]).lower()]}


def _unlock(arguments: Arguments) -> Payload:
    return {"evseId": arguments["connector_id"], "connectorId": 1}


def _evse(arguments: Arguments) -> dict[str, Any] | None:
    connector = arguments.get("connector_id")
    return {"id": connector} if connector else None  # 0 or absent: the whole station


def _trigger(arguments: Arguments) -> Payload:
    payload: Payload = {"requestedMessage": arguments["requested_message"]}
    evse = _evse(arguments)
    if evse is not None:
        payload["evse"] = evse
    return payload


def _availability(arguments: Arguments) -> Payload:
    payload: Payload = {"operationalStatus": arguments["type"]}
    evse = _evse(arguments)
    if evse is not None:
        payload["evse"] = evse
    return payload


def _remote_start(arguments: Arguments) -> Payload:
    tag = arguments.get("id_tag") or arguments.get("token_id")
    payload: Payload = {
        "idToken": {"idToken": tag, "type": "Central"},
        "remoteStartId": arguments.get("remote_start_id"),
    }
    if arguments.get("connector_id") is not None:
        payload["evseId"] = arguments["connector_id"]
    if arguments.get("charging_profile") is not None:
        payload["chargingProfile"] = to_camel(arguments["charging_profile"])
    return payload


def _remote_stop(arguments: Arguments) -> Payload:
    station_transaction_id = arguments.get("station_transaction_id")
    if station_transaction_id is None:
        transaction = arguments.get("transaction_id") or arguments.get("session_id")
        raise InvalidCommand(
            f"no OCPP 2.0.1 transaction of this charge box has id {transaction}",
            problems=[
                {
                    "field": "transaction_id",
                    "message": "not a transaction this charge box started",
                    "type": "unknown_transaction",
                }
            ],
        )
    return {"transactionId": station_transaction_id}


def _plain(arguments: Arguments) -> Payload:
    payload: Payload = to_camel({k: v for k, v in arguments.items() if v is not None})
    return payload


def _remote_started(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if result.get("status") != "Accepted":
        return []
    return [fx.RemoteStartAccepted(str(sent["idToken"]["idToken"]), sent.get("evseId"))]


def _cancelled(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    accepted = result.get("status") == "Accepted"
    return [fx.ReservationCancelled(int(sent["reservationId"]))] if accepted else []


def _local_list_version(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    return [fx.LocalListVersionRead(int(result.get("versionNumber", 0)))]


COMMANDS: dict[str, Command] = {
    "cancel-reservation": Command("CancelReservation", _plain, _cancelled),
    "change-availability": Command("ChangeAvailability", _availability),
    "clear-cache": Command("ClearCache", _plain),
    "data-transfer": Command("DataTransfer", _plain),
    "get-local-list-version": Command("GetLocalListVersion", _plain, _local_list_version),
    "remote-start-transaction": Command("RequestStartTransaction", _remote_start, _remote_started),
    "remote-stop-transaction": Command("RequestStopTransaction", _remote_stop, nothing),
    "reset": Command("Reset", _reset),
    "trigger-message": Command("TriggerMessage", _trigger),
    "unlock-connector": Command("UnlockConnector", _unlock),
}


def _spell(error: RpcError) -> str:
    return error.code  # the error kinds are spelled as in 2.0.1


def catalogue(validator: PayloadValidator) -> Catalogue:
    """The 2.0.1 `CommandCatalogue`: builds and checks the CALL of an operation."""
    return Catalogue("OCPP 2.0.1", "ocpp2.0.1", COMMANDS, validator, _spell)
