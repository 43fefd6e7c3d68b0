"""Test data builders: valid OCPP 1.6 payloads with overrides."""

from __future__ import annotations

from typing import Any


def a_boot_notification(**overrides: Any) -> dict[str, Any]:
    payload = {
        "chargePointVendor": "ACME",
        "chargePointModel": "Wallbox 22",
        "chargePointSerialNumber": "CP-SN-1",
        "chargeBoxSerialNumber": "CB-SN-1",
        "firmwareVersion": "1.2.3",
        "iccid": "8931000000000000001",
        "imsi": "204080000000001",
        "meterType": "EM-3",
        "meterSerialNumber": "M-1",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_status_notification(**overrides: Any) -> dict[str, Any]:
    payload = {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Available",
        "timestamp": "2026-11-25T10:00:00.000Z",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}
