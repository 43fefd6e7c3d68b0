"""StartTransaction (OCPP 1.6 section 4.8): always answered with a fresh transaction id."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.errors import PropertyConstraintViolation
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.domain.session import StartData


class StartTransactionHandler(ActionHandler):
    @handles(Action.start_transaction)
    async def on_start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
    ) -> call_result.StartTransaction:
        if connector_id < 1:  # section 6.46: connectorId > 0
            raise PropertyConstraintViolation("connectorId must be 1 or more")
        ctx = self.context
        data = StartData(
            tenant_id=ctx.tenant_id,
            charge_box_id=ctx.charge_box_id,
            connector_id=connector_id,
            id_tag=id_tag,
            meter_start=meter_start,
            started_at=parse_datetime(timestamp),
            reservation_id=reservation_id,
        )
        answer = await self.services.sessions.start_transaction(ctx, data, timestamp)
        return call_result.StartTransaction(
            transaction_id=answer.transaction_id, id_tag_info=id_tag_info(answer.id_tag_info)
        )
