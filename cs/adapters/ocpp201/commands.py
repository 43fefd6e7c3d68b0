"""The OCPP 2.0.1 commands: REST's operations as 2.0.1 CALLs, answers read into facts.

Operations whose meaning is the same in both versions take the same REST body as for
1.6 and become the 2.0.1 action (Part 2): reset (soft: OnIdle, hard: Immediate),
unlock-connector (the EVSE's connector 1), trigger-message, change-availability,
remote start and stop (RequestStartTransaction / RequestStopTransaction), clear-cache,
cancel-reservation, get-local-list-version, send-local-list (idTokens from the same
registry), reserve-now, set-, clear-charging-profile, get-composite-schedule,
update-firmware, get-diagnostics (GetLog of a DiagnosticsLog) and data-transfer. 1.6's
connector is the EVSE. 2.0.1's own operations (the device model, reports, logs,
network profiles, certificates) take the 2.0.1 request in snake_case. The 1.6-only
configuration operations are refused, naming the version. Ids a request needs
(`requestId`, a reservation's `id`) are the central system's, drawn by the use case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cs.adapters.ocpp201 import certificates
from cs.adapters.ocpp201.variables import basic_auth_password, variables
from cs.adapters.ocppj.casing import to_camel
from cs.adapters.ocppj.catalogue import Arguments, Catalogue, Command, nothing
from cs.adapters.ocppj.errors import RpcError
from cs.adapters.ocppj.schemas import PayloadValidator
from cs.app.commands import effects as fx
from cs.app.commands.calls import Payload
from cs.app.errors import InvalidCommand
from cs.domain.datetimes import format_datetime, parse_datetime

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


def _date(value: Any) -> str:
    return format_datetime(parse_datetime(str(value)))


def _token(value: Any, kind: Any = None) -> Payload:
    return {"idToken": value, "type": kind or "ISO14443"}


def _reserve(arguments: Arguments) -> Payload:
    payload: Payload = {
        "id": arguments["reservation_id"],
        "expiryDateTime": _date(arguments["expiry_date"]),
        "idToken": _token(arguments["id_tag"], arguments.get("id_token_type")),
    }
    if arguments.get("connector_id"):  # 0: any EVSE
        payload["evseId"] = arguments["connector_id"]
    if arguments.get("parent_id_tag") is not None:
        payload["groupIdToken"] = {"idToken": arguments["parent_id_tag"], "type": "Central"}
    if arguments.get("connector_type") is not None:
        payload["connectorType"] = arguments["connector_type"]
    return payload


def _local_list(arguments: Arguments) -> Payload:
    """SendLocalList (D01): the registry's entries; no idTokenInfo means "remove"."""
    entries = []
    for entry in arguments["entries"]:
        item: Payload = {"idToken": _token(entry["id_tag"])}
        if entry["registered"]:
            info: Payload = {"status": entry["status"]}
            if entry["expiry_date"] is not None:
                info["cacheExpiryDateTime"] = format_datetime(entry["expiry_date"])
            if entry["parent_id_tag"] is not None:
                info["groupIdToken"] = {"idToken": entry["parent_id_tag"], "type": "Central"}
            item["idTokenInfo"] = info
        entries.append(item)
    payload: Payload = {
        "versionNumber": arguments["list_version"],
        "updateType": arguments["update_type"],
    }
    if entries:
        payload["localAuthorizationList"] = entries  # the schema wants at least one item
    return payload


PURPOSE = {"ChargePointMaxProfile": "ChargingStationMaxProfile"}  # 1.6's name for it


def _set_profile(arguments: Arguments) -> Payload:
    return {
        "evseId": arguments["connector_id"],
        "chargingProfile": to_camel(arguments["cs_charging_profiles"]),
    }


def _clear_profile(arguments: Arguments) -> Payload:
    payload: Payload = {}
    if arguments.get("id") is not None:
        payload["chargingProfileId"] = arguments["id"]
    criteria: Payload = {}
    if arguments.get("connector_id") is not None:
        criteria["evseId"] = arguments["connector_id"]
    purpose = arguments.get("charging_profile_purpose")
    if purpose is not None:
        criteria["chargingProfilePurpose"] = PURPOSE.get(purpose, purpose)
    if arguments.get("stack_level") is not None:
        criteria["stackLevel"] = arguments["stack_level"]
    if criteria:
        payload["chargingProfileCriteria"] = criteria
    return payload


def _composite(arguments: Arguments) -> Payload:
    payload: Payload = {"evseId": arguments["connector_id"], "duration": arguments["duration"]}
    if arguments.get("charging_rate_unit") is not None:
        payload["chargingRateUnit"] = arguments["charging_rate_unit"]
    return payload


def _firmware(arguments: Arguments) -> Payload:
    firmware: Payload = {
        "location": arguments["location"],
        "retrieveDateTime": _date(arguments["retrieve_date"]),
    }
    if arguments.get("install_date") is not None:
        firmware["installDateTime"] = _date(arguments["install_date"])
    for field, name in (("signing_certificate", "signingCertificate"), ("signature", "signature")):
        if arguments.get(field) is not None:
            firmware[name] = arguments[field]
    return {"requestId": arguments["request_id"], "firmware": firmware, **_retries(arguments)}


def _retries(arguments: Arguments) -> Payload:
    return {
        name: arguments[field]
        for field, name in (("retries", "retries"), ("retry_interval", "retryInterval"))
        if arguments.get(field) is not None
    }


