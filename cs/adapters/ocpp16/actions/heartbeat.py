"""Heartbeat (OCPP 1.6 section 4.6): answer the current time; the frames are the record."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from cs.adapters.ocpp16.actions.base import ActionHandler, handles
from cs.adapters.ocpp16.timestamps import format_datetime


class HeartbeatHandler(ActionHandler):
    @handles(Action.heartbeat)
    def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        now = self.services.charge_points.heartbeat(self.context)
        return call_result.Heartbeat(current_time=format_datetime(now))
