"""SecurityEventNotification (OCPP 1.6 Security Whitepaper): recorded on the charge box."""

from __future__ import annotations

from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.reports import StationReports


class SecurityEventNotification:
    """Records the security event as sent (`StationReports.security_event`)."""

    def __init__(self, reports: StationReports) -> None:
        self._reports = reports

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._reports.security_event(
            ctx, payload["type"], parse_datetime(payload["timestamp"]), payload.get("techInfo")
        )
        return {}
