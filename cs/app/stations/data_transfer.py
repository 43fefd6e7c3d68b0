"""Use case: vendor-specific data from a station (DataTransfer), answered by a plug-in."""

from __future__ import annotations

from cs.app.datatransfer import DataTransferAnswer, DataTransferHandlers, DataTransferRequest
from cs.app.recorder import MessageContext


class DataTransferService:
    """Answers a station's DataTransfer with the vendor's handler, and records both.

    Promises: every transfer is recorded with the answer given, whether a handler for
    the vendor exists or not (cs.app.datatransfer says how vendors are answered).
    """

    def __init__(self, handlers: DataTransferHandlers | None = None) -> None:
        self._handlers = handlers or DataTransferHandlers()

    async def data_transfer(
        self, ctx: MessageContext, vendor_id: str, message_id: str | None, data: str | None
    ) -> DataTransferAnswer:
        request = DataTransferRequest(ctx.tenant_id, ctx.charge_box_id, vendor_id, message_id, data)
        answer = await self._handlers.answer(request)
        # No await below: decide and record in one step (cs.app.recorder).
        ctx.station.aggregate.transfer_data(
            vendor_id,
            message_id,
            data,
            status=answer.status.value,
            answer_data=answer.data,
            connection_id=ctx.connection_id,
            message_id=ctx.message_id,
            at=ctx.received_at,
        )
        ctx.save(ctx.station)
        return answer
