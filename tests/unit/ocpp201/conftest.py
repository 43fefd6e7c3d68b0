"""Stations speaking OCPP 2.0.1 to a node on fakes, and their payloads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.station import Node, Station

OCPP201 = "ocpp2.0.1"
T0 = "2026-11-25T10:00:00Z"


def a_boot(**station: Any) -> dict[str, Any]:
    return {
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "Keba", "model": "KC-P30", **station},
    }


def energy(wh: float, at: str = T0, **unit: Any) -> dict[str, Any]:
    """A MeterValue with the energy register, per phase currents and power (as AC sends)."""
    sampled: dict[str, Any] = {"value": wh, "measurand": "Energy.Active.Import.Register"}
    if unit:
        sampled["unitOfMeasure"] = unit
    return {
        "timestamp": at,
        "sampledValue": [
            sampled,
            {"value": 11000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}},
            *(
                {"value": 16.0, "measurand": "Current.Import", "phase": phase}
                for phase in ("L1", "L2", "L3")
            ),
        ],
    }


def an_event(
    event_type: str = "Started",
    transaction_id: str = "tx-1",
    seq_no: int = 0,
    *,
    at: str = T0,
    trigger: str = "Authorized",
    **fields: Any,
) -> dict[str, Any]:
    info = {"transactionId": transaction_id, **fields.pop("info", {})}
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": at,
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
    }
    if event_type == "Started":
        payload["evse"] = {"id": 1, "connectorId": 1}
    payload.update(fields)
    return payload


def a_token(token: str = "TAG-1", kind: str = "ISO14443") -> dict[str, str]:
    return {"idToken": token, "type": kind}


async def booted(node: Node, charge_box_id: str = "CP-1") -> Station:
    station = await node.connect(charge_box_id, subprotocol=OCPP201)
    answer = await station.call("BootNotification", a_boot())
    assert answer[2]["status"] == "Accepted", answer
    return station


@pytest.fixture
async def station(node: Node) -> Station:
    """Station CP-1 speaking 2.0.1, booted and Accepted."""
    return await booted(node)
