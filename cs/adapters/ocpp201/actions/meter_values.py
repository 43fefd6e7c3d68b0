"""MeterValues (OCPP 2.0.1 J01): values outside a transaction, kept as sent."""

from __future__ import annotations

from cs.adapters.ocpp201.sampled import samples
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.transactions.meter_values import MeterReport, MeterValuesService


class MeterValues:
    """Records the values on the charge box (`MeterValuesService`).

    2.0.1 sends a transaction's values inside TransactionEvent; MeterValues names no
    transaction, so these go to the station, per EVSE (0: the main meter).
    """

    def __init__(self, meter_values: MeterValuesService) -> None:
        self._meter_values = meter_values

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        meter_value = payload["meterValue"]
        report = MeterReport(
            connector_id=payload["evseId"],
            transaction_id=None,
            meter_values=meter_value,
            samples=samples(meter_value),
        )
        await self._meter_values.meter_values(ctx, report)
        return {}
