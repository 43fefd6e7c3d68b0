"""StopTransaction (OCPP 1.6 section 4.10): always confirmed, whatever we know of it."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions._idtaginfo import id_tag_info
from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.domain.metering import samples
from cs.domain.session import StopData


class StopTransactionHandler(ActionHandler):
    @handles(Action.stop_transaction)
    async def on_stop_transaction(
        self,
        meter_stop: int,
        timestamp: str,
        transaction_id: int,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
    ) -> call_result.StopTransaction:
        data = StopData(
            meter_stop=meter_stop,
            stopped_at=parse_datetime(timestamp),
            reason=reason,
            id_tag=id_tag,
            transaction_data=transaction_data or [],
        )
        info = await self.services.sessions.stop_transaction(
            self.context, transaction_id, data, samples(data.transaction_data, parse_datetime)
        )
        return call_result.StopTransaction(id_tag_info=id_tag_info(info) if info else None)
