"""NotifyReport (OCPP 2.0.1 B07, B08): a part of the device model, kept for the read model."""

from __future__ import annotations

from typing import Any

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports
from cs.domain.datetimes import parse_datetime


def variables(report_data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per variable attribute (ReportDataType: a variable has 1 to 4 attributes)."""
    rows = []
    for item in report_data:
        component = item.get("component") or {}
        variable = item.get("variable") or {}
        evse = component.get("evse") or {}
        characteristics = item.get("variableCharacteristics")
        for attribute in item.get("variableAttribute") or [{}]:
            rows.append(
                {
                    "component": component.get("name"),
                    "component_instance": component.get("instance"),
                    "evse_id": evse.get("id"),
                    "connector_id": evse.get("connectorId"),
                    "variable": variable.get("name"),
                    "variable_instance": variable.get("instance"),
                    "attribute_type": attribute.get("type", "Actual"),
                    "value": attribute.get("value"),
                    "mutability": attribute.get("mutability", "ReadWrite"),
                    "persistent": attribute.get("persistent", False),
                    "constant": attribute.get("constant", False),
                    "characteristics": characteristics,
                }
            )
    return rows


class NotifyReport:
    """Records each part of a report (`StationReports.device_model`), answers empty."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.device_model(
            ctx,
            request_id=payload["requestId"],
            seq_no=payload["seqNo"],
            tbc=bool(payload.get("tbc", False)),
            generated_at=parse_datetime(payload["generatedAt"]),
            variables=variables(payload.get("reportData") or []),
        )
        return {}
