"""DiagnosticsStatusNotification (OCPP 1.6 section 4.4): recorded, shown on the charge box."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports


class DiagnosticsStatusNotification:
    """Records the diagnostics status the charge point reports (`StationReports`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.report(ctx, "diagnostics", payload["status"])
        return {}
