"""FirmwareStatusNotification (OCPP 1.6 section 4.5): recorded, shown on the box."""

from __future__ import annotations

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles


class FirmwareStatusNotificationHandler(ActionHandler):
    @handles(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, status: str
    ) -> call_result.FirmwareStatusNotification:
        await self.services.charge_points.report(self.context, "firmware", status)
        return call_result.FirmwareStatusNotification()
