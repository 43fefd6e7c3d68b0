"""StartTransaction (OCPP 1.6 section 4.8): always answered with a fresh transaction id."""

from __future__ import annotations

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.adapters.ocppj.errors import PropertyConstraintViolation
from cs.app.recorder import MessageContext
from cs.app.transactions.start import StartService
from cs.domain.session import StartData


class StartTransaction:
    """Starts a session and answers its transaction id and the tag's status (`StartService`)."""

    def __init__(self, starts: StartService) -> None:
        self._starts = starts

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        connector_id = payload["connectorId"]
        if connector_id < 1:  # section 6.46: connectorId > 0
            raise PropertyConstraintViolation("connectorId must be 1 or more")
        timestamp = payload["timestamp"]
        data = StartData(
            tenant_id=ctx.tenant_id,
            charge_box_id=ctx.charge_box_id,
            connector_id=connector_id,
            id_tag=payload["idTag"],
            meter_start=payload["meterStart"],
            started_at=parse_datetime(timestamp),
            reservation_id=payload.get("reservationId"),
        )
        answer = await self._starts.start_transaction(ctx, data, timestamp)
        return {
            "transactionId": answer.transaction_id,
            "idTagInfo": id_tag_info(answer.id_tag_info),
        }
