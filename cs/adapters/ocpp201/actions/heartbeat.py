"""Heartbeat (OCPP 2.0.1 G02): answer the current time; the frames are the record."""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext
from cs.app.stations.boot import BootService
from cs.domain.datetimes import format_datetime


class Heartbeat:
    """Answers our clock (`BootService.heartbeat`); changes no aggregate."""

    def __init__(self, boots: BootService) -> None:
        self._boots = boots

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        return {"currentTime": format_datetime(self._boots.heartbeat(ctx))}
