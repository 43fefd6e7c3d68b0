"""FirmwareStatusNotification (OCPP 2.0.1 L01): recorded, shown on the charge box."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports


class FirmwareStatusNotification:
    """Records the firmware status the station reports, with its request (`StationReports`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.report(ctx, "firmware", payload["status"], payload.get("requestId"))
        return {}
