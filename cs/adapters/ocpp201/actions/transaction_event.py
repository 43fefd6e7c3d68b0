"""TransactionEvent (OCPP 2.0.1 Part 2 block E): a station's transaction, event by event."""

from __future__ import annotations

from cs.adapters.ocpp201.actions._id_token_info import id_token_info
from cs.adapters.ocpp201.sampled import samples
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.transactions.events import TransactionEventReport, TransactionEventService
from cs.domain.datetimes import parse_datetime


class TransactionEvent:
    """Starts, updates and ends sessions (`TransactionEventService`).

    The answer carries `idTokenInfo` when the event carried an idToken, which the
    station waits for to know whether it may go on. The first event of a transaction
    names its EVSE; one that does not (a station out of line) runs on EVSE 0 rather
    than being refused: the station would only retry it.
    """

    def __init__(self, transactions: TransactionEventService) -> None:
        self._transactions = transactions

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        evse = payload.get("evse")
        info = payload["transactionInfo"]
        token = payload.get("idToken")
        meter_values = payload.get("meterValue") or []
        report = TransactionEventReport(
            event_type=payload["eventType"],
            station_transaction_id=info["transactionId"],
            seq_no=payload["seqNo"],
            evse_id=evse["id"] if evse else 0,
            id_token=token["idToken"] if token else None,
            timestamp=parse_datetime(payload["timestamp"]),
            trigger_reason=payload["triggerReason"],
            stopped_reason=info.get("stoppedReason"),
            reservation_id=payload.get("reservationId"),
            meter_values=meter_values,
            samples=samples(meter_values),
            offline=bool(payload.get("offline", False)),
        )
        answer = await self._transactions.transaction_event(ctx, report)
        return {"idTokenInfo": id_token_info(answer)} if answer is not None else {}
