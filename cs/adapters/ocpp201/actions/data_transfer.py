"""DataTransfer (OCPP 2.0.1 P01): recorded, answered by a vendor handler if any."""

from __future__ import annotations

import orjson

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.data_transfer import DataTransferService


class DataTransfer:
    """Hands vendor data to its plug-in and answers what it says (`DataTransferService`).

    2.0.1's `data` may be any JSON value, not only a string as in 1.6: a value that is
    not a string reaches the handler (and the charge box's record) as its JSON text;
    the frame keeps it as sent.
    """

    def __init__(self, transfers: DataTransferService) -> None:
        self._transfers = transfers

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        data = payload.get("data")
        text = data if data is None or isinstance(data, str) else orjson.dumps(data).decode()
        answer = await self._transfers.data_transfer(
            ctx, payload["vendorId"], payload.get("messageId"), text
        )
        reply: Payload = {"status": answer.status.value}
        if answer.data is not None:
            reply["data"] = answer.data
        return reply
