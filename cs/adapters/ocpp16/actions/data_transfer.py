"""DataTransfer (OCPP 1.6 section 4.3): recorded, answered by a vendor handler if any."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.data_transfer import DataTransferService


class DataTransfer:
    """Hands vendor data to its plug-in and answers what it says (`DataTransferService`)."""

    def __init__(self, transfers: DataTransferService) -> None:
        self._transfers = transfers

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        answer = await self._transfers.data_transfer(
            ctx, payload["vendorId"], payload.get("messageId"), payload.get("data")
        )
        reply: Payload = {"status": answer.status.value}
        if answer.data is not None:
            reply["data"] = answer.data
        return reply
