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


def a_start_transaction(**overrides: Any) -> dict[str, Any]:
    payload = {
        "connectorId": 1,
        "idTag": "TAG-1",
        "meterStart": 1000,
        "timestamp": "2026-11-25T10:00:00.000Z",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_stop_transaction(transaction_id: int, **overrides: Any) -> dict[str, Any]:
    payload = {
        "transactionId": transaction_id,
        "meterStop": 8500,
        "timestamp": "2026-11-25T11:30:00.000Z",
        "reason": "Local",
        "idTag": "TAG-1",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_meter_value(timestamp: str, *samples: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": list(samples)}


def a_sample(
    value: str, measurand: str | None = None, unit: str | None = None, **more: Any
) -> dict[str, Any]:
    sample: dict[str, Any] = {"value": value, **more}
    if measurand is not None:
        sample["measurand"] = measurand
    if unit is not None:
        sample["unit"] = unit
    return sample


def a_meter_values(
    transaction_id: int | None, *meter_values: dict[str, Any], connector_id: int = 1
) -> dict[str, Any]:
    payload: dict[str, Any] = {"connectorId": connector_id, "meterValue": list(meter_values)}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    return payload


def an_authorize(id_tag: str = "TAG-1") -> dict[str, Any]:
    return {"idTag": id_tag}


def a_data_transfer(**overrides: Any) -> dict[str, Any]:
    payload = {"vendorId": "com.acme", "messageId": "GetPrice", "data": '{"connector": 1}'}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_firmware_status(status: str = "Downloading") -> dict[str, Any]:
    return {"status": status}


def a_diagnostics_status(status: str = "Uploaded") -> dict[str, Any]:
    return {"status": status}


def a_log_status(**overrides: Any) -> dict[str, Any]:
    payload = {"status": "Uploading", "requestId": 8}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_signed_firmware_status(**overrides: Any) -> dict[str, Any]:
    payload = {"status": "SignatureVerified", "requestId": 7}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_security_event(**overrides: Any) -> dict[str, Any]:
    payload = {"type": "FirmwareUpdated", "timestamp": "2026-11-25T09:59:00.000Z", "techInfo": "v2"}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def a_sign_certificate(csr: str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n") -> dict[str, Any]:
    return {"csr": csr}
