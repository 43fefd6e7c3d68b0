"""DataTransfer (OCPP 1.6 section 4.3): recorded, answered by a vendor handler if any."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles


class DataTransferHandler(ActionHandler):
    @handles(Action.data_transfer)
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> call_result.DataTransfer:
        answer = await self.services.charge_points.data_transfer(
            self.context, vendor_id, message_id, data
        )
        return call_result.DataTransfer(status=answer.status.value, data=answer.data)
