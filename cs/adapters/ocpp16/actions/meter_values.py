"""MeterValues (OCPP 1.6 section 4.7): every sampled value kept as sent."""

from __future__ import annotations

from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.adapters.ocppj.errors import PropertyConstraintViolation
from cs.app.recorder import MessageContext
from cs.app.transactions.meter_values import MeterReport, MeterValuesService
from cs.domain.metering import samples


class MeterValues:
    """Records the values on their session or on the charge box (`MeterValuesService`)."""

    def __init__(self, meter_values: MeterValuesService) -> None:
        self._meter_values = meter_values

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        connector_id = payload["connectorId"]
        if connector_id < 0:
            raise PropertyConstraintViolation("connectorId must be 0 or more")
        meter_value = payload["meterValue"]
        report = MeterReport(
            connector_id=connector_id,
            transaction_id=payload.get("transactionId"),
            meter_values=meter_value,
            samples=samples(meter_value, parse_datetime),
        )
        await self._meter_values.meter_values(ctx, report)
        return {}
