"""StatusNotification (OCPP 1.6 section 4.9): record a connector's status and error."""

from __future__ import annotations

from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.adapters.ocppj.dialect import Payload
from cs.adapters.ocppj.errors import PropertyConstraintViolation
from cs.app.recorder import MessageContext
from cs.app.stations.status import StatusService
from cs.domain.chargebox import StatusReport


class StatusNotification:
    """Records the status on the charge box (`StatusService`)."""

    def __init__(self, statuses: StatusService) -> None:
        self._statuses = statuses

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        connector_id = payload["connectorId"]
        if connector_id < 0:  # 0 is the charge point itself, 1.. its connectors
            raise PropertyConstraintViolation("connectorId must be 0 or more")
        timestamp = payload.get("timestamp")
        report = StatusReport(
            connector_id=connector_id,
            status=payload["status"],
            error_code=payload["errorCode"],
            info=payload.get("info"),
            vendor_id=payload.get("vendorId"),
            vendor_error_code=payload.get("vendorErrorCode"),
            reported_at=parse_datetime(timestamp) if timestamp else None,
        )
        self._statuses.status_notification(ctx, report)
        return {}
