"""DiagnosticsStatusNotification (OCPP 1.6 section 4.4): recorded, shown on the box."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles


class DiagnosticsStatusNotificationHandler(ActionHandler):
    @handles(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(
        self, status: str
    ) -> call_result.DiagnosticsStatusNotification:
        await self.services.charge_points.report(self.context, "diagnostics", status)
        return call_result.DiagnosticsStatusNotification()
