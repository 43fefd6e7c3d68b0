"""StopTransaction (OCPP 1.6 section 4.10): always confirmed, whatever we know of it."""

from __future__ import annotations

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.transactions.stop import StopService
from cs.domain.metering import samples
from cs.domain.session import StopData


class StopTransaction:
    """Ends the session (or records the stop on the charge box) (`StopService`)."""

    def __init__(self, stops: StopService) -> None:
        self._stops = stops

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        data = StopData(
            meter_stop=payload["meterStop"],
            stopped_at=parse_datetime(payload["timestamp"]),
            reason=payload.get("reason"),
            id_tag=payload.get("idTag"),
            transaction_data=payload.get("transactionData") or [],
        )
        info = await self._stops.stop_transaction(
            ctx,
            payload["transactionId"],
            data,
            samples(data.transaction_data, parse_datetime),
        )
        return {"idTagInfo": id_tag_info(info)} if info is not None else {}
