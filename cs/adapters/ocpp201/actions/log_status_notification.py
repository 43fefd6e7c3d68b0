"""LogStatusNotification (OCPP 2.0.1 N01): recorded, shown on the charge box."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports


class LogStatusNotification:
    """Records the log upload status the station reports (`StationReports`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.report(ctx, "log", payload["status"], payload.get("requestId"))
        return {}
