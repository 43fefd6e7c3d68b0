"""MeterValues (OCPP 1.6 section 4.7): every sampled value kept as sent."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.errors import PropertyConstraintViolation
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.app.sessions import MeterReport
from cs.domain.metering import samples


class MeterValuesHandler(ActionHandler):
    @handles(Action.meter_values)
    async def on_meter_values(
        self,
        connector_id: int,
        meter_value: list[dict[str, Any]],
        transaction_id: int | None = None,
    ) -> call_result.MeterValues:
        if connector_id < 0:
            raise PropertyConstraintViolation("connectorId must be 0 or more")
        report = MeterReport(
            connector_id=connector_id,
            transaction_id=transaction_id,
            meter_values=meter_value,
            samples=samples(meter_value, parse_datetime),
        )
        await self.services.sessions.meter_values(self.context, report)
        return call_result.MeterValues()
