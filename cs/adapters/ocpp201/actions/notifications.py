"""Notifications whose frame is their whole record (OCPP 2.0.1 NotifyEvent, ...).

Each is durable before its answer like every CALL (the frame is in the log, in the
charge box's history, on the `ocpp` exchange); no read model is built from them yet.
"""

from __future__ import annotations

from cs.adapters.ocppj.dialect import Payload
from cs.app.recorder import MessageContext

# Actions answered with an empty payload (their Response schemas require nothing).
ACKNOWLEDGED = (
    "ClearedChargingLimit",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReservationStatusUpdate",
)


class Acknowledged:
    """Answers `answer` (an empty payload unless told otherwise); the frame is the record."""

    def __init__(self, answer: Payload | None = None) -> None:
        self._answer = answer or {}

    async def __call__(self, ctx: MessageContext, payload: Payload) -> Payload:
        return dict(self._answer)
