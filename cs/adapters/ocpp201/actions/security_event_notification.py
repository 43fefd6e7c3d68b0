"""SecurityEventNotification (OCPP 2.0.1 A04): recorded on the charge box."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports
from cs.domain.datetimes import parse_datetime


class SecurityEventNotification:
    """Records the security event as sent (`StationReports.security_event`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.security_event(
            ctx, payload["type"], parse_datetime(payload["timestamp"]), payload.get("techInfo")
        )
        return {}
