"""StatusNotification (OCPP 1.6 section 4.9): record a connector's status and error."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.errors import PropertyConstraintViolation
from cs.adapters.ocpp16.timestamps import parse_datetime
from cs.domain.chargebox import StatusReport


class StatusNotificationHandler(ActionHandler):
    @handles(Action.status_notification)
    async def on_status_notification(
        self,
        connector_id: int,
        error_code: str,
        status: str,
        info: str | None = None,
        timestamp: str | None = None,
        vendor_id: str | None = None,
        vendor_error_code: str | None = None,
    ) -> call_result.StatusNotification:
        if connector_id < 0:  # 0 is the charge point itself, 1.. its connectors
            raise PropertyConstraintViolation("connectorId must be 0 or more")
        report = StatusReport(
            connector_id=connector_id,
            status=status,
            error_code=error_code,
            info=info,
            vendor_id=vendor_id,
            vendor_error_code=vendor_error_code,
            reported_at=parse_datetime(timestamp) if timestamp else None,
        )
        await self.services.charge_points.status_notification(self.context, report)
        return call_result.StatusNotification()
