"""Answers a simulated charge point gives to every call a central system can send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def answer(action: str, payload: dict[str, Any], config: dict[str, str]) -> dict[str, Any] | None:
    """The CALLRESULT payload for a CALL from the central system, or None if unknown.

    `config` is the charge point's configuration, changed by ChangeConfiguration.
    """
    if action == "ChangeConfiguration":
        key = str(payload.get("key", ""))
        if key.startswith("ReadOnly"):
            return {"status": "Rejected"}
        config[key] = str(payload.get("value", ""))
        return {"status": "Accepted"}
    if action == "GetConfiguration":
        wanted = payload.get("key") or list(config)
        known = [
            {"key": k, "readonly": k.startswith("ReadOnly"), "value": config[k]}
            for k in wanted
            if k in config
        ]
        unknown = [k for k in wanted if k not in config]
        result: dict[str, Any] = {"configurationKey": known}
        if unknown:
            result["unknownKey"] = unknown
        return result
    if action == "GetCompositeSchedule":
        return {
            "status": "Accepted",
            "connectorId": payload.get("connectorId", 0),
            "scheduleStart": _now(),
            "chargingSchedule": {
                "duration": payload.get("duration", 0),
                "chargingRateUnit": payload.get("chargingRateUnit", "A"),
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        }
    if action == "GetDiagnostics":
        return {"fileName": "diagnostics.log"}
    if action == "GetLocalListVersion":
        return {"listVersion": int(config.get("LocalListVersion", "0"))}
    if action == "SendLocalList":
        config["LocalListVersion"] = str(payload.get("listVersion", 0))
        return {"status": "Accepted"}
    if action == "DataTransfer":
        return {"status": "UnknownVendorId"}
    if action in _STATUS_ANSWERS:
        return {"status": _STATUS_ANSWERS[action]}
    if action in ("UpdateFirmware",):
        return {}
    return None


_STATUS_ANSWERS = {
    "CancelReservation": "Accepted",
    "CertificateSigned": "Accepted",
    "ChangeAvailability": "Accepted",
    "ClearCache": "Accepted",
    "ClearChargingProfile": "Accepted",
    "RemoteStartTransaction": "Accepted",
    "RemoteStopTransaction": "Accepted",
    "ReserveNow": "Accepted",
    "Reset": "Accepted",
    "SetChargingProfile": "Accepted",
    "TriggerMessage": "Accepted",
    "UnlockConnector": "Unlocked",
}