def _log(log_type: str | None) -> Any:
    """GetLog (N01); get-diagnostics (1.6's location, start, stop) is a DiagnosticsLog."""

    def build(arguments: Arguments) -> Payload:
        log: Payload = {"remoteLocation": arguments.get("remote_location") or arguments["location"]}
        for fields, name in (
            (("oldest_timestamp", "start_time"), "oldestTimestamp"),
            (("latest_timestamp", "stop_time"), "latestTimestamp"),
        ):
            for field in fields:
                if arguments.get(field) is not None:
                    log[name] = _date(arguments[field])
        return {
            "logType": log_type or arguments["log_type"],
            "requestId": arguments["request_id"],
            "log": log,
            **_retries(arguments),
        }

    return build


def _remote_started(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if result.get("status") != "Accepted":
        return []
    return [fx.RemoteStartAccepted(str(sent["idToken"]["idToken"]), sent.get("evseId"))]


def _cancelled(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    accepted = result.get("status") == "Accepted"
    return [fx.ReservationCancelled(int(sent["reservationId"]))] if accepted else []


def _local_list_version(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    return [fx.LocalListVersionRead(int(result.get("versionNumber", 0)))]


def _accepted(result: Payload) -> bool:
    return result.get("status") == "Accepted"


def _reserved(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    group = sent.get("groupIdToken")
    return [
        fx.Reserved(
            int(sent["id"]),
            int(sent.get("evseId", 0)),
            str(sent["idToken"]["idToken"]),
            str(group["idToken"]) if group else None,
            parse_datetime(str(sent["expiryDateTime"])),
        )
    ]


def _local_list_sent(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    entries = len(sent.get("localAuthorizationList") or [])
    return [
        fx.LocalListSent(
            int(sent["versionNumber"]), str(sent["updateType"]), entries, str(result.get("status"))
        )
    ]


def _profile_set(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    return [fx.ProfileInstalled(int(sent["evseId"]), dict(sent["chargingProfile"]))]


def _profiles_cleared(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if not _accepted(result):
        return []
    criteria = dict(sent.get("chargingProfileCriteria") or {})
    if "chargingProfileId" in sent:
        criteria["id"] = sent["chargingProfileId"]
    if "evseId" in criteria:  # the read model keeps 1.6's connector column for the EVSE
        criteria["connectorId"] = criteria.pop("evseId")
    return [fx.ProfilesCleared(criteria)]


COMMANDS: dict[str, Command] = {
    "cancel-reservation": Command("CancelReservation", _plain, _cancelled),
    "certificate-signed": Command("CertificateSigned", _plain),
    "change-availability": Command("ChangeAvailability", _availability),
    "clear-cache": Command("ClearCache", _plain),
    "clear-charging-profile": Command("ClearChargingProfile", _clear_profile, _profiles_cleared),
    "data-transfer": Command("DataTransfer", _plain),
    "delete-certificate": Command("DeleteCertificate", _plain, certificates.deleted),
    "get-base-report": Command("GetBaseReport", _plain),
    "get-charging-profiles": Command("GetChargingProfiles", _plain),
    "get-composite-schedule": Command(
        "GetCompositeSchedule", _composite, fields={"evse_id": "connector_id"}
    ),
    "get-diagnostics": Command(
        "GetLog", _log("DiagnosticsLog"), fields={"log.remote_location": "location"}
    ),
    "get-installed-certificate-ids": Command(
        "GetInstalledCertificateIds", _plain, certificates.listed
    ),
    "get-local-list-version": Command("GetLocalListVersion", _plain, _local_list_version),
    "get-log": Command("GetLog", _log(None), fields={"log.remote_location": "remote_location"}),
    "get-report": Command("GetReport", _plain),
    "get-transaction-status": Command("GetTransactionStatus", _plain),
    "get-variables": Command("GetVariables", _plain, variables("read")),
    "install-certificate": Command("InstallCertificate", _plain, certificates.installed),
    "remote-start-transaction": Command("RequestStartTransaction", _remote_start, _remote_started),
    "remote-stop-transaction": Command("RequestStopTransaction", _remote_stop, nothing),
    "reserve-now": Command(
        "ReserveNow",
        _reserve,
        _reserved,
        {
            "id_token.id_token": "id_tag",
            "id_token.type": "id_token_type",
            "expiry_date_time": "expiry_date",
            "evse_id": "connector_id",
            "group_id_token.id_token": "parent_id_tag",
        },
    ),
    "reset": Command("Reset", _reset),
    "send-local-list": Command("SendLocalList", _local_list, _local_list_sent),
    "set-charging-profile": Command(
        "SetChargingProfile",
        _set_profile,
        _profile_set,
        {"charging_profile": "cs_charging_profiles", "evse_id": "connector_id"},
    ),
    "set-network-profile": Command("SetNetworkProfile", _plain),
    "set-variables": Command(
        "SetVariables",
        _plain,
        variables("set"),
        secret=basic_auth_password,
        redacted_field="set_variable_data[].attribute_value",
    ),
    "trigger-message": Command("TriggerMessage", _trigger),
    "unlock-connector": Command("UnlockConnector", _unlock),
    "update-firmware": Command(
        "UpdateFirmware",
        _firmware,
        fields={
            "firmware.location": "location",
            "firmware.retrieve_date_time": "retrieve_date",
            "firmware.install_date_time": "install_date",
            "firmware.signing_certificate": "signing_certificate",
            "firmware.signature": "signature",
        },
    ),
}


def _spell(error: RpcError) -> str:
    return error.code  # the error kinds are spelled as in 2.0.1


def catalogue(validator: PayloadValidator) -> Catalogue:
    """The 2.0.1 `CommandCatalogue`: builds and checks the CALL of an operation."""
    return Catalogue("OCPP 2.0.1", "ocpp2.0.1", COMMANDS, validator, _spell)
