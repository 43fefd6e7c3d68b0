"""BootNotification (OCPP 1.6 section 4.2): record who the charge point is, accept it."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.timestamps import format_datetime
from cs.domain.chargebox import BootInfo


class BootNotificationHandler(ActionHandler):
    @handles(Action.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **optional: Any
    ) -> call_result.BootNotification:
        answer = await self.services.charge_points.boot_notification(
            self.context, BootInfo(charge_point_vendor, charge_point_model, **optional)
        )
        # OCPP 1.6 answers `interval` (1.5's `heartbeatInterval` is not valid here).
        return call_result.BootNotification(
            current_time=format_datetime(answer.current_time),
            interval=answer.interval,
            status=answer.status.value,
        )
