"""The OCPP 1.6 commands (section 5): operations in, CALLs out, answers read into facts.

One entry per operation a central system can send. An operation's arguments are the
REST body's (snake_case JSON, `cs.http.operations`) plus what the command use case
decides itself (`reservation_id`, a local list's `list_version` and `entries`). The
CALL is checked against the 1.6 schema before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cs.adapters.ocpp16.errors import code
from cs.adapters.ocppj.casing import to_camel
from cs.adapters.ocppj.catalogue import REDACTED, Arguments, Catalogue, Command
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.app.commands import effects as fx
from cs.app.commands.calls import Payload
from cs.domain.datetimes import format_datetime, parse_datetime

# Ids the use case draws for the 2.0.1 requests of shared operations; 1.6 has no field.
OURS = frozenset({"request_id"})


def _plain(*dates: str) -> Callable[[Arguments], Payload]:
    """snake_case arguments -> camelCase payload; `dates` formatted as OCPP date-times."""

    def build(arguments: Arguments) -> Payload:
        values = {
            key: format_datetime(parse_datetime(value)) if key in dates else value
            for key, value in arguments.items()
            if value is not None and key not in OURS
        }
        payload: Payload = to_camel(values)
        return payload

    return build


def _remote_start(arguments: Arguments) -> Payload:
    payload: Payload = {"idTag": arguments.get("id_tag") or arguments.get("token_id")}
    if arguments.get("connector_id") is not None:
        payload["connectorId"] = arguments["connector_id"]
    if arguments.get("charging_profile") is not None:
        payload["chargingProfile"] = to_camel(arguments["charging_profile"])
    return payload


def _remote_stop(arguments: Arguments) -> Payload:
    transaction_id = arguments.get("transaction_id")
    return {
        "transactionId": transaction_id
        if transaction_id is not None
        else arguments.get("session_id")
    }


def _reset(arguments: Arguments) -> Payload:
    return {"type": str(arguments["type"]).capitalize()}


def _local_list(arguments: Arguments) -> Payload:
    return {
        "updateType": arguments["update_type"],
        "listVersion": arguments["list_version"],
        "localAuthorizationList": [_authorization(entry) for entry in arguments["entries"]],
    }


def _authorization(entry: Mapping[str, Any]) -> Payload:
    """Section 7.2 AuthorizationData: no idTagInfo means "remove this tag"."""
    item: Payload = {"idTag": entry["id_tag"]}
    if entry["registered"]:
        info: Payload = {"status": entry["status"]}
        if entry["expiry_date"] is not None:
            info["expiryDate"] = format_datetime(entry["expiry_date"])
        if entry["parent_id_tag"] is not None:
            info["parentIdTag"] = entry["parent_id_tag"]
        item["idTagInfo"] = info
    return item


# --- what answers mean ------------------------------------------------------------------


def _accepted(result: Payload) -> bool:
    return result.get("status") == "Accepted"


def _configuration(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    keys = list(result.get("configurationKey") or [])
    return [fx.ConfigurationRead(keys, list(result.get("unknownKey") or []))]


def _configuration_changed(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    status = str(result.get("status"))
    if status not in ("Accepted", "RebootRequired"):
        return []
    changed = fx.ConfigurationChanged(str(sent["key"]), str(sent["value"]), status)
    if sent["key"] == AUTHORIZATION_KEY and status == "Accepted":
        return [changed, fx.StationKeyAccepted()]
    return [changed]


# The key that holds the station's Basic auth password (OCPP 1.6 Security Whitepaper,
# section 2: profiles 1 and 2). It is write-only on the station; we record it redacted.
AUTHORIZATION_KEY = "AuthorizationKey"


def _authorization_key(payload: Payload) -> tuple[Payload, str] | None:
    if payload.get("key") != AUTHORIZATION_KEY:
        return None
    return {**payload, "value": REDACTED}, str(payload.get("value"))


def _remote_started(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    return [fx.RemoteStartAccepted(str(sent["idTag"]), sent.get("connectorId"))]


def _reserved(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    return [
        fx.Reserved(
            int(sent["reservationId"]),
            int(sent["connectorId"]),
            str(sent["idTag"]),
            sent.get("parentIdTag"),
            parse_datetime(str(sent["expiryDate"])),
        )
    ]


def _cancelled(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    return [fx.ReservationCancelled(int(sent["reservationId"]))] if _accepted(result) else []


def _local_list_sent(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    entries = len(sent.get("localAuthorizationList") or [])
    return [
        fx.LocalListSent(
            int(sent["listVersion"]), str(sent["updateType"]), entries, str(result.get("status"))
        )
    ]


def _local_list_version(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    return [fx.LocalListVersionRead(int(result.get("listVersion", 0)))]


def _profile_set(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    return [fx.ProfileInstalled(int(sent["connectorId"]), dict(sent["csChargingProfiles"]))]


def _profiles_cleared(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    return [fx.ProfilesCleared(dict(sent))] if _accepted(result) else []


COMMANDS: dict[str, Command] = {
    "cancel-reservation": Command("CancelReservation", _plain(), _cancelled),
    # Security Whitepaper (A02 and section 3.2): the chain for a station's CSR.
    "certificate-signed": Command("CertificateSigned", _plain()),
    "change-availability": Command("ChangeAvailability", _plain()),
    "change-configuration": Command(
        "ChangeConfiguration",
        _plain(),
        _configuration_changed,
        secret=_authorization_key,
        redacted_field="value",
    ),
    "clear-cache": Command("ClearCache", _plain()),
    "clear-charging-profile": Command("ClearChargingProfile", _plain(), _profiles_cleared),
    "data-transfer": Command("DataTransfer", _plain()),
    "get-composite-schedule": Command("GetCompositeSchedule", _plain()),
    "get-configuration": Command("GetConfiguration", _plain(), _configuration),
    "get-diagnostics": Command("GetDiagnostics", _plain("start_time", "stop_time")),
    "get-local-list-version": Command("GetLocalListVersion", _plain(), _local_list_version),
    "remote-start-transaction": Command("RemoteStartTransaction", _remote_start, _remote_started),
    "remote-stop-transaction": Command("RemoteStopTransaction", _remote_stop),
    "reserve-now": Command("ReserveNow", _plain("expiry_date"), _reserved),
    "reset": Command("Reset", _reset),
    "send-local-list": Command("SendLocalList", _local_list, _local_list_sent),
    "set-charging-profile": Command("SetChargingProfile", _plain(), _profile_set),
    "trigger-message": Command("TriggerMessage", _plain()),
    "unlock-connector": Command("UnlockConnector", _plain()),
    "update-firmware": Command("UpdateFirmware", _plain("retrieve_date")),
}


def catalogue(validator: PayloadValidator) -> Catalogue:
    """The 1.6 `CommandCatalogue`: builds and checks the CALL of an operation."""
    return Catalogue("OCPP 1.6", "ocpp1.6", COMMANDS, validator, code)
